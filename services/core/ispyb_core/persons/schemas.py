from __future__ import annotations

from marshmallow import validate
from marshmallow_sqlalchemy import auto_field

from ispyb_shared.schemas import ModelSchema

from ..user_office.external_ids import external_id_field
from .models import Person

READ_ONLY = ("personId", "recordTimeStamp", "uuid", "externalId")


class PersonRead(ModelSchema):
    """A person: user or staff member."""

    externalId = external_id_field()

    class Meta(ModelSchema.Meta):
        model = Person
        dump_only = READ_ONLY


class PersonCreate(ModelSchema):
    """A new person."""

    emailAddress = auto_field(validate=validate.Email(error="Not a valid e-mail address."))
    login = auto_field(validate=validate.Regexp(r"^\S+$", error="Must not contain spaces."))

    class Meta(ModelSchema.Meta):
        model = Person
        exclude = READ_ONLY
        required_fields = ("familyName",)


class PersonUpdate(PersonCreate):
    """Changes to a person; only the fields sent are changed."""
