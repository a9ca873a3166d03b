from __future__ import annotations

from marshmallow import fields, validate
from marshmallow_sqlalchemy import auto_field

from ispyb_shared.schemas import ModelSchema

from ..acquisition import NamedReference
from .models import RobotAction

READ_ONLY = ("robotActionId", "uuid")
SMALLINT_RANGE = validate.Range(min=-(2**15), max=2**15 - 1)


class RobotActionRead(ModelSchema):
    """One action of the sample changer's robot in a session."""

    visit = fields.Function(
        lambda action: action.BLSession.visit,
        dump_only=True,
        metadata={"description": "Visit name of the session, e.g. mx1234-5 (derived)."},
    )
    sessionUUID = fields.Function(
        lambda action: action.BLSession.uuid,
        dump_only=True,
        metadata={"description": "UUID of the session (derived)."},
    )

    class Meta(ModelSchema.Meta):
        model = RobotAction
        dump_only = READ_ONLY


class RobotActionUpdate(ModelSchema):
    """Changes to a robot action (e.g. its end and status); only the fields sent."""

    # ISPyB's column is NOT NULL (a zero date until the action ends, served as null).
    endTimestamp = auto_field(allow_none=False)
    containerLocation = auto_field(validate=SMALLINT_RANGE)
    dewarLocation = auto_field(validate=SMALLINT_RANGE)

    class Meta(ModelSchema.Meta):
        model = RobotAction
        exclude = READ_ONLY


class RobotActionCreate(RobotActionUpdate):
    """A new robot action: the session by ``blsessionId`` or ``session`` (visit, id or
    UUID), the sample by ``blsampleId`` or ``sample`` (id, UUID or name in the proposal)."""

    blsessionId = auto_field(required=False)
    startTimestamp = auto_field(required=False)
    session = NamedReference(
        load_only=True,
        metadata={"description": "The session: visit (mx1234-5), id or UUID."},
    )
    sample = NamedReference(
        load_only=True,
        metadata={"description": "The sample: id, UUID or name within the proposal."},
    )
