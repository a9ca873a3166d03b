from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.operations import operation

from . import service
from .schemas import GridInfoCreate, GridInfoRead, GridInfoUpdate

ns = Namespace("grid-info", path="/grid-info", description="Grids of grid scans (meshes)")


def _grid(ref: str):
    return service.get_grid(db_session=db_session(), ref=ref, caller=current_caller())


@ns.route("")
class Grids(Resource):
    @operation(ns, response=GridInfoRead, list_spec=service.LIST_SPEC)
    def get(self, *, params):
        """List grids (by data collection, group, session)."""
        return service.list_grids(db_session=db_session(), params=params, caller=current_caller())

    @operation(ns, body=GridInfoCreate, response=GridInfoRead, status=201, errors=(403,))
    def post(self, *, body):
        """Record the grid of a grid scan (beamline control)."""
        return service.create_grid(db_session=db_session(), data=body, caller=current_caller())


@ns.route("/<string:ref>")
@ns.param("ref", "Grid id or UUID")
class GridItem(Resource):
    @operation(ns, response=GridInfoRead, errors=(404,))
    def get(self, ref: str):
        """Get a grid by id or UUID."""
        return _grid(ref)

    @operation(ns, body=GridInfoUpdate, partial=True, response=GridInfoRead, errors=(403, 404, 409))
    def patch(self, ref: str, *, body):
        """Change some fields of a grid."""
        return service.update_grid(
            db_session=db_session(), grid=_grid(ref), data=body, caller=current_caller()
        )
