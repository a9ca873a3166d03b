"""What the monitoring endpoints answer (documentation and date formatting)."""

from __future__ import annotations

from marshmallow import Schema, fields

from ispyb_shared.schemas import NaiveDateTime

from ..movies.schemas import MovieRead

_DATA_COLLECTION = "UUID of the data collection (in core)."
_PERCENTILE = "{}th percentile (continuous, as PERCENTILE_CONT computes it)."


class Statistic(Schema):
    """Statistics of one figure over the data collection's rows that have it."""

    unit = fields.String(metadata={"description": "Unit of the values ('' if none)."})
    count = fields.Integer(metadata={"description": "Rows with a value."})
    mean = fields.Float(allow_none=True)
    min = fields.Float(allow_none=True)
    max = fields.Float(allow_none=True)
    median = fields.Float(allow_none=True)
    p5 = fields.Float(allow_none=True, metadata={"description": _PERCENTILE.format(5)})
    p25 = fields.Float(allow_none=True, metadata={"description": _PERCENTILE.format(25)})
    p75 = fields.Float(allow_none=True, metadata={"description": _PERCENTILE.format(75)})
    p95 = fields.Float(allow_none=True, metadata={"description": _PERCENTILE.format(95)})


class Summary(Schema):
    """Counts and statistics of one data collection, computed in the database."""

    dataCollectionUUID = fields.String(metadata={"description": _DATA_COLLECTION})
    movies = fields.Integer(metadata={"description": "Movies stored."})
    motionCorrections = fields.Integer(metadata={"description": "Motion corrections stored."})
    ctfs = fields.Integer(metadata={"description": "CTF estimations stored."})
    relativeIceThicknesses = fields.Integer(
        metadata={"description": "Relative ice thickness measurements stored."}
    )
    particlePickers = fields.Integer(metadata={"description": "Particle picking rows stored."})
    particlesPicked = fields.Integer(
        metadata={"description": "Particles picked in all (sum of numberOfParticles)."}
    )
    firstMovieTime = NaiveDateTime(
        allow_none=True, metadata={"description": "When the first movie was recorded."}
    )
    lastMovieTime = NaiveDateTime(
        allow_none=True, metadata={"description": "When the last movie was recorded."}
    )
    lastMovieNumber = fields.Integer(
        allow_none=True, metadata={"description": "Highest movieNumber stored."}
    )
    statistics = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(Statistic),
        metadata={
            "description": "Per figure (totalMotion, averageMotionPerFrame, estimatedDefocus, "
            "estimatedResolution, astigmatism, relativeIceThickness.median, "
            "numberOfParticles): unit, count, mean, min, max, median, p5, p25, p75, p95."
        },
    )


class Bucket(Schema):
    low = fields.Float(metadata={"description": "Lower edge (included)."})
    high = fields.Float(metadata={"description": "Upper edge (excluded, but for the last bucket)."})
    count = fields.Integer()


class Histogram(Schema):
    """Counts of a numeric field's values in equal buckets, computed in the database."""

    dataCollectionUUID = fields.String(metadata={"description": _DATA_COLLECTION})
    field = fields.String(metadata={"description": "The field counted."})
    unit = fields.String(metadata={"description": "Unit of the field ('' if none)."})
    bins = fields.Integer(metadata={"description": "Number of buckets."})
    low = fields.Float(allow_none=True, metadata={"description": "Lower edge of the range."})
    high = fields.Float(allow_none=True, metadata={"description": "Upper edge of the range."})
    width = fields.Float(allow_none=True, metadata={"description": "Width of each bucket."})
    count = fields.Integer(metadata={"description": "Values in all (not null)."})
    outside = fields.Integer(metadata={"description": "Values outside [low, high]."})
    buckets = fields.List(fields.Nested(Bucket))


class MovieSeriesNext(Schema):
    after = fields.Integer(metadata={"description": "Pass as after= for the next page."})
    before = fields.Integer(metadata={"description": "Pass as before= for the next page."})


class PageLinks(Schema):
    self_ = fields.String(
        attribute="self", data_key="self", allow_none=True, metadata={"description": "This page."}
    )
    next = fields.String(allow_none=True, metadata={"description": "The next page or null."})
    prev = fields.String(
        allow_none=True, metadata={"description": "Null: the keyset goes one way."}
    )


class MovieSeries(Schema):
    """One page of the per-movie series (keyset pagination on movieNumber), in the list
    envelope of every list (total null as on every keyset page, offset 0, links) besides
    its own ``after``/``before``/``next``."""

    total = fields.Integer(allow_none=True, metadata={"description": "Null (not counted)."})
    limit = fields.Integer(metadata={"description": "Page size used."})
    offset = fields.Integer(metadata={"description": "0 (a keyset page)."})
    after = fields.Integer(allow_none=True, metadata={"description": "The after= asked."})
    before = fields.Integer(allow_none=True, metadata={"description": "The before= asked."})
    next = fields.Nested(
        MovieSeriesNext,
        allow_none=True,
        metadata={"description": "The parameter of the next page; null on the last page."},
    )
    results = fields.List(fields.Nested(MovieRead))
    links = fields.Nested(PageLinks)
