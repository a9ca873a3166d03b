from __future__ import annotations

from marshmallow import fields, validate
from marshmallow_sqlalchemy import auto_field

from ispyb_shared.schemas import ModelSchema

from ..persons.schemas import PersonRead
from ..user_office.external_ids import external_id_field
from .models import Proposal, ProposalHasPerson

READ_ONLY = ("proposalId", "bltimeStamp", "uuid", "externalId", "personName")


class ProposalRead(ModelSchema):
    """A proposal."""

    externalId = external_id_field()

    name = fields.String(
        dump_only=True, metadata={"description": "Code + number, e.g. mx1234 (derived)."}
    )
    personName = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "The owner's (PI's) given and family name (derived)."},
    )

    class Meta(ModelSchema.Meta):
        model = Proposal
        dump_only = READ_ONLY


class ProposalCreate(ModelSchema):
    """A new proposal. Code and number together are unique."""

    proposalCode = auto_field(
        validate=validate.Regexp(r"^[^\d\s]+$", error="Letters only, no digits or spaces.")
    )
    proposalNumber = auto_field(
        validate=validate.Regexp(r"^\d\S*$", error="Must start with a digit, no spaces.")
    )

    class Meta(ModelSchema.Meta):
        model = Proposal
        exclude = READ_ONLY
        required_fields = ("proposalCode", "proposalNumber", "personId")


class ProposalUpdate(ProposalCreate):
    """Changes to a proposal; only the fields sent are changed."""


MEMBER_READ_ONLY = ("proposalHasPersonId", "proposalId", "uuid")


class ProposalMemberRead(ModelSchema):
    """A member of a proposal, with the person's details."""

    Person = fields.Nested(PersonRead, dump_only=True, metadata={"description": "The member."})

    class Meta(ModelSchema.Meta):
        model = ProposalHasPerson
        dump_only = MEMBER_READ_ONLY
        renamed = {"Person": "person"}


class ProposalMemberCreate(ModelSchema):
    """A person to add to the proposal, with a role."""

    class Meta(ModelSchema.Meta):
        model = ProposalHasPerson
        exclude = MEMBER_READ_ONLY


class ProposalMemberUpdate(ModelSchema):
    """A new role for a member."""

    class Meta(ModelSchema.Meta):
        model = ProposalHasPerson
        fields = ("role",)
