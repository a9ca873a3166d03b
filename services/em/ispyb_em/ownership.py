"""Every em row belongs to one data collection of core: the path from each table to it,
and the look-ups that use it (get one row, list rows, check the rows a body refers to).

Visibility is decided per data collection (access.DataCollections asks core), so reading a
row costs one query here plus, at most, one call to core.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, false, select
from sqlalchemy.orm import Session

from ispyb_shared.errors import InvalidParameter, NotFound, ValidationFailed
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate
from ispyb_shared.uuids import parse_uuid

from .access import DataCollections
from .classification.models import (
    CryoemInitialModel,
    ParticleClassification,
    ParticleClassificationGroup,
    ParticleClassificationHasCryoemInitialModel,
    ParticlePicker,
)
from .grids.models import Atlas, FoilHole, GridSquare
from .motion_correction.models import CTF, MotionCorrection, RelativeIceThickness
from .movies.models import Movie
from .programs.models import AutoProcProgram
from .tomography.models import TiltImageAlignment, Tomogram

DATA_COLLECTION_PARAMETER = "dataCollectionUUID"


@dataclass(frozen=True)
class Path:
    """The data collection UUID of a table's rows: a column reached through joins."""

    data_collection: Any
    joins: tuple[tuple[Any, Any], ...] = ()

    def select(self, root: type, *entities: Any) -> Select:
        """SELECT ``entities`` FROM ``root`` and the tables up to the data collection."""
        statement = select(*entities).select_from(root)
        for target, on in self.joins:
            statement = statement.join(target, on)
        return statement


_TO_MOVIE = (Movie, Movie.movieId == MotionCorrection.movieId)


def _via_program(program_id) -> Path:
    return Path(
        AutoProcProgram.dataCollectionUUID,
        ((AutoProcProgram, AutoProcProgram.autoProcProgramId == program_id),),
    )


def _initial_model_data_collection() -> ColumnElement:
    # A model is built from classes of one data collection (checked on creation).
    return (
        select(AutoProcProgram.dataCollectionUUID)
        .join(
            ParticleClassificationGroup,
            ParticleClassificationGroup.programId == AutoProcProgram.autoProcProgramId,
        )
        .join(
            ParticleClassification,
            ParticleClassification.particleClassificationGroupId
            == ParticleClassificationGroup.particleClassificationGroupId,
        )
        .join(
            ParticleClassificationHasCryoemInitialModel,
            ParticleClassificationHasCryoemInitialModel.particleClassificationId
            == ParticleClassification.particleClassificationId,
        )
        .where(
            ParticleClassificationHasCryoemInitialModel.cryoemInitialModelId
            == CryoemInitialModel.cryoemInitialModelId
        )
        .limit(1)
        .correlate(CryoemInitialModel)
        .scalar_subquery()
    )


PATHS: dict[type, Path] = {
    AutoProcProgram: Path(AutoProcProgram.dataCollectionUUID),
    Movie: Path(Movie.dataCollectionUUID),
    MotionCorrection: Path(Movie.dataCollectionUUID, (_TO_MOVIE,)),
    CTF: Path(
        Movie.dataCollectionUUID,
        (
            (MotionCorrection, MotionCorrection.motionCorrectionId == CTF.motionCorrectionId),
            _TO_MOVIE,
        ),
    ),
    RelativeIceThickness: Path(
        Movie.dataCollectionUUID,
        (
            (
                MotionCorrection,
                MotionCorrection.motionCorrectionId == RelativeIceThickness.motionCorrectionId,
            ),
            _TO_MOVIE,
        ),
    ),
    ParticlePicker: _via_program(ParticlePicker.programId),
    ParticleClassificationGroup: _via_program(ParticleClassificationGroup.programId),
    ParticleClassification: Path(
        AutoProcProgram.dataCollectionUUID,
        (
            (
                ParticleClassificationGroup,
                ParticleClassificationGroup.particleClassificationGroupId
                == ParticleClassification.particleClassificationGroupId,
            ),
            (
                AutoProcProgram,
                AutoProcProgram.autoProcProgramId == ParticleClassificationGroup.programId,
            ),
        ),
    ),
    CryoemInitialModel: Path(_initial_model_data_collection()),
    Tomogram: Path(Tomogram.dataCollectionUUID),
    TiltImageAlignment: Path(
        Tomogram.dataCollectionUUID,
        ((Tomogram, Tomogram.tomogramId == TiltImageAlignment.tomogramId),),
    ),
    Atlas: Path(Atlas.dataCollectionUUID),
    GridSquare: Path(Atlas.dataCollectionUUID, ((Atlas, Atlas.atlasId == GridSquare.atlasId),)),
    FoilHole: Path(
        Atlas.dataCollectionUUID,
        (
            (GridSquare, GridSquare.gridSquareId == FoilHole.gridSquareId),
            (Atlas, Atlas.atlasId == GridSquare.atlasId),
        ),
    ),
}


def _single_id_column(model: type) -> Any | None:
    primary_key = model.__table__.primary_key.columns
    return next(iter(primary_key)) if len(primary_key) == 1 else None


def ref_condition(model: type, ref: str) -> ColumnElement[bool]:
    """Rows of ``model`` named by ``ref``: the integer id (single-column keys) or the UUID."""
    id_column = _single_id_column(model)
    if ref.isdigit() and id_column is not None:
        return id_column == int(ref)
    canonical = parse_uuid(ref)
    return model.uuid == canonical if canonical else false()


def get_owned(
    db_session: Session,
    model: type,
    ref: str,
    *,
    data_collections: DataCollections,
    what: str,
) -> Any:
    """The row ``ref`` of ``model`` if the caller may see its data collection; else 404."""
    path = PATHS[model]
    found = db_session.execute(
        path.select(model, model, path.data_collection).where(ref_condition(model, ref)).limit(1)
    ).first()
    if found is None:
        raise NotFound(f"{what} {ref} does not exist.", {"ref": [ref]})
    data_collections.get(found[1], what=what, ref=ref)
    return found[0]


def data_collection_filter(model: type) -> Filter:
    """The list filter every em list requires: the data collection(s) the rows belong to."""
    return Filter(
        PATHS[model].data_collection,
        ("eq", "in"),
        "UUID of the data collection (required)",
        parse=_parse_uuid_parameter,
    )


def _parse_uuid_parameter(raw: str) -> str:
    canonical = parse_uuid(raw)
    if canonical is None:
        raise ValueError("Not a valid UUID.")
    return canonical


def list_owned(
    db_session: Session,
    model: type,
    params: ListParams,
    spec: ListSpec,
    *,
    data_collections: DataCollections,
) -> Page:
    """A page of ``model`` rows of the requested data collections the caller may see.

    ``dataCollectionUUID`` (or ``dataCollectionUUID.in``) is required: em rows are always
    read per data collection, and core is asked about exactly those.
    """
    requested: set[str] = set()
    for name, op, value in params.filters:
        if name == DATA_COLLECTION_PARAMETER:
            requested.update(value if op == "in" else [value])
    if not any(name == DATA_COLLECTION_PARAMETER for name, _, _ in params.filters):
        raise InvalidParameter(
            "Invalid query parameters.",
            {DATA_COLLECTION_PARAMETER: ["Required: rows are listed per data collection."]},
        )
    visible = sorted(data_collections.visible(requested))
    path = PATHS[model]
    statement = path.select(model, model).where(path.data_collection.in_(visible))
    return paginate(db_session, statement, params, spec)


def owners(db_session: Session, model: type, ids: Iterable[int]) -> dict[int, str]:
    """Data collection UUID of each existing row of ``model`` among ``ids``."""
    wanted = {value for value in ids if value is not None}
    if not wanted:
        return {}
    id_column = _single_id_column(model)
    path = PATHS[model]
    rows = db_session.execute(
        path.select(model, id_column, path.data_collection).where(id_column.in_(wanted))
    )
    return {row[0]: row[1] for row in rows}


class References:
    """Checks the rows a body refers to: they exist, the caller may see them, and they
    belong to the same data collection as the new row. Every problem is collected and
    reported at once, naming the field (a row the caller may not see is reported like a
    missing one)."""

    def __init__(self, db_session: Session, data_collections: DataCollections):
        self.db_session = db_session
        self.data_collections = data_collections
        self.problems: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.problems.setdefault(field, []).append(message)

    def data_collection(self, field: str, uuid: str | None) -> Mapping[str, Any] | None:
        if uuid is None:
            return None
        record = self.data_collections.visible([uuid]).get(uuid)
        if record is None:
            self.add(field, f"No data collection {uuid} (or it is not visible to you).")
        return record

    def row(self, field: str, model: type, row_id: int | None, *, table: str) -> str | None:
        """The data collection of row ``row_id`` of ``model`` (None when absent)."""
        if row_id is None:
            return None
        owner = owners(self.db_session, model, [row_id]).get(row_id)
        if owner is None or not self.data_collections.visible([owner]):
            self.add(field, f"No {table} with id {row_id}.")
            return None
        return owner

    def same_data_collection(self, field: str, owner: str | None, expected: str | None) -> None:
        if owner is not None and expected is not None and owner != expected:
            self.add(field, f"Belongs to data collection {owner}, not to {expected}.")

    def raise_problems(self) -> None:
        if self.problems:
            raise ValidationFailed("The body refers to rows it may not use.", self.problems)
