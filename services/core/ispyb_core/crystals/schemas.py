from __future__ import annotations

from marshmallow import fields, validate
from marshmallow_sqlalchemy import auto_field

from ispyb_shared.schemas import ModelSchema

from ..proteins.schemas import ProteinRead
from .models import Crystal

READ_ONLY = ("crystalId", "recordTimeStamp", "uuid")
POSITIVE = validate.Range(min=0, min_inclusive=False, error="Must be greater than 0.")
ANGLE = validate.Range(
    min=0, max=180, min_inclusive=False, max_inclusive=False, error="Must be between 0 and 180."
)


class CrystalRead(ModelSchema):
    """A crystal form, with its protein."""

    Protein = fields.Nested(
        ProteinRead, dump_only=True, metadata={"description": "The crystal's protein."}
    )

    class Meta(ModelSchema.Meta):
        model = Crystal
        dump_only = READ_ONLY
        renamed = {"Protein": "protein"}


class CrystalFields(ModelSchema):
    """Crystal columns with their validation (base of the create and document schemas)."""

    cell_a = auto_field(validate=POSITIVE)
    cell_b = auto_field(validate=POSITIVE)
    cell_c = auto_field(validate=POSITIVE)
    cell_alpha = auto_field(validate=ANGLE)
    cell_beta = auto_field(validate=ANGLE)
    cell_gamma = auto_field(validate=ANGLE)
    size_X = auto_field(validate=POSITIVE)
    size_Y = auto_field(validate=POSITIVE)
    size_Z = auto_field(validate=POSITIVE)

    class Meta(ModelSchema.Meta):
        model = Crystal
        exclude = READ_ONLY


class CrystalCreate(CrystalFields):
    """A new crystal form of a protein."""

    class Meta(CrystalFields.Meta):
        required_fields = ("proteinId",)


class CrystalUpdate(CrystalCreate):
    """Changes to a crystal; only the fields sent are changed. A new protein must be of the
    same proposal."""
