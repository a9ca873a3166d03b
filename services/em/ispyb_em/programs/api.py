from __future__ import annotations

from flask_restx import Namespace

from ..routes import add_resource_routes
from .service import PROGRAMS

ns = Namespace(
    "programs",
    path="/programs",
    description="Processing program runs (ISPyB AutoProcProgram): every result names the "
    "run that produced it",
)
add_resource_routes(
    ns,
    PROGRAMS,
    name="Program",
    plural="program runs",
    operations=("list", "create", "get", "update"),
)
