from __future__ import annotations

from flask_restx import Namespace, Resource
from marshmallow import INCLUDE, Schema

from ispyb_shared.app import document_errors, load_body, register_models
from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session

from ..shipments.schemas import ShipmentContentsRead
from . import service
from .schemas import ShipmentDocumentSchema

ns = Namespace(
    "shipment-documents",
    path="/shipment-documents",
    description="One-shot shipment entry: a whole shipment in one document",
)
models = register_models(
    ns,
    {"ShipmentDocument": ShipmentDocumentSchema, "ShipmentContentsRead": ShipmentContentsRead},
)
contents_read = ShipmentContentsRead()


class RawDocument(Schema):
    """The body as sent: the service checks it (and hashes it for idempotency)."""

    class Meta:
        unknown = INCLUDE


@ns.route("")
class ShipmentDocuments(Resource):
    @ns.expect(models["ShipmentDocument"])
    @ns.response(201, "Created: the shipment with its contents", models["ShipmentContentsRead"])
    @ns.response(200, "Sent before (same externalId and document): the shipment it created")
    @document_errors(ns, models, 400, 409, 413, 415, 422)
    def post(self):
        """Create a whole shipment (dewars, containers, samples, crystals, proteins, plans)
        in one transaction. Every problem is reported at once, by JSON path
        (dewars[1].containers[0].samples[3].location), and then nothing is written."""
        raw = load_body(RawDocument())
        shipping, created = service.submit_document(
            db_session=db_session(), raw=raw, caller=current_caller()
        )
        return contents_read.dump(shipping), 201 if created else 200
