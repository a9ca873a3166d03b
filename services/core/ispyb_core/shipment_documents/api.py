from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.operations import Reply, model_for, operation

from ..shipments.api import ITEM_EXPAND
from ..shipments.schemas import ShipmentContentsRead
from . import service
from .schemas import ShipmentDocument

ns = Namespace(
    "shipment-documents",
    path="/shipment-documents",
    description="One-shot shipment entry: a whole shipment in one document",
)


@ns.route("")
class ShipmentDocuments(Resource):
    @ns.response(
        200,
        "Sent before (same externalId and document): the shipment it created",
        model_for(ns, ShipmentContentsRead),
    )
    # As sent: the service checks the document (every problem at once, by JSON path) and
    # hashes it as sent for idempotency.
    @operation(
        ns,
        body=ShipmentDocument,
        as_sent=True,
        response=ShipmentContentsRead,
        status=201,
        description="Created: the shipment with its contents",
        errors=(409, 413),
        expand=ITEM_EXPAND,
    )
    def post(self, *, body):
        """Create a whole shipment (dewars, containers, samples, crystals, proteins, plans)
        in one transaction. Every problem is reported at once, by JSON path
        (dewars[1].containers[0].samples[3].location), and then nothing is written."""
        shipping, created = service.submit_document(
            db_session=db_session(), raw=body, caller=current_caller()
        )
        return Reply(shipping, 201 if created else 200)
