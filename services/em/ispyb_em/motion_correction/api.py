from __future__ import annotations

from flask_restx import Namespace

from ..routes import add_resource_routes
from .service import CTFS, MOTION_CORRECTIONS, RELATIVE_ICE_THICKNESSES

motion_corrections = Namespace(
    "motion-corrections",
    path="/motion-corrections",
    description="Motion correction of movies (written by POST /movies/batch)",
)
ctfs = Namespace(
    "ctfs", path="/ctfs", description="CTF estimation of micrographs (written by the batch)"
)
relative_ice_thicknesses = Namespace(
    "relative-ice-thicknesses",
    path="/relative-ice-thicknesses",
    description="Relative ice thickness of micrographs (written by the batch)",
)
add_resource_routes(
    motion_corrections,
    MOTION_CORRECTIONS,
    name="MotionCorrection",
    plural="motion corrections",
    operations=("get",),
)
add_resource_routes(ctfs, CTFS, name="CTF", plural="CTF estimations", operations=("get",))
add_resource_routes(
    relative_ice_thicknesses,
    RELATIVE_ICE_THICKNESSES,
    name="RelativeIceThickness",
    plural="relative ice thicknesses",
    operations=("get",),
)
