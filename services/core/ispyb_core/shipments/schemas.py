from __future__ import annotations

from marshmallow import Schema, fields, validate
from marshmallow_sqlalchemy import auto_field

from ispyb_shared.schemas import ModelSchema

from ..containers.schemas import ContainerRead
from ..dewars.schemas import DewarRead
from ..samples.schemas import SampleRead
from ..sessions.schemas import SessionRead
from .lifecycle import STATUSES
from .models import Shipping, ShippingHasSession, ShippingStatusHistory

READ_ONLY = ("shippingId", "uuid", "creationDate", "bltimeStamp", "dateOfShippingToUser")


class ShipmentRead(ModelSchema):
    """A shipment (without its contents: read one shipment for those)."""

    class Meta(ModelSchema.Meta):
        model = Shipping
        dump_only = READ_ONLY


class ContainerContentsRead(ContainerRead):
    """A container with its samples."""

    samples = fields.List(
        fields.Nested(SampleRead),
        dump_only=True,
        metadata={"description": "The samples in the container."},
    )


class DewarContentsRead(DewarRead):
    """A dewar with its containers and their samples."""

    containers = fields.List(
        fields.Nested(ContainerContentsRead),
        dump_only=True,
        metadata={"description": "The containers in the dewar."},
    )


class ShipmentContentsRead(ShipmentRead):
    """A shipment with its dewars, their containers and samples, and its sessions."""

    dewars = fields.List(
        fields.Nested(DewarContentsRead),
        dump_only=True,
        metadata={"description": "The dewars of the shipment, with their contents."},
    )
    sessions = fields.List(
        fields.Nested(SessionRead, exclude=("dataCollectionCount",)),
        dump_only=True,
        metadata={"description": "The sessions the shipment is for (ShippingHasSession)."},
    )


class ShipmentFields(ModelSchema):
    """Shipment columns a client writes (base of the create and document schemas). The
    status is set by core on creation (opened) and changed through the lifecycle."""

    class Meta(ModelSchema.Meta):
        model = Shipping
        exclude = (*READ_ONLY, "shippingStatus")


class ShipmentCreate(ShipmentFields):
    """A new, empty shipment of a proposal; it starts 'opened'."""

    class Meta(ShipmentFields.Meta):
        required_fields = ("proposalId", "shippingName")


class ShipmentUpdate(ShipmentCreate):
    """Changes to a shipment; only the fields sent are changed. A status change must follow
    the lifecycle (docs/shipments.md) and carries the dewars in the same status along."""

    shippingStatus = auto_field(validate=validate.OneOf(STATUSES), allow_none=False)

    class Meta(ShipmentCreate.Meta):
        exclude = (*READ_ONLY, "proposalId")


class ShipmentSessionCreate(ModelSchema):
    """A session (of the same proposal) the shipment is for."""

    class Meta(ModelSchema.Meta):
        model = ShippingHasSession
        fields = ("sessionId",)
        required_fields = ("sessionId",)


class ShipmentSpreadsheet(Schema):
    """The shipment spreadsheet: a CSV file, one row per sample (columns in
    docs/shipments.md), read and checked row by row by shipment_documents/csv_import.py."""


class ShipmentHistoryRead(ModelSchema):
    """One status change of a shipment."""

    class Meta(ModelSchema.Meta):
        model = ShippingStatusHistory
        dump_only = ("shippingStatusHistoryId", "uuid")
