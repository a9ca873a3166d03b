from __future__ import annotations

from ispyb_shared.schemas import ModelSchema

from .models import Laboratory

READ_ONLY = ("laboratoryId", "recordTimeStamp", "uuid")


class LaboratoryRead(ModelSchema):
    """A laboratory or institute."""

    class Meta(ModelSchema.Meta):
        model = Laboratory
        dump_only = READ_ONLY


class LaboratoryCreate(ModelSchema):
    """A new laboratory."""

    class Meta(ModelSchema.Meta):
        model = Laboratory
        exclude = READ_ONLY
        required_fields = ("name",)


class LaboratoryUpdate(LaboratoryCreate):
    """Changes to a laboratory; only the fields sent are changed."""
