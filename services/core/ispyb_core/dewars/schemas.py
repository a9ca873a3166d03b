from __future__ import annotations

from marshmallow import validate
from marshmallow_sqlalchemy import auto_field

from ispyb_shared.schemas import ModelSchema

from ..shipments.lifecycle import STATUSES
from .models import Dewar, DewarTransportHistory

READ_ONLY = ("dewarId", "bltimeStamp", "uuid", "dewarRegistryId")
BARCODE = validate.Regexp(r"^\S+$", error="Must not contain spaces.")
NOT_NEGATIVE = validate.Range(min=0, error="Must not be negative.")


class DewarRead(ModelSchema):
    """A dewar of a shipment."""

    class Meta(ModelSchema.Meta):
        model = Dewar
        dump_only = READ_ONLY


class DewarFields(ModelSchema):
    """Dewar columns with their validation (base of the create and document schemas). The
    status is set by core on creation (opened) and changed through the lifecycle."""

    barCode = auto_field(validate=BARCODE)
    weight = auto_field(validate=NOT_NEGATIVE)
    customsValue = auto_field(validate=NOT_NEGATIVE)
    transportValue = auto_field(validate=NOT_NEGATIVE)

    class Meta(ModelSchema.Meta):
        model = Dewar
        exclude = (*READ_ONLY, "dewarStatus")


class DewarCreate(DewarFields):
    """A new dewar in a shipment; it starts 'opened'."""

    class Meta(DewarFields.Meta):
        required_fields = ("shippingId", "code")


class DewarUpdate(DewarCreate):
    """Changes to a dewar; only the fields sent are changed. A status change must follow
    the lifecycle (docs/shipments.md)."""

    dewarStatus = auto_field(validate=validate.OneOf(STATUSES), allow_none=False)

    class Meta(DewarCreate.Meta):
        exclude = READ_ONLY


class DewarHistoryRead(ModelSchema):
    """One status or storage change of a dewar."""

    class Meta(ModelSchema.Meta):
        model = DewarTransportHistory
        dump_only = ("DewarTransportHistoryId", "uuid")
