"""The user-office sync format (docs/user-office-sync.md; JSON Schema generated from these
schemas: ``document_json_schema()``, published as docs/user-office-sync.schema.json)."""

from __future__ import annotations

import uuid

from marshmallow import Schema, ValidationError, fields, validate

from ispyb_shared.schemas import NaiveDateTime, StrictSchema

from ..proposals.models import PROPOSAL_ROLES, PROPOSAL_STATES
from ..sessions.models import SESSION_ROLES

FORMAT_VERSION = 1


def _external_id(value: str) -> None:
    try:
        uuid.UUID(str(value))
    except ValueError:
        raise ValidationError("Not an external id (a UUID or 32 hex digits).") from None


def ExternalId(**kwargs) -> fields.String:
    kwargs.setdefault(
        "metadata", {"description": "Identifier in the user office: a UUID / 32 hex digits."}
    )
    return fields.String(validate=_external_id, **kwargs)


class _Ordered(StrictSchema):
    """Fields in declaration order (the published JSON Schema reads in that order)."""

    class Meta(StrictSchema.Meta):
        ordered = True


class LaboratoryFeed(_Ordered):
    """A person's laboratory; matched by name (created when missing)."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=45))
    address = fields.String(validate=validate.Length(max=255), allow_none=True)
    city = fields.String(validate=validate.Length(max=45), allow_none=True)
    country = fields.String(validate=validate.Length(max=45), allow_none=True)


class PersonFeed(_Ordered):
    """A person of the user office."""

    externalId = ExternalId(required=True)
    login = fields.String(
        required=True, validate=[validate.Length(min=1, max=45), validate.Regexp(r"^\S+$")]
    )
    givenName = fields.String(validate=validate.Length(max=45), allow_none=True)
    familyName = fields.String(validate=validate.Length(max=100), allow_none=True)
    title = fields.String(validate=validate.Length(max=45), allow_none=True)
    emailAddress = fields.String(validate=validate.Length(max=60), allow_none=True)
    phoneNumber = fields.String(validate=validate.Length(max=45), allow_none=True)
    laboratory = fields.Nested(LaboratoryFeed, allow_none=True)


class ProposalMemberFeed(_Ordered):
    person = ExternalId(required=True, metadata={"description": "externalId of a person."})
    role = fields.String(required=True, validate=validate.OneOf(PROPOSAL_ROLES))


class ProposalFeed(_Ordered):
    """A proposal with its members (exactly one Principal Investigator: the owner)."""

    externalId = ExternalId(required=True)
    proposalCode = fields.String(required=True, validate=validate.Length(min=1, max=45))
    proposalNumber = fields.String(required=True, validate=validate.Length(min=1, max=45))
    title = fields.String(validate=validate.Length(max=200), allow_none=True)
    proposalType = fields.String(validate=validate.Length(max=2), allow_none=True)
    state = fields.String(required=True, validate=validate.OneOf(PROPOSAL_STATES))
    members = fields.List(fields.Nested(ProposalMemberFeed), load_default=list)


class ParticipantFeed(_Ordered):
    person = ExternalId(required=True, metadata={"description": "externalId of a person."})
    role = fields.String(required=True, validate=validate.OneOf(SESSION_ROLES))
    remote = fields.Boolean(load_default=False)


class SessionFeed(_Ordered):
    """A scheduled session; visit_number omitted: the next free one of its proposal."""

    externalId = ExternalId(required=True)
    proposal = ExternalId(required=True, metadata={"description": "externalId of a proposal."})
    beamLineName = fields.String(required=True, validate=validate.Length(min=1, max=45))
    startDate = NaiveDateTime(required=True)
    endDate = NaiveDateTime(required=True)
    visit_number = fields.Integer(validate=validate.Range(min=1), allow_none=True)
    participants = fields.List(fields.Nested(ParticipantFeed), load_default=list)


class LabContactFeed(_Ordered):
    """A proposal's lab contact (shipping address card); matched by proposal + cardName."""

    proposal = ExternalId(required=True)
    person = ExternalId(required=True)
    cardName = fields.String(required=True, validate=validate.Length(min=1, max=40))


class SyncDocument(_Ordered):
    """The whole user-office document; refused whole when any part is invalid."""

    version = fields.Integer(
        required=True,
        validate=validate.Equal(FORMAT_VERSION),
        metadata={"description": f"Version of the format; must be {FORMAT_VERSION}."},
    )
    persons = fields.List(
        fields.Nested(PersonFeed),
        load_default=list,
        metadata={"description": "People of the user office (members and participants)."},
    )
    proposals = fields.List(
        fields.Nested(ProposalFeed),
        load_default=list,
        metadata={"description": "Proposals with their members and roles."},
    )
    sessions = fields.List(
        fields.Nested(SessionFeed),
        load_default=list,
        metadata={"description": "Scheduled sessions with their participants."},
    )
    labContacts = fields.List(
        fields.Nested(LabContactFeed),
        load_default=list,
        metadata={"description": "Shipping contact cards of proposals."},
    )


class SyncRunRead(Schema):
    """One synchronisation: when, from where, what it did."""

    userOfficeSyncRunId = fields.Integer(metadata={"description": "Database id of the run."})
    startedAt = fields.DateTime(metadata={"description": "When the sync started."})
    finishedAt = fields.DateTime(
        allow_none=True, metadata={"description": "When it ended; null while running."}
    )
    source = fields.String(
        metadata={"description": "Where the document came from: file path, URL, push."}
    )
    status = fields.String(
        metadata={"description": "Outcome: applied, refused (invalid document) or failed."}
    )
    counts = fields.Raw(
        metadata={"description": "Per entity: created, updated, unchanged, deactivated."}
    )
    conflicts = fields.List(
        fields.Raw(), metadata={"description": "Conflicts reported instead of overwritten."}
    )
    errors = fields.List(
        fields.Raw(), metadata={"description": "Errors (JSON paths of an invalid document)."}
    )


def document_json_schema() -> dict:
    from ispyb_shared.schemas import json_schema

    return json_schema(SyncDocument)
