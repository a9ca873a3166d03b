"""Bodies and answers of SSX runs, derived from the models; the acquisition part is core's
DataCollection, which ssx passes on (core validates it too)."""

from __future__ import annotations

import itertools

from marshmallow import ValidationError, fields, validate, validates_schema
from marshmallow_sqlalchemy import auto_field

from ispyb_shared.schemas import ModelSchema, NaiveDateTime, StrictInteger, StrictSchema

from ..components.models import CrystalComposition, SampleComposition
from ..components.schemas import (
    CONCENTRATION_TYPE,
    ComponentByName,
    ComponentRead,
    SampleCompositionRead,
)
from ..results.schemas import ResultRead, ResultSummaryRead
from ..validation import INT_MAX, NON_NEGATIVE, PERCENT, PH, POSITIVE, not_blank, whole_number
from .models import EVENT_TYPES, Event, EventChain, SSXDataCollection

# SSXDataCollection columns that are not SSX parameters of the run: its identity, its
# links to core and who registered it.
NOT_PARAMETERS = (
    "ssxDataCollectionId",
    "uuid",
    "dataCollectionUUID",
    "dataCollectionGroupUUID",
    "sessionUUID",
    "blSampleUUID",
    "experimentType",
    "requestedBy",
    "clientRequestId",
    "recordTimeStamp",
)


class AcquisitionCreate(StrictSchema):
    """The acquisition parameters of the run, stored by core in its DataCollection (units
    as in core: docs/data-collections.md). What an SSX run must state is required here."""

    startTime = NaiveDateTime(required=True, metadata={"description": "Start, UTC."})
    endTime = NaiveDateTime(allow_none=True, metadata={"description": "End, UTC."})
    numberOfImages = StrictInteger(
        required=True, validate=validate.Range(min=1, max=INT_MAX), metadata={"description": "n"}
    )
    exposureTime = fields.Float(required=True, validate=POSITIVE, metadata={"description": "s"})
    wavelength = fields.Float(required=True, validate=POSITIVE, metadata={"description": "Å"})
    detectorDistance = fields.Float(
        required=True, validate=POSITIVE, metadata={"description": "mm"}
    )
    imageDirectory = fields.String(required=True, validate=validate.Length(min=1, max=255))
    imagePrefix = fields.String(required=True, validate=validate.Length(min=1, max=45))
    fileTemplate = fields.String(required=True, validate=validate.Length(min=1, max=255))
    transmission = fields.Float(allow_none=True, validate=PERCENT, metadata={"description": "%"})
    flux = fields.Float(
        allow_none=True, validate=validate.Range(min=0), metadata={"description": "photons/s"}
    )
    beamSizeAtSampleX = fields.Float(
        allow_none=True, validate=POSITIVE, metadata={"description": "mm"}
    )
    beamSizeAtSampleY = fields.Float(
        allow_none=True, validate=POSITIVE, metadata={"description": "mm"}
    )
    comments = fields.String(allow_none=True, validate=validate.Length(max=1024))


class SSXParameters(ModelSchema):
    """The SSX parameters of the run (SSXDataCollection)."""

    repetitionRate = auto_field(validate=POSITIVE)
    energyBandwidth = auto_field(validate=NON_NEGATIVE)
    jetSpeed = auto_field(validate=POSITIVE)
    jetSize = auto_field(validate=POSITIVE)
    reactionDuration = auto_field(validate=NON_NEGATIVE)
    laserEnergy = auto_field(validate=NON_NEGATIVE)

    class Meta(ModelSchema.Meta):
        model = SSXDataCollection
        exclude = NOT_PARAMETERS


# The columns a registration copies from the body's ``ssx`` object.
RUN_FIELDS = tuple(SSXParameters().fields)


class EventCreate(ModelSchema):
    """One event of a chain (pump-probe timing); times in seconds."""

    eventType = fields.String(
        required=True,
        validate=validate.OneOf(EVENT_TYPES),
        metadata={"description": "Kind of event: " + ", ".join(EVENT_TYPES)},
    )
    offset = auto_field(validate=NON_NEGATIVE)
    duration = auto_field(validate=NON_NEGATIVE)
    period = auto_field(validate=POSITIVE)
    repetition = auto_field(validate=[validate.Range(min=1, max=INT_MAX), whole_number])
    component = fields.Nested(
        ComponentByName,
        allow_none=True,
        metadata={"description": "Component involved (found or created by name and type)."},
    )

    class Meta(ModelSchema.Meta):
        model = Event
        exclude = ("eventId", "uuid", "eventChainId", "eventTypeId", "componentId")

    @validates_schema
    def _timing(self, data, **_kwargs):
        period, repetition, duration = (
            data.get("period"),
            data.get("repetition"),
            data.get("duration"),
        )
        if repetition is not None and repetition > 1 and period is None:
            raise ValidationError("A repeated event needs its period.", "period")
        if period is not None and repetition is None:
            raise ValidationError("A period needs the number of repetitions.", "repetition")
        if period is not None and duration is not None and duration > period:
            raise ValidationError(
                "Repeated occurrences would overlap: duration exceeds period.", "duration"
            )


class EventChainCreate(ModelSchema):
    """A chain of events of a run."""

    events = fields.List(fields.Nested(EventCreate), required=True, validate=validate.Length(1))

    class Meta(ModelSchema.Meta):
        model = EventChain
        exclude = ("eventChainId", "uuid", "ssxDataCollectionId")

    @validates_schema
    def _no_overlap(self, data, **_kwargs):
        """Occurrences of events of the same type in one chain may not overlap."""
        by_type: dict[str, list[tuple[float, float, int]]] = {}
        for index, event in enumerate(data.get("events", [])):
            count = int(event.get("repetition") or 1)
            period = event.get("period") or 0
            duration = event.get("duration") or 0
            for n in range(min(count, 10000)):
                start = event["offset"] + n * period
                by_type.setdefault(event["eventType"], []).append((start, start + duration, index))
        for occurrences in by_type.values():
            occurrences.sort()
            for (_s1, e1, i1), (s2, _e2, i2) in itertools.pairwise(occurrences):
                if i1 != i2 and s2 < e1:
                    raise ValidationError(
                        {str(i2): {"offset": ["Overlaps another event of the same type."]}},
                        "events",
                    )


class RunSampleComposition(ModelSchema):
    """A component of a core sample, stated with the run."""

    component = fields.Nested(ComponentByName, required=True)
    concentrationType = CONCENTRATION_TYPE
    abundance = auto_field(validate=NON_NEGATIVE)
    ratio = auto_field(validate=NON_NEGATIVE)
    pH = auto_field(validate=PH)
    blSampleUUID = fields.UUID(
        allow_none=True, metadata={"description": "Core sample (default: the run's sample)."}
    )

    class Meta(ModelSchema.Meta):
        model = SampleComposition
        exclude = ("sampleCompositionId", "uuid", "componentId", "concentrationTypeId")


class RunCrystalComposition(ModelSchema):
    """A component of a core crystal, stated with the run."""

    component = fields.Nested(ComponentByName, required=True)
    concentrationType = CONCENTRATION_TYPE
    abundance = auto_field(validate=NON_NEGATIVE)
    ratio = auto_field(validate=NON_NEGATIVE)
    pH = auto_field(validate=PH)
    crystalUUID = fields.UUID(required=True, metadata={"description": "Core crystal."})

    class Meta(ModelSchema.Meta):
        model = CrystalComposition
        exclude = ("crystalCompositionId", "uuid", "componentId", "concentrationTypeId")


class RunCreate(ModelSchema):
    """Everything about one SSX run, registered in one request."""

    session = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "Core session: UUID or visit name (e.g. mx1001-3)."},
    )
    blSampleUUID = fields.UUID(allow_none=True, metadata={"description": "Core sample."})
    clientRequestId = auto_field(validate=not_blank(SSXDataCollection.clientRequestId))
    acquisition = fields.Nested(AcquisitionCreate, required=True)
    ssx = fields.Nested(SSXParameters, load_default=dict)
    eventChains = fields.List(fields.Nested(EventChainCreate), load_default=list)
    sampleComposition = fields.List(fields.Nested(RunSampleComposition), load_default=list)
    crystalComposition = fields.List(fields.Nested(RunCrystalComposition), load_default=list)

    class Meta(ModelSchema.Meta):
        model = SSXDataCollection
        fields = (
            "session",
            "experimentType",
            "blSampleUUID",
            "clientRequestId",
            "acquisition",
            "ssx",
            "eventChains",
            "sampleComposition",
            "crystalComposition",
        )


# --- answers ----------------------------------------------------------------------------


class RunRead(ModelSchema):
    """An SSX run: its SSX parameters and its links to core."""

    class Meta(ModelSchema.Meta):
        model = SSXDataCollection
        dump_only = tuple(column.key for column in SSXDataCollection.__table__.columns)


class EventRead(ModelSchema):
    """One event of a chain; times in seconds from the start of the data collection."""

    eventType = fields.String(
        attribute="EventType.name", dump_only=True, metadata={"description": "Kind of event."}
    )
    component = fields.Nested(
        ComponentRead,
        attribute="Component",
        dump_only=True,
        allow_none=True,
        dump_default=None,
        metadata={"description": "Component involved, if any."},
    )
    end = fields.Float(dump_only=True, metadata={"description": Event.end.__doc__})

    class Meta(ModelSchema.Meta):
        model = Event
        dump_only = tuple(column.key for column in Event.__table__.columns)


class EventChainRead(ModelSchema):
    """A chain of events, sorted by offset."""

    events = fields.Nested(EventRead, attribute="Events", many=True, dump_only=True)

    class Meta(ModelSchema.Meta):
        model = EventChain
        dump_only = tuple(column.key for column in EventChain.__table__.columns)


class RunDetailRead(RunRead):
    """A run in full: SSX parameters, core's data collection as the caller sees it, event
    timeline, sample composition, results history."""

    dataCollection = fields.Dict(
        attribute="collection",
        dump_only=True,
        metadata={"description": "Core's DataCollection (core's DataCollectionRead)."},
    )
    eventChains = fields.Nested(EventChainRead, attribute="chains", many=True, dump_only=True)
    sampleComposition = fields.Nested(
        SampleCompositionRead,
        attribute="sample_compositions",
        many=True,
        dump_only=True,
        metadata={"description": "Composition of the run's sample."},
    )
    results = fields.Nested(
        ResultRead,
        attribute="results",
        many=True,
        dump_only=True,
        metadata={"description": "Every result, oldest first."},
    )


def _from_core(name: str, field_class=fields.String, description: str = "") -> fields.Field:
    return field_class(
        attribute=f"collection.{name}",
        dump_only=True,
        allow_none=True,
        dump_default=None,
        metadata={"description": description or f"{name} of core's DataCollection."},
    )


class SessionRunRead(RunRead):
    """A run in a session's list, with figures from core and its latest result."""

    startTime = _from_core("startTime", description="Start (core), ISO 8601.")
    endTime = _from_core("endTime", description="End (core), ISO 8601.")
    numberOfImages = _from_core("numberOfImages", fields.Integer, "Images (core).")
    imagePrefix = _from_core("imagePrefix", description="Image prefix (core).")
    runStatus = _from_core("runStatus", description="Run status (core).")
    sampleName = fields.String(
        dump_only=True,
        allow_none=True,
        dump_default=None,
        metadata={"description": "Name of the core sample, if any."},
    )
    latestResult = fields.Nested(
        ResultSummaryRead,
        attribute="LatestResult",
        dump_only=True,
        allow_none=True,
        dump_default=None,
        metadata={"description": "The run's latest result (null before the first)."},
    )
