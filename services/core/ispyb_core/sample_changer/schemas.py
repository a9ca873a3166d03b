from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from ispyb_shared.schemas import ModelSchema, StrictInteger

from ..containers.models import Container
from ..samples.models import BLSample
from .models import ContainerQueue, ContainerQueueSample

# --- the queue ---------------------------------------------------------------------------


class ContainerQueueSampleRead(ModelSchema):
    """A queued sample and its progress."""

    class Meta(ModelSchema.Meta):
        model = ContainerQueueSample
        dump_only = ("containerQueueSampleId", "uuid")


class ContainerQueueSampleUpdate(ModelSchema):
    """Progress of a queued sample (status, start, end) or its plan."""

    class Meta(ModelSchema.Meta):
        model = ContainerQueueSample
        exclude = ("containerQueueSampleId", "uuid", "containerQueueId", "blSampleId")


class ContainerQueueSampleCreate(ModelSchema):
    class Meta(ModelSchema.Meta):
        model = ContainerQueueSample
        exclude = ("containerQueueSampleId", "uuid", "containerQueueId")
        required_fields = ("blSampleId",)


class ContainerQueueRead(ModelSchema):
    """A queued container with its queued samples."""

    samples = fields.List(
        fields.Nested(ContainerQueueSampleRead),
        attribute="ContainerQueueSample",
        dump_only=True,
        metadata={"description": "The samples queued, each with its plan and progress."},
    )

    class Meta(ModelSchema.Meta):
        model = ContainerQueue
        dump_only = ("containerQueueId", "uuid", "createdTimeStamp")


class ContainerQueueUpdate(ModelSchema):
    """The end of a queue (completedTimeStamp)."""

    class Meta(ModelSchema.Meta):
        model = ContainerQueue
        fields = ("completedTimeStamp",)


class ContainerQueueCreate(ModelSchema):
    """A container queued with some of its samples, in one transaction."""

    samples = fields.List(
        fields.Nested(ContainerQueueSampleCreate),
        load_default=list,
        metadata={"description": "Samples of the container to collect, each with its plan."},
    )

    class Meta(ModelSchema.Meta):
        model = ContainerQueue
        exclude = ("containerQueueId", "uuid", "createdTimeStamp", "completedTimeStamp")


# --- the session's view of the sample changer ---------------------------------------------


class SampleInChanger(ModelSchema):
    class Meta(ModelSchema.Meta):
        model = BLSample
        fields = ("blSampleId", "uuid", "name", "code", "location", "subLocation")


class ContainerInChanger(ModelSchema):
    samples = fields.List(
        fields.Nested(SampleInChanger), dump_only=True, metadata={"description": "Its samples."}
    )

    class Meta(ModelSchema.Meta):
        model = Container
        fields = (
            "containerId",
            "uuid",
            "code",
            "barcode",
            "containerType",
            "capacity",
            "sampleChangerLocation",
            "scLocationUpdated",
            "samples",
        )


class SampleChangerRead(Schema):
    """What is in the sample changer for a session: its containers by position, each with
    its samples by position."""

    sessionId = fields.Integer(metadata={"description": "The session."})
    visit = fields.String(metadata={"description": "Its visit name, e.g. mx1234-5."})
    beamLineName = fields.String(metadata={"description": "Its beamline."})
    containers = fields.List(
        fields.Nested(ContainerInChanger),
        metadata={"description": "Its containers in the sample changer, by position."},
    )


class ContainerPosition(Schema):
    class Meta:
        unknown = RAISE

    containerId = StrictInteger(
        required=True, metadata={"description": "A container of the session's proposal."}
    )
    sampleChangerLocation = fields.String(
        required=True,
        allow_none=True,
        validate=validate.Length(min=1, max=20),
        metadata={"description": "Its position in the sample changer; null: taken out."},
    )


class SampleChangerUpdate(Schema):
    """Where beamline control found containers of the session's proposal."""

    class Meta:
        unknown = RAISE

    containers = fields.List(
        fields.Nested(ContainerPosition),
        required=True,
        validate=validate.Length(min=1, max=500),
        metadata={"description": "Containers and their positions (null: taken out)."},
    )
