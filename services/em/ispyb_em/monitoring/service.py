"""Live monitoring of a data collection, computed in the database.

- summary: counts, and for the main figures count, mean, min, max, median and
  percentiles; a fixed number of queries whatever the number of movies (one aggregate
  query per table, one percentile query per figure);
- histogram of any numeric field: bucket = floor((x - low) / width), GROUP BY bucket;
- the per-movie series in acquisition order, paged by keyset (``after``/``before`` a
  movieNumber) on the index (dataCollectionUUID, movieNumber): a page deep in the series
  costs what the first page costs, where OFFSET would read and skip every earlier row.

Percentiles are continuous, as PERCENTILE_CONT computes them (linear interpolation between
the two nearest ranks: rank p/100 * (n - 1), counting from 0). Both backends use the same
path: the database ranks the values (ROW_NUMBER() OVER (ORDER BY x)) and returns only the
rows at the ranks needed, at most two per percentile.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, case, func, select, true
from sqlalchemy.orm import Session

from ispyb_shared.auth import Caller
from ispyb_shared.errors import InvalidParameter
from ispyb_shared.listing import request_link
from ispyb_shared.sql import floor_nonnegative

from ..access import DataCollections, require_reader
from ..classification.models import ParticlePicker
from ..motion_correction.models import CTF, MotionCorrection, RelativeIceThickness
from ..movies.models import Movie
from ..ownership import PATHS
from .fields import NUMERIC_FIELDS, PERCENTILES, SUMMARY_FIELDS, NumericField

MAX_BINS = 200

COUNTED = (
    ("movies", Movie),
    ("motionCorrections", MotionCorrection),
    ("ctfs", CTF),
    ("relativeIceThicknesses", RelativeIceThickness),
    ("particlePickers", ParticlePicker),
)


def require_data_collection(
    *, caller: Caller, data_collections: DataCollections, uuid: str
) -> dict[str, Any]:
    require_reader(caller)
    return data_collections.get(uuid, what="Data collection", ref=uuid)


def _rows_of(item: NumericField, data_collection_uuid: str):
    """SELECT builder over ``item``'s table, and the condition keeping one data collection."""
    path = PATHS[item.model]

    def rows(*entities):
        return path.select(item.model, *entities)

    return rows, path.data_collection == data_collection_uuid


# --- summary -------------------------------------------------------------------------------


def summary(*, db_session: Session, data_collection_uuid: str) -> dict[str, Any]:
    """Counts and statistics of one data collection (visibility checked by the caller)."""
    result: dict[str, Any] = {"dataCollectionUUID": data_collection_uuid}
    movie_path = PATHS[Movie]
    first, last, last_number = db_session.execute(
        movie_path.select(
            Movie,
            func.min(Movie.createdTimeStamp),
            func.max(Movie.createdTimeStamp),
            func.max(Movie.movieNumber),
        ).where(Movie.dataCollectionUUID == data_collection_uuid)
    ).one()
    by_model: dict[type, list[NumericField]] = defaultdict(list)
    for name in SUMMARY_FIELDS:
        by_model[NUMERIC_FIELDS[name].model].append(NUMERIC_FIELDS[name])

    counts: dict[str, int] = {}
    statistics: dict[str, dict[str, Any]] = {}
    particles_picked = 0
    for label, model in COUNTED:
        path = PATHS[model]
        measured = by_model.get(model, [])
        columns = [func.count()]
        for item in measured:
            # The mean is SUM / COUNT: MariaDB's AVG of an integer column is a DECIMAL
            # rounded to 4 places.
            columns += [
                func.count(item.column),
                func.sum(item.column),
                func.min(item.column),
                func.max(item.column),
            ]
        if model is ParticlePicker:
            columns.append(func.coalesce(func.sum(ParticlePicker.numberOfParticles), 0))
        row = db_session.execute(
            path.select(model, *columns).where(path.data_collection == data_collection_uuid)
        ).one()
        counts[label] = row[0]
        for position, item in enumerate(measured):
            count, total, low, high = row[1 + 4 * position : 5 + 4 * position]
            statistics[item.name] = {
                "unit": item.unit,
                "count": count,
                "mean": float(total) / count if count else None,
                "min": float(low) if low is not None else None,
                "max": float(high) if high is not None else None,
                **_percentiles(db_session, item, data_collection_uuid, count),
            }
        if model is ParticlePicker:
            particles_picked = int(row[-1])
    result.update(counts)
    result["particlesPicked"] = particles_picked
    result["firstMovieTime"] = first
    result["lastMovieTime"] = last
    result["lastMovieNumber"] = last_number
    result["statistics"] = {name: statistics[name] for name in SUMMARY_FIELDS}
    return result


def _percentiles(
    db_session: Session, item: NumericField, data_collection_uuid: str, count: int
) -> dict[str, float | None]:
    names = ["median" if p == 50 else f"p{p}" for p in PERCENTILES]
    if count == 0:
        return dict.fromkeys(names)
    positions = {p: p / 100 * (count - 1) for p in PERCENTILES}
    ranks = {math.floor(pos) for pos in positions.values()} | {
        math.ceil(pos) for pos in positions.values()
    }
    rows, belongs = _rows_of(item, data_collection_uuid)
    ranked = (
        rows(
            item.column.label("value"),
            (func.row_number().over(order_by=item.column) - 1).label("ordinal"),
        )
        .where(belongs, item.column.is_not(None))
        .subquery()
    )
    values = {
        rank: float(value)
        for value, rank in db_session.execute(
            select(ranked.c.value, ranked.c.ordinal).where(ranked.c.ordinal.in_(sorted(ranks)))
        )
    }
    result = {}
    for name, p in zip(names, PERCENTILES, strict=True):
        position = positions[p]
        below, above = values[math.floor(position)], values[math.ceil(position)]
        result[name] = below + (above - below) * (position - math.floor(position))
    return result


# --- histogram -----------------------------------------------------------------------------


def histogram(
    *,
    db_session: Session,
    data_collection_uuid: str,
    field: str,
    bins: int,
    low: float | None = None,
    high: float | None = None,
) -> dict[str, Any]:
    """``bins`` equal buckets of ``field`` over [low, high] (default: the values' range).

    A value equal to ``high`` counts in the last bucket; values outside [low, high] are
    not in any bucket and are counted in ``outside``.
    """
    item = _numeric_field(field)
    if not 1 <= bins <= MAX_BINS:
        raise InvalidParameter(
            "Invalid query parameters.", {"bins": [f"Between 1 and {MAX_BINS}."]}
        )
    if low is not None and high is not None and high < low:
        raise InvalidParameter("Invalid query parameters.", {"high": ["Must not be below low."]})
    rows, belongs = _rows_of(item, data_collection_uuid)
    present = item.column.is_not(None)
    count, smallest, largest = db_session.execute(
        rows(func.count(item.column), func.min(item.column), func.max(item.column)).where(
            belongs, present
        )
    ).one()
    # A bound the caller did not choose is the values' own: every value is within it. It
    # is not compared with the column, because MariaDB answers a FLOAT column's MIN and MAX
    # rounded to 6 digits (1.8 for a stored 1.7999999523), which the stored value is not.
    chosen = [item.column >= low] if low is not None else []
    chosen += [item.column <= high] if high is not None else []
    low = float(smallest) if low is None and smallest is not None else low
    high = float(largest) if high is None and largest is not None else high
    answer: dict[str, Any] = {
        "dataCollectionUUID": data_collection_uuid,
        "field": item.name,
        "unit": item.unit,
        "low": low,
        "high": high,
        "count": count,
        "outside": 0,
        "buckets": [],
    }
    if count == 0 or low is None or high is None:
        answer.update(bins=bins, width=None)
        return answer
    in_range = and_(true(), *chosen)
    if high == low:
        # One value: one bucket of width 0 holds it.
        inside = db_session.execute(
            rows(func.count()).where(belongs, present, in_range)
        ).scalar_one()
        answer.update(
            bins=1,
            width=0.0,
            outside=count - inside,
            buckets=[{"low": low, "high": high, "count": inside}],
        )
        return answer
    width = (high - low) / bins
    raw_bucket = floor_nonnegative((item.column - low) / width)
    # Clamped at both ends, for the same rounding of the values' own bounds.
    bucket = case((raw_bucket < 0, 0), (raw_bucket >= bins, bins - 1), else_=raw_bucket).label(
        "bucket"
    )
    totals = dict(
        db_session.execute(
            rows(bucket, func.count()).where(belongs, present, in_range).group_by(bucket)
        ).all()
    )
    buckets = [
        {
            "low": low + index * width,
            "high": high if index == bins - 1 else low + (index + 1) * width,
            "count": totals.get(index, 0),
        }
        for index in range(bins)
    ]
    answer.update(
        bins=bins,
        width=width,
        outside=count - sum(totals.values()),
        buckets=buckets,
    )
    return answer


def _numeric_field(name: str) -> NumericField:
    item = NUMERIC_FIELDS.get(name)
    if item is None:
        raise InvalidParameter(
            "Invalid query parameters.",
            {"field": [f"Not a numeric field of em; one of: {', '.join(NUMERIC_FIELDS)}."]},
        )
    return item


# --- the per-movie series ------------------------------------------------------------------


def movie_series(
    *,
    db_session: Session,
    data_collection_uuid: str,
    limit: int,
    after: int | None = None,
    before: int | None = None,
) -> dict[str, Any]:
    """A page of movies with their results, by keyset on movieNumber.

    ``after=N``: the movies numbered above N, in acquisition order (the default, from the
    first movie); ``before=N``: those numbered below N, newest first. ``next`` holds the
    parameter of the following page, or is null at the end.
    """
    if after is not None and before is not None:
        raise InvalidParameter(
            "Invalid query parameters.", {"before": ["Give after or before, not both."]}
        )
    movies_table = Movie.__table__
    statement = select(movies_table).where(
        movies_table.c.dataCollectionUUID == data_collection_uuid
    )
    if before is not None:
        statement = statement.where(movies_table.c.movieNumber < before).order_by(
            movies_table.c.movieNumber.desc()
        )
    else:
        if after is not None:
            statement = statement.where(movies_table.c.movieNumber > after)
        statement = statement.order_by(movies_table.c.movieNumber.asc())
    movies = [dict(row) for row in db_session.execute(statement.limit(limit + 1)).mappings()]
    more = len(movies) > limit
    movies = movies[:limit]
    next_page = None
    if more:
        next_page = {"before" if before is not None else "after": movies[-1]["movieNumber"]}
    next_link = None
    if next_page is not None:
        position = {"after": None, "before": None}
        position.update({key: str(value) for key, value in next_page.items()})
        next_link = request_link(**position)
    return {
        # The list envelope of every list (a keyset page: no total, as core's after=
        # pages; prev null: the cursor goes one way, a client keeps the links it followed).
        "total": None,
        "limit": limit,
        "offset": 0,
        "after": after,
        "before": before,
        "next": next_page,
        "results": with_results(db_session, movies),
        "links": {"self": request_link(), "next": next_link, "prev": None},
    }


def with_results(db_session: Session, movies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each movie with its motion corrections, and under each its CTF, ice thickness and
    particle picking rows: four queries whatever the page size."""
    motions = _children(db_session, MotionCorrection, "movieId", [m["movieId"] for m in movies])
    motion_ids = [row["motionCorrectionId"] for rows in motions.values() for row in rows]
    ctfs = _children(db_session, CTF, "motionCorrectionId", motion_ids)
    ice = _children(db_session, RelativeIceThickness, "motionCorrectionId", motion_ids)
    pickers = _children(db_session, ParticlePicker, "firstMotionCorrectionId", motion_ids)
    for movie in movies:
        movie["motionCorrections"] = motions.get(movie["movieId"], [])
        for motion in movie["motionCorrections"]:
            motion["ctfs"] = ctfs.get(motion["motionCorrectionId"], [])
            motion["relativeIceThicknesses"] = ice.get(motion["motionCorrectionId"], [])
            motion["particlePickers"] = pickers.get(motion["motionCorrectionId"], [])
    return movies


def _children(
    db_session: Session, model: type, parent_key: str, parent_ids: Iterable[int]
) -> dict[int, list[dict[str, Any]]]:
    """Rows of ``model`` whose ``parent_key`` is among ``parent_ids``, by parent, as dicts."""
    wanted = list(parent_ids)
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not wanted:
        return found
    table = model.__table__
    primary_key = next(iter(table.primary_key.columns))
    statement = select(table).where(table.c[parent_key].in_(wanted)).order_by(primary_key)
    for row in db_session.execute(statement).mappings():
        found[row[parent_key]].append(dict(row))
    return found
