from __future__ import annotations

from marshmallow import fields, validate
from marshmallow_sqlalchemy import auto_field

from ispyb_shared.schemas import ModelSchema

from ..samples.schemas import SampleRead
from .models import BLSampleGroup, BLSampleGroupHasBLSample

READ_ONLY = ("blSampleGroupId", "uuid")
MEMBER_READ_ONLY = ("blSampleGroupId", "uuid")


class SampleGroupMemberRead(ModelSchema):
    """A sample of a group, with its order and role."""

    BLSample = fields.Nested(SampleRead, dump_only=True, metadata={"description": "The sample."})

    class Meta(ModelSchema.Meta):
        model = BLSampleGroupHasBLSample
        dump_only = MEMBER_READ_ONLY
        renamed = {"BLSample": "blSample"}


class SampleGroupRead(ModelSchema):
    """A group of samples, with its members in order."""

    members = fields.List(
        fields.Nested(SampleGroupMemberRead),
        dump_only=True,
        metadata={"description": "The group's samples, by groupOrder."},
    )

    class Meta(ModelSchema.Meta):
        model = BLSampleGroup
        dump_only = READ_ONLY


class SampleGroupCreate(ModelSchema):
    """A new, empty group of samples of a proposal."""

    class Meta(ModelSchema.Meta):
        model = BLSampleGroup
        exclude = READ_ONLY
        required_fields = ("proposalId", "name")


class SampleGroupUpdate(SampleGroupCreate):
    """Changes to a group; only the fields sent are changed. A group stays in its proposal."""

    class Meta(SampleGroupCreate.Meta):
        exclude = (*READ_ONLY, "proposalId")


class SampleGroupMemberCreate(ModelSchema):
    """A sample (of the group's proposal) to add to the group."""

    # MEDIUMINT in ISPyB.
    groupOrder = auto_field(validate=validate.Range(min=1, max=8_388_607))

    class Meta(ModelSchema.Meta):
        model = BLSampleGroupHasBLSample
        exclude = MEMBER_READ_ONLY
        required_fields = ("blSampleId",)


class SampleGroupMemberUpdate(SampleGroupMemberCreate):
    """A new order or role for a sample of the group."""

    class Meta(SampleGroupMemberCreate.Meta):
        exclude = (*MEMBER_READ_ONLY, "blSampleId")
