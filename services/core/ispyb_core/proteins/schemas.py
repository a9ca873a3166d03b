from __future__ import annotations

from marshmallow import validate
from marshmallow_sqlalchemy import auto_field

from ispyb_shared.schemas import ModelSchema

from .models import Protein

READ_ONLY = ("proteinId", "bltimeStamp", "uuid", "isCreatedBySampleSheet")
# Letters, digits and _ + . - only: beamline software puts acronyms in file names.
ACRONYM = validate.Regexp(
    r"^[A-Za-z0-9_+.-]{1,45}$",
    error="1 to 45 letters, digits or _ + . - (no spaces).",
)
LEVEL = validate.Range(min=1, max=4)


class ProteinRead(ModelSchema):
    """A protein of a proposal."""

    class Meta(ModelSchema.Meta):
        model = Protein
        dump_only = READ_ONLY


class ProteinCreate(ModelSchema):
    """A new protein. The acronym is unique within the proposal."""

    acronym = auto_field(validate=ACRONYM)
    hazardGroup = auto_field(validate=LEVEL)
    containmentLevel = auto_field(validate=LEVEL)

    class Meta(ModelSchema.Meta):
        model = Protein
        exclude = READ_ONLY
        required_fields = ("proposalId", "acronym")


class ProteinUpdate(ProteinCreate):
    """Changes to a protein; only the fields sent are changed. A protein stays in its
    proposal."""

    class Meta(ProteinCreate.Meta):
        exclude = (*READ_ONLY, "proposalId")
