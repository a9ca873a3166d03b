from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.operations import operation

from . import service
from .schemas import ScreeningCreate, ScreeningRead, ScreeningUpdate

ns = Namespace(
    "screenings",
    path="/screenings",
    description="Screenings (characterisation): indexing, lattices and proposed strategies",
)


def _screening(ref: str):
    return service.get_screening(db_session=db_session(), ref=ref, caller=current_caller())


@ns.route("")
class Screenings(Resource):
    @operation(ns, response=ScreeningRead, list_spec=service.LIST_SPEC)
    def get(self, *, params):
        """List screenings with everything they found (by data collection, group,
        session, program)."""
        return service.list_screenings(
            db_session=db_session(), params=params, caller=current_caller()
        )

    @operation(ns, body=ScreeningCreate, response=ScreeningRead, status=201, errors=(403,))
    def post(self, *, body):
        """Record a screening with its outputs, lattices, strategies, wedges and
        sub-wedges, in one transaction (beamline control, characterisation pipelines)."""
        return service.create_screening(db_session=db_session(), data=body, caller=current_caller())


@ns.route("/<string:ref>")
@ns.param("ref", "Screening id or UUID")
class ScreeningItem(Resource):
    @operation(ns, response=ScreeningRead, errors=(404,))
    def get(self, ref: str):
        """Get a screening with everything it found."""
        return _screening(ref)

    @operation(
        ns, body=ScreeningUpdate, partial=True, response=ScreeningRead, errors=(403, 404, 409)
    )
    def patch(self, ref: str, *, body):
        """Change a screening's own fields (comments, program version...)."""
        return service.update_screening(
            db_session=db_session(), screening=_screening(ref), data=body, caller=current_caller()
        )
