"""Request bodies of the ssx API (validated strictly; unknown fields refused)."""

from __future__ import annotations

import itertools

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema
from marshmallow_sqlalchemy import auto_field

from ispyb_shared.schemas import ModelSchema, NaiveDateTime, StrictInteger

from .models import (
    COMPONENT_TYPES,
    CONCENTRATION_TYPES,
    EVENT_TYPES,
    INDEXING_TYPES,
    RESULT_STATUSES,
    Component,
    ComponentType,
    ConcentrationType,
    CrystalComposition,
    SampleComposition,
)

NON_NEGATIVE = validate.Range(min=0)
PH = validate.Range(min=0, max=14)
POSITIVE = validate.Range(min=0, min_inclusive=False)
PERCENT = validate.Range(min=0, max=100)


class Strict(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


class AcquisitionCreate(Strict):
    """Acquisition parameters passed to core's DataCollection (units as in core)."""

    startTime = NaiveDateTime(required=True, metadata={"description": "Start, UTC."})
    endTime = NaiveDateTime(allow_none=True)
    numberOfImages = StrictInteger(required=True, validate=validate.Range(min=1))
    exposureTime = fields.Float(required=True, validate=POSITIVE, metadata={"description": "s"})
    wavelength = fields.Float(required=True, validate=POSITIVE, metadata={"description": "Å"})
    detectorDistance = fields.Float(
        required=True, validate=POSITIVE, metadata={"description": "mm"}
    )
    imageDirectory = fields.String(required=True, validate=validate.Length(min=1, max=255))
    imagePrefix = fields.String(required=True, validate=validate.Length(min=1, max=45))
    fileTemplate = fields.String(required=True, validate=validate.Length(min=1, max=255))
    transmission = fields.Float(allow_none=True, validate=PERCENT)
    flux = fields.Float(allow_none=True, validate=NON_NEGATIVE)
    beamSizeAtSampleX = fields.Float(allow_none=True, validate=POSITIVE)
    beamSizeAtSampleY = fields.Float(allow_none=True, validate=POSITIVE)
    comments = fields.String(allow_none=True, validate=validate.Length(max=1024))


class SSXParameters(Strict):
    repetitionRate = fields.Float(allow_none=True, validate=POSITIVE)
    energyBandwidth = fields.Float(allow_none=True, validate=NON_NEGATIVE)
    monoStripe = fields.String(allow_none=True, validate=validate.Length(max=255))
    jetSpeed = fields.Float(allow_none=True, validate=POSITIVE)
    jetSize = fields.Float(allow_none=True, validate=POSITIVE)
    chipPattern = fields.String(allow_none=True, validate=validate.Length(max=255))
    chipModel = fields.String(allow_none=True, validate=validate.Length(max=255))
    reactionDuration = fields.Float(allow_none=True, validate=NON_NEGATIVE)
    laserEnergy = fields.Float(allow_none=True, validate=NON_NEGATIVE)
    experimentName = fields.String(allow_none=True, validate=validate.Length(max=255))


class ComponentCreate(Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    componentType = fields.String(required=True, validate=validate.OneOf(COMPONENT_TYPES))
    composition = fields.String(allow_none=True, validate=validate.Length(max=255))


class EventCreate(Strict):
    eventType = fields.String(required=True, validate=validate.OneOf(EVENT_TYPES))
    name = fields.String(allow_none=True, validate=validate.Length(max=255))
    offset = fields.Float(
        required=True, validate=NON_NEGATIVE, metadata={"description": "s from run start"}
    )
    duration = fields.Float(allow_none=True, validate=NON_NEGATIVE, metadata={"description": "s"})
    period = fields.Float(allow_none=True, validate=POSITIVE, metadata={"description": "s"})
    repetition = StrictInteger(allow_none=True, validate=validate.Range(min=1))
    component = fields.Nested(ComponentCreate, allow_none=True)

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


class EventChainCreate(Strict):
    name = fields.String(allow_none=True, validate=validate.Length(max=255))
    events = fields.List(fields.Nested(EventCreate), required=True, validate=validate.Length(1))

    @validates_schema
    def _no_overlap(self, data, **_kwargs):
        """Occurrences of events of the same type in one chain may not overlap."""
        by_type: dict[str, list[tuple[float, float, int]]] = {}
        for index, event in enumerate(data.get("events", [])):
            count = event.get("repetition") or 1
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


CONCENTRATION_SYMBOLS = tuple(symbol for _name, symbol in CONCENTRATION_TYPES)


class CompositionCreate(Strict):
    component = fields.Nested(ComponentCreate, required=True)
    concentrationType = fields.String(
        allow_none=True,
        validate=validate.OneOf(CONCENTRATION_SYMBOLS),
        metadata={"description": "Unit symbol of abundance: " + ", ".join(CONCENTRATION_SYMBOLS)},
    )
    abundance = fields.Float(allow_none=True, validate=NON_NEGATIVE)
    ratio = fields.Float(allow_none=True, validate=NON_NEGATIVE)
    pH = fields.Float(allow_none=True, validate=validate.Range(min=0, max=14))


class SampleCompositionCreate(CompositionCreate):
    blSampleUUID = fields.UUID(
        allow_none=True, metadata={"description": "Core sample (default: the run's sample)."}
    )


class CrystalCompositionCreate(CompositionCreate):
    crystalUUID = fields.UUID(required=True, metadata={"description": "Core crystal."})


class RunCreate(Strict):
    """Everything about one SSX run, registered in one request."""

    session = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "Core session: UUID or visit name (e.g. mx1001-3)."},
    )
    experimentType = fields.String(required=True, validate=validate.OneOf(("SSX-Chip", "SSX-Jet")))
    blSampleUUID = fields.UUID(allow_none=True, metadata={"description": "Core sample."})
    clientRequestId = fields.String(
        allow_none=True,
        validate=validate.Length(min=1, max=100),
        metadata={
            "description": "The client's id for this registration: a retry with the same id "
            "(same caller) returns the run already registered (200) instead of a second."
        },
    )
    acquisition = fields.Nested(AcquisitionCreate, required=True)
    ssx = fields.Nested(SSXParameters, load_default=dict)
    eventChains = fields.List(fields.Nested(EventChainCreate), load_default=list)
    sampleComposition = fields.List(fields.Nested(SampleCompositionCreate), load_default=list)
    crystalComposition = fields.List(fields.Nested(CrystalCompositionCreate), load_default=list)


class AttachmentCreate(Strict):
    fileType = fields.String(
        required=True, validate=validate.OneOf(("Log", "Result", "Graph", "Debug", "Input"))
    )
    filePath = fields.String(required=True, validate=validate.Length(min=1, max=255))
    fileName = fields.String(required=True, validate=validate.Length(min=1, max=255))


class ResultCreate(Strict):
    indexingType = fields.String(required=True, validate=validate.OneOf(INDEXING_TYPES))
    status = fields.String(required=True, validate=validate.OneOf(RESULT_STATUSES))
    programs = fields.String(allow_none=True, validate=validate.Length(max=255))
    numberOfImages = StrictInteger(allow_none=True, validate=NON_NEGATIVE)
    numberOfHits = StrictInteger(allow_none=True, validate=NON_NEGATIVE)
    numberOfIndexed = StrictInteger(allow_none=True, validate=NON_NEGATIVE)
    hitRate = fields.Float(allow_none=True, validate=PERCENT)
    indexingRate = fields.Float(allow_none=True, validate=PERCENT)
    nbCrystals = StrictInteger(allow_none=True, validate=NON_NEGATIVE)
    spaceGroup = fields.String(allow_none=True, validate=validate.Length(max=20))
    cellA = fields.Float(allow_none=True, validate=POSITIVE)
    cellB = fields.Float(allow_none=True, validate=POSITIVE)
    cellC = fields.Float(allow_none=True, validate=POSITIVE)
    cellAlpha = fields.Float(allow_none=True, validate=validate.Range(0, 180, min_inclusive=False))
    cellBeta = fields.Float(allow_none=True, validate=validate.Range(0, 180, min_inclusive=False))
    cellGamma = fields.Float(allow_none=True, validate=validate.Range(0, 180, min_inclusive=False))
    cellASd = fields.Float(allow_none=True, validate=NON_NEGATIVE)
    cellBSd = fields.Float(allow_none=True, validate=NON_NEGATIVE)
    cellCSd = fields.Float(allow_none=True, validate=NON_NEGATIVE)
    cellAlphaSd = fields.Float(allow_none=True, validate=NON_NEGATIVE)
    cellBetaSd = fields.Float(allow_none=True, validate=NON_NEGATIVE)
    cellGammaSd = fields.Float(allow_none=True, validate=NON_NEGATIVE)
    attachments = fields.List(fields.Nested(AttachmentCreate), load_default=list)

    @validates_schema
    def _counts(self, data, **_kwargs):
        images, hits, indexed = (
            data.get("numberOfImages"),
            data.get("numberOfHits"),
            data.get("numberOfIndexed"),
        )
        if images is not None and hits is not None and hits > images:
            raise ValidationError("More hits than images.", "numberOfHits")
        if hits is not None and indexed is not None and indexed > hits:
            raise ValidationError("More indexed images than hits.", "numberOfIndexed")


class ChunkCreate(Strict):
    firstImage = StrictInteger(required=True, validate=validate.Range(min=1))
    lastImage = StrictInteger(required=True, validate=validate.Range(min=1))
    numberOfHits = StrictInteger(required=True, validate=NON_NEGATIVE)
    numberOfIndexed = StrictInteger(required=True, validate=NON_NEGATIVE)

    @validates_schema
    def _range(self, data, **_kwargs):
        if data.get("lastImage", 0) < data.get("firstImage", 0):
            raise ValidationError("lastImage is before firstImage.", "lastImage")
        images = data.get("lastImage", 0) - data.get("firstImage", 0) + 1
        if data.get("numberOfHits", 0) > images:
            raise ValidationError("More hits than images in the chunk.", "numberOfHits")
        if data.get("numberOfIndexed", 0) > data.get("numberOfHits", 0):
            raise ValidationError("More indexed images than hits.", "numberOfIndexed")


# --- components and compositions as resources (derived from the models) --------------------


class ComponentTypeRead(ModelSchema):
    """A kind of component (fixed vocabulary)."""

    class Meta(ModelSchema.Meta):
        model = ComponentType


class ConcentrationTypeRead(ModelSchema):
    """A unit of abundance (fixed vocabulary)."""

    class Meta(ModelSchema.Meta):
        model = ConcentrationType


class ComponentRead(ModelSchema):
    """A component (ligand, buffer, jet material, ...) of a proposal."""

    componentType = fields.Function(
        lambda row: row.ComponentType.name,
        dump_only=True,
        metadata={"description": "Name of the component type."},
    )

    class Meta(ModelSchema.Meta):
        model = Component
        dump_only = ("componentId", "uuid")


class ComponentTypeChoice(Schema):
    """``componentTypeId`` or ``componentType`` (its name), not both."""

    componentType = fields.String(
        validate=validate.OneOf(COMPONENT_TYPES),
        metadata={"description": "Name of the component type: " + ", ".join(COMPONENT_TYPES)},
    )

    @validates_schema
    def _one_type(self, data, partial=None, **_kwargs):
        given = [key for key in ("componentTypeId", "componentType") if data.get(key) is not None]
        if len(given) > 1:
            raise ValidationError("Give componentTypeId or componentType, not both.", given[1])
        if not given and not partial:
            raise ValidationError("Give componentTypeId or componentType.", "componentType")


class ComponentPost(ComponentTypeChoice, ModelSchema):
    """A new component of a proposal; (name, type, proposal) is unique."""

    proposalUUID = fields.UUID(required=True, metadata={"description": "The core proposal."})
    name = auto_field(validate=validate.Length(min=1, max=255))
    componentTypeId = auto_field(required=False)

    class Meta(ModelSchema.Meta):
        model = Component
        exclude = ("componentId", "uuid")
        required_fields = ("name",)


class ComponentUpdate(ComponentTypeChoice, ModelSchema):
    """Changes to a component; only the fields sent are changed. A component stays in its
    proposal."""

    name = auto_field(validate=validate.Length(min=1, max=255))
    componentTypeId = auto_field(required=False)

    class Meta(ModelSchema.Meta):
        model = Component
        exclude = ("componentId", "uuid", "proposalUUID")


class CompositionRead(ModelSchema):
    component = fields.Function(
        lambda row: ComponentRead().dump(row.Component),
        dump_only=True,
        metadata={"description": "The component (nested)."},
    )
    concentrationType = fields.Function(
        lambda row: row.ConcentrationType.symbol if row.ConcentrationType else None,
        dump_only=True,
        metadata={"description": "Unit symbol of abundance."},
    )


class SampleCompositionRead(CompositionRead):
    """One component of a core sample."""

    class Meta(ModelSchema.Meta):
        model = SampleComposition


class CrystalCompositionRead(CompositionRead):
    """One component of a core crystal."""

    class Meta(ModelSchema.Meta):
        model = CrystalComposition


class CompositionChoice(Schema):
    """``componentId`` or ``componentUUID`` (not both); the unit by its symbol."""

    componentUUID = fields.UUID(metadata={"description": "The component, by UUID."})
    concentrationType = fields.String(
        allow_none=True,
        validate=validate.OneOf(CONCENTRATION_SYMBOLS),
        metadata={"description": "Unit symbol of abundance: " + ", ".join(CONCENTRATION_SYMBOLS)},
    )

    @validates_schema
    def _one_component(self, data, **_kwargs):
        given = [key for key in ("componentId", "componentUUID") if data.get(key) is not None]
        if len(given) > 1:
            raise ValidationError("Give componentId or componentUUID, not both.", given[1])
        if not given:
            raise ValidationError("Give componentId or componentUUID.", "componentId")


class SampleCompositionPost(CompositionChoice, ModelSchema):
    """A component of a core sample (the sample must be in the component's proposal)."""

    componentId = auto_field(required=False)
    abundance = auto_field(validate=NON_NEGATIVE)
    ratio = auto_field(validate=NON_NEGATIVE)
    pH = auto_field(validate=PH)
    blSampleUUID = fields.UUID(required=True, metadata={"description": "The core sample."})

    class Meta(ModelSchema.Meta):
        model = SampleComposition
        exclude = ("sampleCompositionId", "uuid", "concentrationTypeId")


class CrystalCompositionPost(CompositionChoice, ModelSchema):
    """A component of a core crystal (the crystal must be in the component's proposal)."""

    componentId = auto_field(required=False)
    abundance = auto_field(validate=NON_NEGATIVE)
    ratio = auto_field(validate=NON_NEGATIVE)
    pH = auto_field(validate=PH)
    crystalUUID = fields.UUID(required=True, metadata={"description": "The core crystal."})

    class Meta(ModelSchema.Meta):
        model = CrystalComposition
        exclude = ("crystalCompositionId", "uuid", "concentrationTypeId")
