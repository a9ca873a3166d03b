from __future__ import annotations

from flask import request
from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.errors import ApiError, UnsupportedMediaType, ValidationFailed
from ispyb_shared.operations import Expand, operation

from ..samples.api import EXPAND as SAMPLE_EXPAND
from ..sessions.schemas import SessionRead
from ..shipment_documents.csv_import import import_csv
from . import service
from .schemas import (
    ShipmentContentsRead,
    ShipmentCreate,
    ShipmentHistoryRead,
    ShipmentSessionCreate,
    ShipmentSpreadsheet,
    ShipmentUpdate,
)

ns = Namespace(
    "shipments",
    path="/shipments",
    description="Shipments: dewars of samples sent to the facility, and their lifecycle",
)
# A shipment's contents come on request (docs/api-conventions.md, "Embedding: expand="):
# a page of shipments with their dewars, containers and samples is one request, in a
# fixed number of statements. The item answers its contents without expand= (its samples
# with crystal and protein; diffraction plans on request).
_SAMPLES = "dewars.containers.samples"
_BLOCKS = {
    "dewars": "the shipment's dewars",
    "dewars.containers": "the dewars' containers",
    _SAMPLES: "the containers' samples",
    **SAMPLE_EXPAND.under(_SAMPLES).blocks,
    "sessions": "the sessions the shipment is for",
}
LIST_EXPAND = Expand(blocks=_BLOCKS)
ITEM_EXPAND = Expand(blocks=_BLOCKS, default=(f"{_SAMPLES}.crystal.protein", "sessions"))
CSV_TYPES = ("text/csv", "text/plain")
# A browser's <form> or FormData upload: the file in one part (any field name).
FORM_TYPE = "multipart/form-data"


def _shipment(ref: str):
    return service.get_shipment(db_session=db_session(), ref=ref, caller=current_caller())


def _contents(ref: str):
    return service.get_shipment_contents(db_session=db_session(), ref=ref, caller=current_caller())


def _csv_text(_schema) -> str:
    """The CSV file's text, sent as the body or as the one file of a multipart form (its
    rows are checked by csv_import). A UTF-8 byte order mark (spreadsheet exports) is
    dropped."""
    if request.mimetype == FORM_TYPE:
        files = [f for name in request.files for f in request.files.getlist(name)]
        if len(files) != 1:
            raise ValidationFailed(
                "The form must hold exactly one file: the CSV spreadsheet.",
                {"file": [f"{len(files)} files sent; send one."]},
            )
        raw = files[0].read()
    elif request.mimetype in CSV_TYPES:
        raw = request.get_data()
    else:
        raise UnsupportedMediaType(
            "The body must be the CSV file (Content-Type: text/csv) or a form with it "
            "(multipart/form-data)."
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError("The CSV file must be encoded in UTF-8.") from None


@ns.route("")
class Shipments(Resource):
    @operation(
        ns,
        response=ShipmentContentsRead,
        list_spec=service.LIST_SPEC,
        description="A page of shipments (their contents with expand=)",
        expand=LIST_EXPAND,
    )
    def get(self, *, params, expand):
        """List shipments (filter by proposal, name, status, creation date); with
        expand=dewars.containers.samples, their contents in the same request."""
        return service.list_shipments(
            db_session=db_session(), params=params, caller=current_caller(), expand=expand
        )

    @operation(
        ns,
        body=ShipmentCreate,
        response=ShipmentContentsRead,
        status=201,
        errors=(409,),
        expand=ITEM_EXPAND,
    )
    def post(self, *, body):
        """Create an empty shipment; it starts 'opened' (a whole shipment at once:
        POST /shipment-documents)."""
        shipping = service.create_shipment(
            db_session=db_session(), data=body, caller=current_caller()
        )
        return _contents(str(shipping.shippingId))


@ns.route("/<string:ref>")
@ns.param("ref", "Shipment id or UUID")
class ShipmentItem(Resource):
    @operation(
        ns,
        response=ShipmentContentsRead,
        description="The shipment with its contents",
        errors=(404,),
        expand=ITEM_EXPAND,
    )
    def get(self, ref: str):
        """Get a shipment with its dewars, containers and samples, in one response."""
        return service.read_shipment_contents(
            db_session=db_session(), ref=ref, caller=current_caller()
        )

    @operation(
        ns,
        body=ShipmentUpdate,
        partial=True,
        response=ShipmentContentsRead,
        errors=(403, 404, 409),
        expand=ITEM_EXPAND,
    )
    def patch(self, ref: str, *, body):
        """Change some fields of a shipment, or its status (following the lifecycle)."""
        service.update_shipment(
            db_session=db_session(), shipping=_shipment(ref), data=body, caller=current_caller()
        )
        return _contents(ref)


@ns.route("/<string:ref>/history")
@ns.param("ref", "Shipment id or UUID")
class ShipmentHistory(Resource):
    @operation(ns, response=ShipmentHistoryRead, list_spec=service.HISTORY_LIST_SPEC, errors=(404,))
    def get(self, ref: str, *, params):
        """Every status the shipment took, when and by whom."""
        return service.list_history(db_session=db_session(), shipping=_shipment(ref), params=params)


@ns.route("/<string:ref>/sessions")
@ns.param("ref", "Shipment id or UUID")
class ShipmentSessions(Resource):
    @operation(
        ns,
        body=ShipmentSessionCreate,
        response=SessionRead,
        status=201,
        description="Linked",
        errors=(404, 409),
    )
    def post(self, ref: str, *, body):
        """Say which session (of the same proposal) the shipment is for."""
        return service.add_session(
            db_session=db_session(), shipping=_shipment(ref), data=body, caller=current_caller()
        )


@ns.route("/<string:ref>/sessions/<string:session_ref>")
@ns.param("ref", "Shipment id or UUID")
@ns.param("session_ref", "Session id, UUID or visit name (mx1234-5)")
class ShipmentSession(Resource):
    @operation(ns, status=204, description="Unlinked", errors=(404,))
    def delete(self, ref: str, session_ref: str):
        """The shipment is no longer for this session."""
        service.remove_session(
            db_session=db_session(),
            shipping=_shipment(ref),
            session_ref=session_ref,
            caller=current_caller(),
        )


@ns.route("/<string:ref>/import-csv")
@ns.param("ref", "Shipment id or UUID")
class ShipmentCsvImport(Resource):
    @ns.doc(consumes=[*CSV_TYPES, FORM_TYPE])
    @operation(
        ns,
        body=ShipmentSpreadsheet,
        load=_csv_text,
        response=ShipmentContentsRead,
        status=201,
        description="Imported; the shipment with its contents",
        errors=(404, 413),
        expand=ITEM_EXPAND,
    )
    def post(self, ref: str, *, body):
        """Import the shipment spreadsheet (body: the CSV file, Content-Type text/csv, UTF-8,
        or a multipart/form-data upload holding it as its one file;
        columns in docs/shipments.md). All rows or none: problems come back by line
        ({"line 3": ["position: ..."]})."""
        import_csv(
            db_session=db_session(), shipping=_shipment(ref), text=body, caller=current_caller()
        )
        return _contents(ref)
