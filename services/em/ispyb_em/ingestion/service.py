"""Bulk ingestion: a batch of movies with their results, in one transaction.

The whole batch is checked first (every problem reported with the record's index and
field); then each table gets one multi-row INSERT (bulk.py), whatever the batch size:

1. movies already stored (same ``dataCollectionUUID`` and ``movieNumber``) are looked up
   in one query; the others are inserted, and their ids read back in one query;
2. motion corrections: one already stored for the same movie and program run
   (``autoProcProgramId``) is kept; the others are inserted, ids read back;
3. CTF, relative ice thickness and particle picking of those micrographs likewise, keyed
   by (motion correction, program run).

So a resent batch stores nothing twice. A stored row is never changed by a resend, even
when the resent values differ: results of a reprocessing belong to a new program run.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ispyb_shared.auth import Caller
from ispyb_shared.errors import ValidationFailed

from ..access import DataCollections, require_writer
from ..classification.models import ParticlePicker
from ..grids.models import Atlas, FoilHole, GridSquare
from ..motion_correction.models import CTF, MotionCorrection, RelativeIceThickness
from ..movies.models import Movie
from ..ownership import owners
from ..programs.models import AutoProcProgram
from .bulk import bulk_insert

# Results of a micrograph: record key, model, the column naming the motion correction, the
# column naming the program run.
MICROGRAPH_RESULTS = (
    ("ctf", CTF, "motionCorrectionId", "autoProcProgramId"),
    ("relativeIceThickness", RelativeIceThickness, "motionCorrectionId", "autoProcProgramId"),
    ("particlePicker", ParticlePicker, "firstMotionCorrectionId", "programId"),
)
PROGRAM_FIELDS = (
    ("motionCorrection", "autoProcProgramId"),
    *((kind, program_column) for kind, _, _, program_column in MICROGRAPH_RESULTS),
)


def _insert_columns(model: type) -> list[str]:
    """Columns a bulk insert may set: all but the id and the uuid (made per row by the
    column's default)."""
    primary_key = {column.key for column in model.__table__.primary_key.columns}
    return [
        column.key
        for column in model.__table__.columns
        if column.key not in primary_key and column.key != "uuid"
    ]


def _used_columns(columns: Sequence[str], values: Iterable[Mapping[str, Any]]) -> list[str]:
    """The columns some of ``values`` set: the others are NULL in every row, and leaving
    them out of the INSERT spares quoting a NULL per row and column. Every row then gets
    the same keys: one statement shape for the whole batch."""
    used: set[str] = set()
    for item in values:
        used.update(key for key, value in item.items() if value is not None)
    return [column for column in columns if column in used]


MOVIE_COLUMNS = _insert_columns(Movie)
MOTION_CORRECTION_COLUMNS = _insert_columns(MotionCorrection)
RESULT_COLUMNS = {model: _insert_columns(model) for _, model, _, _ in MICROGRAPH_RESULTS}


def ingest_batch(
    *,
    db_session: Session,
    records: Sequence[Mapping[str, Any]],
    caller: Caller,
    data_collections: DataCollections,
    max_records: int,
) -> dict[str, Any]:
    """Store a batch (records already loaded by ingestion.schemas.MovieCreate).

    Returns counts of created and already stored rows per kind, and each record's
    ``movieId`` and ``motionCorrectionId``. Refuses the whole batch (ValidationFailed,
    details keyed ``records[<index>].<field>``) when any record is wrong.
    """
    require_writer(caller)
    if len(records) > max_records:
        raise ValidationFailed(
            "The batch is too large.",
            {"records": [f"At most {max_records} records per batch; split it."]},
        )
    _check(db_session, records, data_collections)
    return store_batch(db_session=db_session, records=records)


def store_batch(*, db_session: Session, records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The writes of a batch whose records were checked (ingest_batch, the demo seed)."""
    movie_ids, movie_counts, known_movies = _store_movies(db_session, records)
    motion_ids, motion_counts, known_motions = _store_motion_corrections(
        db_session, records, movie_ids, known_movies
    )
    summary: dict[str, Any] = {
        "received": len(records),
        "movies": movie_counts,
        "motionCorrections": motion_counts,
    }
    for kind, model, link_column, program_column in MICROGRAPH_RESULTS:
        summary[_plural(kind)] = _store_results(
            db_session,
            records,
            kind=kind,
            model=model,
            link_column=link_column,
            program_column=program_column,
            movie_ids=movie_ids,
            motion_ids=motion_ids,
            known_motions=known_motions,
        )
    summary["records"] = [
        {
            "movieId": movie_ids[_movie_key(record)],
            "motionCorrectionId": motion_ids.get(_motion_key(record, movie_ids)),
        }
        for record in records
    ]
    return summary


def _plural(kind: str) -> str:
    return {
        "ctf": "ctfs",
        "relativeIceThickness": "relativeIceThicknesses",
        "particlePicker": "particlePickers",
    }[kind]


# The kinds of rows a batch stores, as counted in the answer.
COUNTED_KINDS = (
    "movies",
    "motionCorrections",
    *(_plural(kind) for kind, _, _, _ in MICROGRAPH_RESULTS),
)


# --- checks --------------------------------------------------------------------------------


def _check(
    db_session: Session, records: Sequence[Mapping[str, Any]], data_collections: DataCollections
) -> None:
    """Every problem of the batch, each named ``records[<index>].<field>``."""
    problems: dict[str, list[str]] = {}

    def problem(index: int, field: str, message: str) -> None:
        problems.setdefault(f"records[{index}].{field}", []).append(message)

    first_seen: dict[tuple[str, int], int] = {}
    for index, record in enumerate(records):
        key = _movie_key(record)
        if key in first_seen:
            problem(
                index,
                "movieNumber",
                f"Repeats records[{first_seen[key]}] (same dataCollectionUUID and movieNumber).",
            )
        else:
            first_seen[key] = index

    visible = data_collections.visible({record["dataCollectionUUID"] for record in records})
    for index, record in enumerate(records):
        if record["dataCollectionUUID"] not in visible:
            problem(
                index,
                "dataCollectionUUID",
                f"No data collection {record['dataCollectionUUID']} (or it is not visible to you).",
            )

    program_owners = owners(
        db_session,
        AutoProcProgram,
        {
            record[kind][column]
            for record in records
            for kind, column in PROGRAM_FIELDS
            if record.get(kind) is not None
        },
    )
    for index, record in enumerate(records):
        if record["dataCollectionUUID"] not in visible:
            continue  # reported above; its references cannot be judged
        for kind, column in PROGRAM_FIELDS:
            program_id = (record.get(kind) or {}).get(column)
            if program_id is None:
                continue
            owner = program_owners.get(program_id)
            if owner is None:
                problem(index, f"{kind}.{column}", f"No program run with id {program_id}.")
            elif owner != record["dataCollectionUUID"]:
                problem(
                    index,
                    f"{kind}.{column}",
                    f"Program run {program_id} processed data collection {owner}, not "
                    f"{record['dataCollectionUUID']}.",
                )

    hole_groups = _foil_hole_groups(
        db_session, {record.get("foilHoleId") for record in records} - {None}
    )
    for index, record in enumerate(records):
        hole = record.get("foilHoleId")
        if hole is None or record["dataCollectionUUID"] not in visible:
            continue
        group = hole_groups.get(hole)
        if group is None:
            problem(index, "foilHoleId", f"No foil hole with id {hole}.")
        elif group != visible[record["dataCollectionUUID"]].get("dataCollectionGroupUUID"):
            problem(index, "foilHoleId", f"Foil hole {hole} is on another grid.")

    if problems:
        raise ValidationFailed("The batch was refused; nothing was stored.", problems)


def _foil_hole_groups(db_session: Session, hole_ids: set[int]) -> dict[int, str]:
    """The data collection group (grid) of each existing foil hole among ``hole_ids``."""
    if not hole_ids:
        return {}
    rows = db_session.execute(
        select(FoilHole.foilHoleId, Atlas.dataCollectionGroupUUID)
        .join(GridSquare, GridSquare.gridSquareId == FoilHole.gridSquareId)
        .join(Atlas, Atlas.atlasId == GridSquare.atlasId)
        .where(FoilHole.foilHoleId.in_(hole_ids))
    )
    return {row[0]: row[1] for row in rows}


# --- writes --------------------------------------------------------------------------------


def _movie_key(record: Mapping[str, Any]) -> tuple[str, int]:
    return (record["dataCollectionUUID"], record["movieNumber"])


def _motion_key(record: Mapping[str, Any], movie_ids: Mapping) -> tuple[int, int | None] | None:
    motion = record.get("motionCorrection")
    if motion is None:
        return None
    return (movie_ids[_movie_key(record)], motion.get("autoProcProgramId"))


def _movie_ids(db_session: Session, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], int]:
    by_collection: dict[str, list[int]] = defaultdict(list)
    for data_collection, number in keys:
        by_collection[data_collection].append(number)
    if not by_collection:
        return {}
    rows = db_session.execute(
        select(Movie.dataCollectionUUID, Movie.movieNumber, Movie.movieId).where(
            or_(
                *(
                    and_(
                        Movie.dataCollectionUUID == data_collection, Movie.movieNumber.in_(numbers)
                    )
                    for data_collection, numbers in by_collection.items()
                )
            )
        )
    )
    return {(row[0], row[1]): row[2] for row in rows}


def _store_movies(db_session: Session, records: Sequence[Mapping[str, Any]]):
    keys = [_movie_key(record) for record in records]
    movie_ids = _movie_ids(db_session, keys)
    known = set(movie_ids.values())
    now = dt.datetime.now().replace(microsecond=0)
    new_records = [record for record in records if _movie_key(record) not in movie_ids]
    columns = {*_used_columns(MOVIE_COLUMNS, new_records), "createdTimeStamp"}
    new_rows = []
    for record in new_records:
        row = {column: record.get(column) for column in columns}
        if row["createdTimeStamp"] is None:
            row["createdTimeStamp"] = now
        new_rows.append(row)
    if new_rows:
        bulk_insert(db_session, Movie.__table__, new_rows)
        movie_ids.update(
            _movie_ids(
                db_session, [(row["dataCollectionUUID"], row["movieNumber"]) for row in new_rows]
            )
        )
    return movie_ids, {"created": len(new_rows), "existing": len(records) - len(new_rows)}, known


def _store_motion_corrections(
    db_session: Session,
    records: Sequence[Mapping[str, Any]],
    movie_ids: Mapping[tuple[str, int], int],
    known_movies: set[int],
):
    wanted = [record for record in records if record.get("motionCorrection") is not None]
    motion_ids = _motion_ids(
        db_session,
        {movie_ids[_movie_key(record)] for record in wanted} & known_movies,
    )
    known = set(motion_ids.values())
    new_rows = []
    for record in wanted:
        key = _motion_key(record, movie_ids)
        if key in motion_ids:
            continue
        row = {
            column: record["motionCorrection"].get(column) for column in MOTION_CORRECTION_COLUMNS
        }
        row["movieId"] = key[0]
        new_rows.append(row)
    if new_rows:
        bulk_insert(db_session, MotionCorrection.__table__, new_rows)
        motion_ids.update(_motion_ids(db_session, {row["movieId"] for row in new_rows}))
    counts = {"created": len(new_rows), "existing": len(wanted) - len(new_rows)}
    return motion_ids, counts, known


def _motion_ids(db_session: Session, movie_ids: set[int]) -> dict[tuple[int, int | None], int]:
    """(movieId, autoProcProgramId) -> motionCorrectionId for the movies given."""
    if not movie_ids:
        return {}
    rows = db_session.execute(
        select(
            MotionCorrection.movieId,
            MotionCorrection.autoProcProgramId,
            MotionCorrection.motionCorrectionId,
        ).where(MotionCorrection.movieId.in_(movie_ids))
    )
    # The lowest id wins if a row was added twice outside ingestion.
    found: dict[tuple[int, int | None], int] = {}
    for movie_id, program_id, motion_id in rows:
        key = (movie_id, program_id)
        found[key] = min(motion_id, found.get(key, motion_id))
    return found


def _store_results(
    db_session: Session,
    records: Sequence[Mapping[str, Any]],
    *,
    kind: str,
    model: type,
    link_column: str,
    program_column: str,
    movie_ids: Mapping[tuple[str, int], int],
    motion_ids: Mapping[tuple[int, int | None], int],
    known_motions: set[int],
) -> dict[str, int]:
    """Insert the ``kind`` results not stored yet for their (micrograph, program run)."""
    wanted = []
    for record in records:
        result = record.get(kind)
        if result is None:
            continue
        wanted.append((motion_ids[_motion_key(record, movie_ids)], result))
    link = getattr(model, link_column)
    program = getattr(model, program_column)
    stored: set[tuple[int, int | None]] = set()
    already = {motion_id for motion_id, _ in wanted} & known_motions
    if already:
        stored = {
            (row[0], row[1])
            for row in db_session.execute(select(link, program).where(link.in_(already)))
        }
    new_results = []
    for motion_id, result in wanted:
        key = (motion_id, result.get(program_column))
        if key not in stored:
            stored.add(key)
            new_results.append((motion_id, result))
    columns = _used_columns(RESULT_COLUMNS[model], (result for _, result in new_results))
    new_rows = []
    for motion_id, result in new_results:
        row = {column: result.get(column) for column in columns}
        row[link_column] = motion_id
        new_rows.append(row)
    if new_rows:
        bulk_insert(db_session, model.__table__, new_rows)
    return {"created": len(new_rows), "existing": len(wanted) - len(new_rows)}
