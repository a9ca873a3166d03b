from __future__ import annotations

from marshmallow import fields, validate
from marshmallow_sqlalchemy import auto_field

from ispyb_shared.schemas import ModelSchema

from .models import DewarRegistry, DewarRegistryHasProposal

READ_ONLY = ("dewarRegistryId", "bltimestamp", "uuid")
LINK_READ_ONLY = ("dewarRegistryHasProposalId", "dewarRegistryId", "recordTimestamp", "uuid")


class DewarRegistryProposalRead(ModelSchema):
    """A proposal allowed to ship the registered dewar."""

    class Meta(ModelSchema.Meta):
        model = DewarRegistryHasProposal
        dump_only = LINK_READ_ONLY


class DewarRegistryRead(ModelSchema):
    """A registered physical dewar, with the proposals (the caller can see) that use it."""

    proposals = fields.List(
        fields.Nested(DewarRegistryProposalRead),
        dump_only=True,
        metadata={"description": "Proposals allowed to ship the dewar (those you can see)."},
    )

    class Meta(ModelSchema.Meta):
        model = DewarRegistry
        dump_only = READ_ONLY


class DewarRegistryCreate(ModelSchema):
    """A new physical dewar, registered under its facility code."""

    facilityCode = auto_field(validate=validate.Regexp(r"^\S+$", error="Must not contain spaces."))

    class Meta(ModelSchema.Meta):
        model = DewarRegistry
        exclude = READ_ONLY
        required_fields = ("facilityCode",)


class DewarRegistryUpdate(DewarRegistryCreate):
    """Changes to a registered dewar; only the fields sent are changed."""


class DewarRegistryProposalCreate(ModelSchema):
    """A proposal to allow to ship the dewar."""

    class Meta(ModelSchema.Meta):
        model = DewarRegistryHasProposal
        exclude = LINK_READ_ONLY
        required_fields = ("proposalId",)
