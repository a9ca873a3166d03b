from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.app import document_errors, list_params, load_body, register_models
from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.listing import list_params_doc

from . import service
from .schemas import DewarCreate, DewarHistoryRead, DewarRead, DewarUpdate

ns = Namespace("dewars", path="/dewars", description="Dewars of shipments and their journeys")
models = register_models(
    ns,
    {
        "DewarRead": DewarRead,
        "DewarCreate": DewarCreate,
        "DewarUpdate": DewarUpdate,
        "DewarHistoryRead": DewarHistoryRead,
    },
    list_of={"DewarList": "DewarRead", "DewarHistoryList": "DewarHistoryRead"},
)
dewar_read = DewarRead()
dewar_read_many = DewarRead(many=True)
history_read_many = DewarHistoryRead(many=True)


@ns.route("")
class Dewars(Resource):
    @ns.doc(params=list_params_doc(service.LIST_SPEC))
    @ns.response(200, "A page of dewars", models["DewarList"])
    @document_errors(ns, models, 400)
    def get(self):
        """List dewars (filter by proposal, shipment, barcode, status, storage location)."""
        page = service.list_dewars(
            db_session=db_session(), params=list_params(service.LIST_SPEC), caller=current_caller()
        )
        return page.envelope(dewar_read_many.dump)

    @ns.expect(models["DewarCreate"])
    @ns.response(201, "Created", models["DewarRead"])
    @document_errors(ns, models, 400, 409, 415, 422)
    def post(self):
        """Add a dewar to a shipment; it starts 'opened'."""
        dewar = service.create_dewar(
            db_session=db_session(), data=load_body(DewarCreate()), caller=current_caller()
        )
        return dewar_read.dump(dewar), 201


@ns.route("/<string:ref>")
@ns.param("ref", "Dewar id, UUID or barcode")
class DewarItem(Resource):
    @ns.response(200, "The dewar", models["DewarRead"])
    @document_errors(ns, models, 404)
    def get(self, ref: str):
        """Get a dewar by id, UUID or barcode."""
        return dewar_read.dump(
            service.get_dewar(db_session=db_session(), ref=ref, caller=current_caller())
        )

    @ns.expect(models["DewarUpdate"])
    @ns.response(200, "Updated", models["DewarRead"])
    @document_errors(ns, models, 400, 403, 404, 409, 415, 422)
    def patch(self, ref: str):
        """Change some fields of a dewar, or its status (following the lifecycle)."""
        session = db_session()
        caller = current_caller()
        dewar = service.get_dewar(db_session=session, ref=ref, caller=caller)
        data = load_body(DewarUpdate(), partial=True)
        return dewar_read.dump(
            service.update_dewar(db_session=session, dewar=dewar, data=data, caller=caller)
        )


@ns.route("/<string:ref>/history")
@ns.param("ref", "Dewar id, UUID or barcode")
class DewarHistory(Resource):
    @ns.doc(params=list_params_doc(service.HISTORY_LIST_SPEC))
    @ns.response(200, "The dewar's status and storage changes", models["DewarHistoryList"])
    @document_errors(ns, models, 400, 404)
    def get(self, ref: str):
        """Every status and storage change of a dewar, with its time."""
        session = db_session()
        dewar = service.get_dewar(db_session=session, ref=ref, caller=current_caller())
        page = service.list_history(
            db_session=session, dewar=dewar, params=list_params(service.HISTORY_LIST_SPEC)
        )
        return page.envelope(history_read_many.dump)
