from __future__ import annotations

from marshmallow import fields

from ispyb_shared.schemas import EnvelopeSchema, NaiveDateTime

from ..processing.schemas import BestResultRead
from .service import TYPES


class EventRead(EnvelopeSchema):
    """One event of a timeline: a data collection (or group), robot action, energy scan,
    XRF spectrum or screening, with what every type has and its own fields in ``item``."""

    type = fields.String(metadata={"description": "One of: " + ", ".join(TYPES) + "."})
    id = fields.Integer(metadata={"description": "The row's id in its table."})
    uuid = fields.String(allow_none=True, metadata={"description": "The row's UUID."})
    startTime = NaiveDateTime(
        allow_none=True,
        metadata={"description": "When it started (facility local time); the stream's order."},
    )
    endTime = NaiveDateTime(allow_none=True, metadata={"description": "When it ended, when known."})
    status = fields.String(
        allow_none=True,
        metadata={
            "description": "A data collection's runStatus, a robot action's status; null "
            "for the other types."
        },
    )
    sessionId = fields.Integer(allow_none=True, metadata={"description": "Session id."})
    blSampleId = fields.Integer(allow_none=True, metadata={"description": "Sample id."})
    sampleName = fields.String(allow_none=True, metadata={"description": "The sample's name."})
    dataCollectionGroupId = fields.Integer(
        allow_none=True,
        metadata={"description": "The group of a data collection, group or screening."},
    )
    title = fields.String(metadata={"description": "A short human label."})
    thumbnailUrl = fields.String(
        allow_none=True,
        metadata={
            "description": "A signed URL (no token needed, short-lived) of the first "
            "diffraction image thumbnail, else the crystal snapshot, of a data collection "
            "or group; a robot action's snapshot before (else after), an energy scan's "
            "plot, an XRF spectrum's image; null when none or when the service serves no "
            "files."
        },
    )
    bestResult = fields.Nested(
        BestResultRead,
        allow_none=True,
        metadata={
            "description": "Best processing result of a sweep (of a group: of its "
            "sweeps); null for other types or when none succeeded."
        },
    )
    item = fields.Dict(
        metadata={
            "description": "The type's own fields: dataCollection: dataCollectionNumber, "
            "experimentType, imageDirectory, imagePrefix, numberOfImages, axisStart, "
            "axisRange, exposureTime, wavelength, resolution, transmission, comments; "
            "dataCollectionGroup: experimentType, comments, dataCollections (ids), "
            "numberOfImages; robotAction: actionType, message, containerLocation, "
            "dewarLocation, sampleBarcode; energyScan: element, edgeEnergy, peakEnergy, "
            "inflectionEnergy, exposureTime, transmissionFactor, comments; xrfSpectrum: "
            "energy, exposureTime, beamTransmission, filename, comments; screening: "
            "dataCollectionId, programVersion, shortComments, comments."
        }
    )


class ProgramStatusRead(EnvelopeSchema):
    processingPrograms = fields.String(
        allow_none=True, metadata={"description": "The program kind (AutoProcProgram)."}
    )
    running = fields.Integer(metadata={"description": "Runs without an outcome yet."})
    success = fields.Integer(metadata={"description": "Runs that succeeded."})
    failed = fields.Integer(metadata={"description": "Runs that failed."})


class ProcessingCountsRead(EnvelopeSchema):
    running = fields.Integer(metadata={"description": "Runs without an outcome yet."})
    success = fields.Integer(metadata={"description": "Runs that succeeded."})
    failed = fields.Integer(metadata={"description": "Runs that failed."})


class DataCollectionStatusRead(EnvelopeSchema):
    """Where a sweep is: its run status and the outcome of its processing runs."""

    dataCollectionId = fields.Integer(metadata={"description": "Data collection id."})
    uuid = fields.String(metadata={"description": "Its UUID."})
    runStatus = fields.String(allow_none=True, metadata={"description": "As recorded."})
    startTime = NaiveDateTime(allow_none=True, metadata={"description": "Started."})
    endTime = NaiveDateTime(allow_none=True, metadata={"description": "Ended (null: running)."})
    processing = fields.Nested(
        ProcessingCountsRead, metadata={"description": "Its runs counted by outcome."}
    )
    programs = fields.List(
        fields.Nested(ProgramStatusRead),
        metadata={"description": "The same counts per program kind."},
    )
    lastProcessingChange = NaiveDateTime(
        allow_none=True,
        metadata={
            "description": "The latest end, else start, else record time of its runs: "
            "what updatedSince= compares."
        },
    )


class DataCollectionStatusList(EnvelopeSchema):
    """The status of the sweeps asked for, in the order asked."""

    results = fields.List(
        fields.Nested(DataCollectionStatusRead),
        metadata={"description": "One per visible sweep asked for, in the order asked."},
    )
    notFound = fields.List(
        fields.String(),
        metadata={"description": "The refs given that name no sweep the caller sees."},
    )
