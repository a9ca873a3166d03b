from __future__ import annotations

from marshmallow import fields, validate
from marshmallow_sqlalchemy import auto_field

from ispyb_shared.schemas import ModelSchema

from ..containers.positions import LOCATION
from ..crystals.schemas import CrystalRead
from ..diffraction_plans.schemas import DiffractionPlanRead
from .models import BLSample

READ_ONLY = ("blSampleId", "recordTimeStamp", "uuid")


class SampleRead(ModelSchema):
    """A sample, with its crystal (and protein) and its diffraction plan."""

    Crystal = fields.Nested(
        CrystalRead, dump_only=True, metadata={"description": "The sample's crystal."}
    )
    DiffractionPlan = fields.Nested(
        DiffractionPlanRead,
        dump_only=True,
        metadata={"description": "What to collect on the sample (null when no plan)."},
    )

    class Meta(ModelSchema.Meta):
        model = BLSample
        dump_only = READ_ONLY
        renamed = {"Crystal": "crystal", "DiffractionPlan": "diffractionPlan"}


class SampleFields(ModelSchema):
    """Sample columns with their validation (base of the create and document schemas)."""

    location = auto_field(validate=LOCATION)
    # SMALLINT in ISPyB.
    subLocation = auto_field(validate=validate.Range(min=1, max=32_767))

    class Meta(ModelSchema.Meta):
        model = BLSample
        exclude = READ_ONLY


class SampleCreate(SampleFields):
    """A new sample of a crystal, at a free position of a container of the same proposal."""

    class Meta(SampleFields.Meta):
        required_fields = ("name", "crystalId", "containerId", "location")


class SampleUpdate(SampleCreate):
    """Changes to a sample; only the fields sent are changed. A move (containerId,
    location) must land on a free position of a container of the same proposal."""
