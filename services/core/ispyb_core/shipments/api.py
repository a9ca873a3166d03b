from __future__ import annotations

from flask import request
from flask_restx import Namespace, Resource
from werkzeug.exceptions import UnsupportedMediaType

from ispyb_shared.app import document_errors, list_params, load_body, register_models
from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.errors import ApiError
from ispyb_shared.listing import list_params_doc

from ..sessions.schemas import SessionRead
from ..shipment_documents.csv_import import import_csv
from . import service
from .schemas import (
    ShipmentContentsRead,
    ShipmentCreate,
    ShipmentHistoryRead,
    ShipmentRead,
    ShipmentSessionCreate,
    ShipmentUpdate,
)

ns = Namespace(
    "shipments",
    path="/shipments",
    description="Shipments: dewars of samples sent to the facility, and their lifecycle",
)
models = register_models(
    ns,
    {
        "ShipmentRead": ShipmentRead,
        "ShipmentContentsRead": ShipmentContentsRead,
        "ShipmentCreate": ShipmentCreate,
        "ShipmentUpdate": ShipmentUpdate,
        "ShipmentSessionCreate": ShipmentSessionCreate,
        "ShipmentHistoryRead": ShipmentHistoryRead,
        "SessionRead": SessionRead,
    },
    list_of={"ShipmentList": "ShipmentRead", "ShipmentHistoryList": "ShipmentHistoryRead"},
)
shipment_read_many = ShipmentRead(many=True)
contents_read = ShipmentContentsRead()
history_read_many = ShipmentHistoryRead(many=True)
session_read = SessionRead()
CSV_TYPES = ("text/csv", "text/plain")


@ns.route("")
class Shipments(Resource):
    @ns.doc(params=list_params_doc(service.LIST_SPEC))
    @ns.response(200, "A page of shipments (without contents)", models["ShipmentList"])
    @document_errors(ns, models, 400)
    def get(self):
        """List shipments (filter by proposal, name, status, creation date)."""
        page = service.list_shipments(
            db_session=db_session(), params=list_params(service.LIST_SPEC), caller=current_caller()
        )
        return page.envelope(shipment_read_many.dump)

    @ns.expect(models["ShipmentCreate"])
    @ns.response(201, "Created", models["ShipmentContentsRead"])
    @document_errors(ns, models, 400, 409, 415, 422)
    def post(self):
        """Create an empty shipment; it starts 'opened' (a whole shipment at once:
        POST /shipment-documents)."""
        session = db_session()
        caller = current_caller()
        shipping = service.create_shipment(
            db_session=session, data=load_body(ShipmentCreate()), caller=caller
        )
        return contents_read.dump(
            service.get_shipment_contents(
                db_session=session, ref=str(shipping.shippingId), caller=caller
            )
        ), 201


@ns.route("/<string:ref>")
@ns.param("ref", "Shipment id or UUID")
class ShipmentItem(Resource):
    @ns.response(200, "The shipment with its contents", models["ShipmentContentsRead"])
    @document_errors(ns, models, 404)
    def get(self, ref: str):
        """Get a shipment with its dewars, containers and samples, in one response."""
        return contents_read.dump(
            service.get_shipment_contents(db_session=db_session(), ref=ref, caller=current_caller())
        )

    @ns.expect(models["ShipmentUpdate"])
    @ns.response(200, "Updated", models["ShipmentContentsRead"])
    @document_errors(ns, models, 400, 403, 404, 409, 415, 422)
    def patch(self, ref: str):
        """Change some fields of a shipment, or its status (following the lifecycle)."""
        session = db_session()
        caller = current_caller()
        shipping = service.get_shipment(db_session=session, ref=ref, caller=caller)
        data = load_body(ShipmentUpdate(), partial=True)
        service.update_shipment(db_session=session, shipping=shipping, data=data, caller=caller)
        return contents_read.dump(
            service.get_shipment_contents(db_session=session, ref=ref, caller=caller)
        )


@ns.route("/<string:ref>/history")
@ns.param("ref", "Shipment id or UUID")
class ShipmentHistory(Resource):
    @ns.doc(params=list_params_doc(service.HISTORY_LIST_SPEC))
    @ns.response(200, "The shipment's status changes", models["ShipmentHistoryList"])
    @document_errors(ns, models, 400, 404)
    def get(self, ref: str):
        """Every status the shipment took, when and by whom."""
        session = db_session()
        shipping = service.get_shipment(db_session=session, ref=ref, caller=current_caller())
        page = service.list_history(
            db_session=session, shipping=shipping, params=list_params(service.HISTORY_LIST_SPEC)
        )
        return page.envelope(history_read_many.dump)


@ns.route("/<string:ref>/sessions")
@ns.param("ref", "Shipment id or UUID")
class ShipmentSessions(Resource):
    @ns.expect(models["ShipmentSessionCreate"])
    @ns.response(201, "Linked", models["SessionRead"])
    @document_errors(ns, models, 400, 404, 409, 415, 422)
    def post(self, ref: str):
        """Say which session (of the same proposal) the shipment is for."""
        session = db_session()
        caller = current_caller()
        shipping = service.get_shipment(db_session=session, ref=ref, caller=caller)
        linked = service.add_session(
            db_session=session,
            shipping=shipping,
            data=load_body(ShipmentSessionCreate()),
            caller=caller,
        )
        return session_read.dump(linked), 201


@ns.route("/<string:ref>/sessions/<string:session_ref>")
@ns.param("ref", "Shipment id or UUID")
@ns.param("session_ref", "Session id, UUID or visit name (mx1234-5)")
class ShipmentSession(Resource):
    @ns.response(204, "Unlinked")
    @document_errors(ns, models, 404)
    def delete(self, ref: str, session_ref: str):
        """The shipment is no longer for this session."""
        session = db_session()
        caller = current_caller()
        shipping = service.get_shipment(db_session=session, ref=ref, caller=caller)
        service.remove_session(
            db_session=session, shipping=shipping, session_ref=session_ref, caller=caller
        )
        return "", 204


@ns.route("/<string:ref>/import-csv")
@ns.param("ref", "Shipment id or UUID")
class ShipmentCsvImport(Resource):
    @ns.doc(consumes=list(CSV_TYPES))
    @ns.response(201, "Imported; the shipment with its contents", models["ShipmentContentsRead"])
    @document_errors(ns, models, 400, 404, 413, 415, 422)
    def post(self, ref: str):
        """Import the shipment spreadsheet (body: the CSV file, Content-Type text/csv, UTF-8;
        columns in docs/shipments.md). All rows or none: problems come back by line
        ({"line 3": ["position: ..."]})."""
        if request.mimetype not in CSV_TYPES:
            raise UnsupportedMediaType("The body must be the CSV file (Content-Type: text/csv).")
        try:
            text = request.get_data().decode("utf-8")
        except UnicodeDecodeError:
            raise ApiError("The CSV file must be encoded in UTF-8.") from None
        session = db_session()
        caller = current_caller()
        shipping = service.get_shipment(db_session=session, ref=ref, caller=caller)
        import_csv(db_session=session, shipping=shipping, text=text, caller=caller)
        return contents_read.dump(
            service.get_shipment_contents(db_session=session, ref=ref, caller=caller)
        ), 201
