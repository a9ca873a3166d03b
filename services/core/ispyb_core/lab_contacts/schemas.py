from __future__ import annotations

from marshmallow import fields

from ispyb_shared.schemas import ModelSchema

from ..persons.schemas import PersonRead
from .models import LabContact

READ_ONLY = ("labContactId", "recordTimeStamp", "uuid")


class LabContactRead(ModelSchema):
    """A shipping contact card of a proposal, with its person."""

    Person = fields.Nested(PersonRead, dump_only=True, metadata={"description": "The contact."})

    class Meta(ModelSchema.Meta):
        model = LabContact
        dump_only = READ_ONLY
        renamed = {"Person": "person"}


class LabContactCreate(ModelSchema):
    """A new contact card."""

    class Meta(ModelSchema.Meta):
        model = LabContact
        exclude = READ_ONLY


class LabContactUpdate(LabContactCreate):
    """Changes to a contact card; only the fields sent are changed."""
