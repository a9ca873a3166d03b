from __future__ import annotations

from marshmallow import fields

from ispyb_shared.schemas import ModelSchema

from ..persons.schemas import PersonRead
from ..user_office.external_ids import external_id_field
from .models import BLSession, SessionHasPerson

READ_ONLY = (
    "sessionId",
    "bltimeStamp",
    "lastUpdate",
    "uuid",
    "externalId",
    "dataCollectionCount",
)


class SessionRead(ModelSchema):
    """A session (visit) on a beamline."""

    externalId = external_id_field()

    visit = fields.String(
        dump_only=True,
        metadata={"description": "Visit name: proposal name, '-', visit number (mx1234-5)."},
    )
    proposalUUID = fields.Function(
        lambda session: session.Proposal.uuid,
        dump_only=True,
        metadata={"description": "UUID of the session's proposal."},
    )
    dataCollectionCount = fields.Integer(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "How many data collections (sweeps) the session has (derived; "
            "answered by /sessions, null in the sessions nested in other answers)."
        },
    )

    class Meta(ModelSchema.Meta):
        model = BLSession
        dump_only = READ_ONLY


class SessionCreate(ModelSchema):
    """A new session. visit_number is the next free one of the proposal when omitted."""

    class Meta(ModelSchema.Meta):
        model = BLSession
        exclude = READ_ONLY
        required_fields = ("proposalId", "beamLineName", "startDate", "endDate")


class SessionUpdate(SessionCreate):
    """Changes to a session; only the fields sent are changed."""


MEMBER_READ_ONLY = ("sessionId", "uuid")


class SessionMemberRead(ModelSchema):
    """A participant of a session, with the person's details."""

    Person = fields.Nested(PersonRead, dump_only=True, metadata={"description": "The participant."})

    class Meta(ModelSchema.Meta):
        model = SessionHasPerson
        dump_only = MEMBER_READ_ONLY
        renamed = {"Person": "person"}


class SessionMemberCreate(ModelSchema):
    """A person to add to the session, with a role."""

    class Meta(ModelSchema.Meta):
        model = SessionHasPerson
        exclude = MEMBER_READ_ONLY
        required_fields = ("personId",)


class SessionMemberUpdate(ModelSchema):
    """A new role or remote flag for a participant."""

    class Meta(ModelSchema.Meta):
        model = SessionHasPerson
        fields = ("role", "remote")
