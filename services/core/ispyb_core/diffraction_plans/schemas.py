from __future__ import annotations

from marshmallow import validate
from marshmallow_sqlalchemy import auto_field

from ispyb_shared.schemas import ModelSchema

from .models import DiffractionPlan

READ_ONLY = ("diffractionPlanId", "recordTimeStamp", "uuid")
POSITIVE = validate.Range(min=0, min_inclusive=False, error="Must be greater than 0.")
FRACTION = validate.Range(min=0, max=1, error="Must be between 0 and 1.")
# A relative path inside the session directory: no leading '/', no '..' component.
USER_PATH = validate.Regexp(
    r"^(?!/)(?!(.*/)?\.\.(/|$))[A-Za-z0-9_.\-/]{1,100}$",
    error="A relative path of letters, digits and _ . - / (no leading '/', no '..').",
)


class DiffractionPlanRead(ModelSchema):
    """A data collection plan."""

    class Meta(ModelSchema.Meta):
        model = DiffractionPlan
        dump_only = READ_ONLY


class DiffractionPlanFields(ModelSchema):
    """Plan columns with their validation (base of the create and document schemas)."""

    userPath = auto_field(validate=USER_PATH)
    transmission = auto_field(validate=FRACTION)
    aimedCompleteness = auto_field(validate=FRACTION)
    requiredCompleteness = auto_field(validate=FRACTION)
    energy = auto_field(validate=POSITIVE)
    exposureTime = auto_field(validate=POSITIVE)
    requiredResolution = auto_field(validate=POSITIVE)
    aimedResolution = auto_field(validate=POSITIVE)
    # MEDIUMINT in ISPyB.
    numberOfImages = auto_field(validate=validate.Range(min=1, max=8_388_607))

    class Meta(ModelSchema.Meta):
        model = DiffractionPlan
        exclude = READ_ONLY


class DiffractionPlanCreate(DiffractionPlanFields):
    """A new plan, made here as a preset of a proposal (presetForProposalId). A plan for
    one sample is written with the sample, in a shipment document."""

    class Meta(DiffractionPlanFields.Meta):
        required_fields = ("presetForProposalId",)


class DiffractionPlanUpdate(DiffractionPlanFields):
    """Changes to a plan; only the fields sent are changed. A plan stays with its proposal."""

    class Meta(DiffractionPlanFields.Meta):
        exclude = (*READ_ONLY, "presetForProposalId")
