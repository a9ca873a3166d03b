from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.operations import operation

from ..access import authorize_reader, request_scope
from ..resources import get_row
from .schemas import CTFRead, MotionCorrectionRead, RelativeIceThicknessRead
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


@motion_corrections.route("/<string:ref>")
@motion_corrections.param("ref", "Id or UUID")
class MotionCorrectionItem(Resource):
    @operation(
        motion_corrections,
        response=MotionCorrectionRead,
        errors=(404,),
        authorize=authorize_reader,
    )
    def get(self, ref: str):
        """Get a motion correction by id or UUID."""
        return get_row(MOTION_CORRECTIONS, ref=ref, **request_scope())


@ctfs.route("/<string:ref>")
@ctfs.param("ref", "Id or UUID")
class CTFItem(Resource):
    @operation(ctfs, response=CTFRead, errors=(404,), authorize=authorize_reader)
    def get(self, ref: str):
        """Get a CTF estimation by id or UUID."""
        return get_row(CTFS, ref=ref, **request_scope())


@relative_ice_thicknesses.route("/<string:ref>")
@relative_ice_thicknesses.param("ref", "Id or UUID")
class RelativeIceThicknessItem(Resource):
    @operation(
        relative_ice_thicknesses,
        response=RelativeIceThicknessRead,
        errors=(404,),
        authorize=authorize_reader,
    )
    def get(self, ref: str):
        """Get a relative ice thickness by id or UUID."""
        return get_row(RELATIVE_ICE_THICKNESSES, ref=ref, **request_scope())
