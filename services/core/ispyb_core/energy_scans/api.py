from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.operations import operation

from . import service
from .schemas import EnergyScanCreate, EnergyScanRead, EnergyScanUpdate

ns = Namespace(
    "energy-scans",
    path="/energy-scans",
    description="Absorption-edge scans (MAD/SAD) and their edge analysis",
)


def _one(ref: str):
    return service.get_one(db_session=db_session(), ref=ref, caller=current_caller())


@ns.route("")
class EnergyScanList(Resource):
    @operation(ns, response=EnergyScanRead, list_spec=service.LIST_SPEC)
    def get(self, *, params):
        """List energy scans (by session, proposal, sample, element, time)."""
        return service.list_energy_scans(
            db_session=db_session(), params=params, caller=current_caller()
        )

    @operation(ns, body=EnergyScanCreate, response=EnergyScanRead, status=201, errors=(403,))
    def post(self, *, body):
        """Record a energy scan (beamline control): session by visit, id or UUID."""
        return service.create_one(db_session=db_session(), data=body, caller=current_caller())


@ns.route("/<string:ref>")
@ns.param("ref", "Id or UUID")
class EnergyScanItem(Resource):
    @operation(ns, response=EnergyScanRead, errors=(404,))
    def get(self, ref: str):
        """Get a energy scan by id or UUID."""
        return _one(ref)

    @operation(
        ns, body=EnergyScanUpdate, partial=True, response=EnergyScanRead, errors=(403, 404, 409)
    )
    def patch(self, ref: str, *, body):
        """Change some fields of a energy scan."""
        return service.update_one(
            db_session=db_session(), row=_one(ref), data=body, caller=current_caller()
        )
