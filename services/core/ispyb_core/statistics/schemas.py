"""What the statistics endpoints answer (documentation and date formatting)."""

from __future__ import annotations

from marshmallow import fields

from ispyb_shared.schemas import EnvelopeSchema, NaiveDateTime

_SECONDS = "In seconds (unit)."


class TimeBreakdownRead(EnvelopeSchema):
    """What the scheduled time went to, computed in the database from the rows' start and
    end times (docs/front-ends.md, "Statistics", says how)."""

    unit = fields.String(metadata={"description": "Unit of every value: s (seconds)."})
    collecting = fields.Integer(
        metadata={"description": "Data collections (start to end), clipped to the sessions."}
    )
    robot = fields.Integer(metadata={"description": "Robot actions (start to end), clipped."})
    energyScans = fields.Integer(metadata={"description": "Energy scans, clipped."})
    xrf = fields.Integer(metadata={"description": "XRF spectra, clipped."})
    busy = fields.Integer(
        metadata={
            "description": "The union of all those intervals, per session: overlapping "
            "activities count once."
        }
    )
    idle = fields.Integer(metadata={"description": "total - busy."})
    total = fields.Integer(
        metadata={
            "description": "Scheduled time of the sessions (startDate..endDate), clipped to "
            "since/until; a missing start or end is taken from the first or last activity."
        }
    )


class RunStatusCountRead(EnvelopeSchema):
    runStatus = fields.String(
        allow_none=True, metadata={"description": "DataCollection.runStatus as written."}
    )
    count = fields.Integer()


class CountsRead(EnvelopeSchema):
    """How many rows of each kind; failures as the beamline reported them."""

    sessions = fields.Integer(metadata={"description": "Sessions in the scope."})
    dataCollections = fields.Integer(metadata={"description": "Data collections (sweeps)."})
    dataCollectionsFailed = fields.Integer(
        metadata={"description": "Those whose runStatus says failed (or error)."}
    )
    dataCollectionsAborted = fields.Integer(
        metadata={"description": "Those whose runStatus says aborted (or stopped)."}
    )
    images = fields.Integer(metadata={"description": "Images in all (sum of numberOfImages)."})
    runStatus = fields.List(
        fields.Nested(RunStatusCountRead),
        metadata={"description": "Data collections by runStatus, most frequent first."},
    )
    robotActions = fields.Integer(metadata={"description": "Robot actions."})
    robotActionsFailed = fields.Integer(
        metadata={"description": "Robot actions with ERROR, CRITICAL, EPICSFAIL or COMMANDNOTSENT."}
    )
    energyScans = fields.Integer(metadata={"description": "Energy scans."})
    xrfSpectra = fields.Integer(metadata={"description": "XRF spectra."})
    screenings = fields.Integer(metadata={"description": "Screenings (characterisations)."})


class HourRead(EnvelopeSchema):
    hour = NaiveDateTime(
        metadata={"description": "Start of the hour (facility local time, as stored)."}
    )
    dataCollections = fields.Integer(metadata={"description": "Data collections started."})
    images = fields.Integer(metadata={"description": "Their images (sum of numberOfImages)."})


class BinRead(EnvelopeSchema):
    from_ = fields.Float(
        data_key="from", attribute="from", metadata={"description": "Lower edge (included)."}
    )
    to = fields.Float(metadata={"description": "Upper edge (excluded, but for the last bin)."})
    count = fields.Integer()


class DistributionRead(EnvelopeSchema):
    """One figure across the sweeps that have it, computed in the database."""

    unit = fields.String(metadata={"description": "Unit of the values ('' if none)."})
    count = fields.Integer(metadata={"description": "Sweeps with a value."})
    min = fields.Float(allow_none=True)
    max = fields.Float(allow_none=True)
    mean = fields.Float(allow_none=True)
    bins = fields.List(
        fields.Nested(BinRead),
        metadata={"description": "Equal bins over [min, max] (one bin when min = max)."},
    )


class QualityRead(EnvelopeSchema):
    """Per sweep, the overall shell of its best successful result (the best result of
    GET /sessions/{ref}/data-collections)."""

    resolution = fields.Nested(
        DistributionRead, metadata={"description": "resolutionLimitHigh, in Å."}
    )
    completeness = fields.Nested(DistributionRead, metadata={"description": "In percent."})
    ccHalf = fields.Nested(DistributionRead, metadata={"description": "CC½, in percent."})
    meanIOverSigI = fields.Nested(DistributionRead, metadata={"description": "⟨I/σ(I)⟩."})


class StatisticsFields(EnvelopeSchema):
    since = NaiveDateTime(allow_none=True, metadata={"description": "The since= asked."})
    until = NaiveDateTime(allow_none=True, metadata={"description": "The until= asked."})
    timeBreakdown = fields.Nested(TimeBreakdownRead)
    counts = fields.Nested(CountsRead)
    hourly = fields.List(
        fields.Nested(HourRead),
        metadata={"description": "Per hour of data collection starts, the hours with any."},
    )
    quality = fields.Nested(QualityRead)


class SessionStatisticsRead(StatisticsFields):
    """Statistics of one session."""

    sessionId = fields.Integer()
    visit = fields.String(metadata={"description": "Visit name, e.g. mx1234-5."})


class ProposalStatisticsRead(StatisticsFields):
    """Statistics of the sessions of a proposal that the caller may see."""

    proposalId = fields.Integer()
    proposal = fields.String(metadata={"description": "Proposal name, e.g. mx1234."})


class BeamlineStatisticsRead(StatisticsFields):
    """Statistics of the sessions on a beamline."""

    beamLineName = fields.String()
