from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.operations import operation

from . import service
from .schemas import DewarCreate, DewarHistoryRead, DewarRead, DewarUpdate

ns = Namespace("dewars", path="/dewars", description="Dewars of shipments and their journeys")


def _dewar(ref: str):
    return service.get_dewar(db_session=db_session(), ref=ref, caller=current_caller())


@ns.route("")
class Dewars(Resource):
    @operation(ns, response=DewarRead, list_spec=service.LIST_SPEC)
    def get(self, *, params):
        """List dewars (filter by proposal, shipment, barcode, status, storage location)."""
        return service.list_dewars(db_session=db_session(), params=params, caller=current_caller())

    @operation(ns, body=DewarCreate, response=DewarRead, status=201, errors=(409,))
    def post(self, *, body):
        """Add a dewar to a shipment; it starts 'opened'."""
        return service.create_dewar(db_session=db_session(), data=body, caller=current_caller())


@ns.route("/<string:ref>")
@ns.param("ref", "Dewar id, UUID or barcode")
class DewarItem(Resource):
    @operation(ns, response=DewarRead, errors=(404,))
    def get(self, ref: str):
        """Get a dewar by id, UUID or barcode."""
        return _dewar(ref)

    @operation(ns, body=DewarUpdate, partial=True, response=DewarRead, errors=(403, 404, 409))
    def patch(self, ref: str, *, body):
        """Change some fields of a dewar, or its status (following the lifecycle)."""
        return service.update_dewar(
            db_session=db_session(), dewar=_dewar(ref), data=body, caller=current_caller()
        )


@ns.route("/<string:ref>/history")
@ns.param("ref", "Dewar id, UUID or barcode")
class DewarHistory(Resource):
    @operation(ns, response=DewarHistoryRead, list_spec=service.HISTORY_LIST_SPEC, errors=(404,))
    def get(self, ref: str, *, params):
        """Every status and storage change of a dewar, with its time."""
        return service.list_history(db_session=db_session(), dewar=_dewar(ref), params=params)
