"""Processing results: what pipelines write and what users read.

Reads load any number of runs in one statement (every table of the chain, joined by row
kind: _runs_statement), whatever the number of runs, sweeps or shells.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import and_, bindparam, exists, literal_column, or_, select, true, union_all
from sqlalchemy.orm import Session, aliased

from ispyb_shared.auth import Caller
from ispyb_shared.crud import check_period, one_or_404, ref_condition, update_row
from ispyb_shared.errors import NotFound, ValidationFailed
from ispyb_shared.listing import ListParams, Page, paginate
from ispyb_shared.plain import PlainRead, set_loaded
from ispyb_shared.schemas import RowReference
from ispyb_shared.types import not_failed

from ..access import PROCESSING_READ_SCOPES, require_processing_writer, session_condition
from ..data_collections.models import DataCollection, DataCollectionGroup
from ..data_collections.service import LIST_SPEC as DATA_COLLECTION_LIST_SPEC
from ..data_collections.service import visible_data_collections
from ..sessions.models import BLSession
from ..sessions.service import get_session, visit_condition
from .conventions import (
    CORRELATIONS,
    ESRF_ANOMALOUS_COLUMN,
    _esrf_anomalous_present,
    normalise_document,
    normalise_rows,
    percent_factor,
)
from .models import (
    AutoProc,
    AutoProcIntegration,
    AutoProcProgram,
    AutoProcProgramAttachment,
    AutoProcScaling,
    AutoProcScalingAnisotropy,
    AutoProcScalingHasInt,
    AutoProcScalingStatistics,
)

SHELLS = ("overall", "innerShell", "outerShell")
# Completeness a result needs before its resolution counts in "best result".
COMPLETE_ENOUGH = 90.0


@dataclass
class Result:
    autoProc: AutoProc
    autoProcScalingId: int
    integrationIds: list[int] = field(default_factory=list)
    statistics: dict[str, AutoProcScalingStatistics] = field(default_factory=dict)
    anisotropy: AutoProcScalingAnisotropy | None = None


@dataclass
class Run:
    program: AutoProcProgram
    integrations: list[AutoProcIntegration] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    attachments: list[AutoProcProgramAttachment] = field(default_factory=list)


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


# --- who may see a run ---------------------------------------------------------------------


def _visible_program_condition(caller: Caller):
    """A run is visible when one of the sweeps it integrated is."""
    return exists(
        select(AutoProcIntegration.autoProcIntegrationId)
        .join(
            DataCollection, DataCollection.dataCollectionId == AutoProcIntegration.dataCollectionId
        )
        .join(DataCollectionGroup)
        .join(BLSession, BLSession.sessionId == DataCollectionGroup.sessionId)
        .where(
            AutoProcIntegration.autoProcProgramId == AutoProcProgram.autoProcProgramId,
            session_condition(caller, PROCESSING_READ_SCOPES),
        )
    )


def get_program(*, db_session: Session, ref: str, caller: Caller) -> AutoProcProgram:
    """By id or UUID."""
    condition = ref_condition(
        ref, id_column=AutoProcProgram.autoProcProgramId, uuid_column=AutoProcProgram.uuid
    )
    statement = select(AutoProcProgram).where(condition, _visible_program_condition(caller))
    return one_or_404(db_session, statement, "Processing program run", ref)


def get_attachment(*, db_session: Session, ref: str, caller: Caller) -> AutoProcProgramAttachment:
    """By id or UUID; visible when its program run is."""
    condition = ref_condition(
        ref,
        id_column=AutoProcProgramAttachment.autoProcProgramAttachmentId,
        uuid_column=AutoProcProgramAttachment.uuid,
    )
    statement = (
        select(AutoProcProgramAttachment)
        .join(AutoProcProgram)
        .where(condition, _visible_program_condition(caller))
    )
    return one_or_404(db_session, statement, "Processing attachment", ref)


def _beamline_of(collections: list[DataCollection]) -> str | None:
    return collections[0].DataCollectionGroup.BLSession.beamLineName if collections else None


def _resolve(
    db_session: Session, refs: list[str], paths: list[str], caller: Caller
) -> list[DataCollection]:
    """Sweeps by id or UUID in one query; missing or invisible ones are reported together
    at their JSON paths."""
    # refs are loaded by RowReference: ASCII digits (an id) or a canonical UUID.
    ids = [int(ref) for ref in refs if ref.isdigit()]
    uuids = [ref for ref in refs if not ref.isdigit()]
    rows = db_session.execute(
        visible_data_collections(caller).where(
            DataCollection.dataCollectionId.in_(ids) | DataCollection.uuid.in_(uuids)
        )
    ).scalars()
    found: dict[str, DataCollection] = {}
    for row in rows:
        found[str(row.dataCollectionId)] = row
        found[row.uuid] = row
    missing = {
        path: [f"No data collection {ref}."]
        for ref, path in zip(refs, paths, strict=True)
        if ref not in found
    }
    if missing:
        raise ValidationFailed("A referenced data collection does not exist.", missing)
    return [found[ref] for ref in refs]


def _references_of(document: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """The data collection references of a raw processing body, with their JSON paths."""
    if not isinstance(document, dict):
        return []
    found: list[tuple[str, Any]] = []
    refs = document.get("dataCollections")
    if isinstance(refs, list):
        found += [(f"{prefix}dataCollections[{i}]", ref) for i, ref in enumerate(refs)]
    integrations = document.get("integrations")
    if isinstance(integrations, list):
        found += [
            (f"{prefix}integrations[{i}].dataCollection", item["dataCollection"])
            for i, item in enumerate(integrations)
            if isinstance(item, dict) and "dataCollection" in item
        ]
    return found + _references_of(document.get("result"), f"{prefix}result.")


def with_reference_problems(
    *, db_session: Session, raw: Any, problems: dict[str, list[str]], caller: Caller
) -> dict[str, list[str]]:
    """A body's schema problems and its missing data collections, for one answer: the
    well-formed references the schema did not refuse are looked up too (one query)."""
    reference = RowReference()
    refs: list[str] = []
    paths: list[str] = []
    for path, value in _references_of(raw):
        if path in problems:
            continue
        try:
            refs.append(reference.deserialize(value))
        except ValidationError:
            continue
        paths.append(path)
    if refs:
        try:
            _resolve(db_session, refs, paths, caller)
        except ValidationFailed as exc:
            problems = {**problems, **(exc.details or {})}
    return problems


# --- writing -------------------------------------------------------------------------------


def register_run(*, db_session: Session, data: dict[str, Any], caller: Caller) -> Run:
    """A run starts: the program row and one integration per sweep it processes;
    with ``result``, its complete result too (one transaction either way)."""
    values = dict(data)
    refs = values.pop("dataCollections")
    result = values.pop("result", None)
    collections = _resolve(
        db_session, refs, [f"dataCollections[{i}]" for i in range(len(refs))], caller
    )
    require_processing_writer(
        caller, beamline=_beamline_of(collections), action="register processing runs"
    )
    check_period(values, start="processingStartTime", end="processingEndTime")
    program = AutoProcProgram(**values, recordTimeStamp=_now())
    db_session.add(program)
    db_session.flush()
    db_session.add_all(
        AutoProcIntegration(
            dataCollectionId=collection.dataCollectionId,
            autoProcProgramId=program.autoProcProgramId,
            recordTimeStamp=_now(),
        )
        for collection in dict.fromkeys(collections)
    )
    db_session.flush()
    if result is not None:
        _write_result(db_session, program, result, caller, path="result.")
    return load_runs(db_session, [program.autoProcProgramId])[0]


def update_run(
    *, db_session: Session, program: AutoProcProgram, data: dict[str, Any], caller: Caller
) -> Run:
    _require_writer_of(db_session, program, caller)
    check_period(data, start="processingStartTime", end="processingEndTime", current=program)
    update_row(db_session, program, data)
    return load_runs(db_session, [program.autoProcProgramId])[0]


def add_result(
    *, db_session: Session, program: AutoProcProgram, data: dict[str, Any], caller: Caller
) -> Run:
    _require_writer_of(db_session, program, caller)
    _write_result(db_session, program, data, caller, path="")
    return load_runs(db_session, [program.autoProcProgramId])[0]


def _require_writer_of(db_session: Session, program: AutoProcProgram, caller: Caller) -> None:
    beamline = db_session.execute(
        select(BLSession.beamLineName)
        .join(DataCollectionGroup, DataCollectionGroup.sessionId == BLSession.sessionId)
        .join(DataCollection)
        .join(AutoProcIntegration)
        .where(AutoProcIntegration.autoProcProgramId == program.autoProcProgramId)
        .limit(1)
    ).scalar()
    require_processing_writer(caller, beamline=beamline, action="write processing results")


def _write_result(
    db_session: Session, program: AutoProcProgram, data: dict[str, Any], caller: Caller, path: str
) -> None:
    integrations_in = data["integrations"]
    refs = [item["dataCollection"] for item in integrations_in]
    collections = _resolve(
        db_session,
        refs,
        [f"{path}integrations[{i}].dataCollection" for i in range(len(refs))],
        caller,
    )
    existing = {
        integration.dataCollectionId: integration
        for integration in db_session.execute(
            select(AutoProcIntegration).where(
                AutoProcIntegration.autoProcProgramId == program.autoProcProgramId
            )
        ).scalars()
    }
    now = _now()
    integrations = []
    for item, collection in zip(integrations_in, collections, strict=True):
        values = {key: value for key, value in item.items() if key != "dataCollection"}
        integration = existing.get(collection.dataCollectionId)
        if integration is None:
            integration = AutoProcIntegration(
                dataCollectionId=collection.dataCollectionId,
                autoProcProgramId=program.autoProcProgramId,
            )
            db_session.add(integration)
        for key, value in values.items():
            setattr(integration, key, value)
        integration.recordTimeStamp = now
        integrations.append(integration)
    auto_proc = AutoProc(
        **data["autoProc"], autoProcProgramId=program.autoProcProgramId, recordTimeStamp=now
    )
    db_session.add(auto_proc)
    db_session.flush()
    scaling = AutoProcScaling(autoProcId=auto_proc.autoProcId, recordTimeStamp=now)
    db_session.add(scaling)
    db_session.flush()
    normalise_document(data["statistics"])
    rows: list[Any] = [
        AutoProcScalingHasInt(
            autoProcScalingId=scaling.autoProcScalingId,
            autoProcIntegrationId=integration.autoProcIntegrationId,
            recordTimeStamp=now,
        )
        for integration in integrations
    ]
    rows += [
        AutoProcScalingStatistics(
            **data["statistics"][shell],
            scalingStatisticsType=shell,
            autoProcScalingId=scaling.autoProcScalingId,
            recordTimeStamp=now,
        )
        for shell in SHELLS
    ]
    if data.get("anisotropy"):
        rows.append(
            AutoProcScalingAnisotropy(
                **data["anisotropy"], autoProcScalingId=scaling.autoProcScalingId
            )
        )
    rows += [
        AutoProcProgramAttachment(
            **attachment, autoProcProgramId=program.autoProcProgramId, recordTimeStamp=now
        )
        for attachment in data.get("attachments", [])
    ]
    db_session.add_all(rows)
    if data.get("program"):
        check_period(
            data["program"], start="processingStartTime", end="processingEndTime", current=program
        )
        for key, value in data["program"].items():
            setattr(program, key, value)
    db_session.flush()


# --- reading -------------------------------------------------------------------------------


# What each row of the runs' statement carries (the ``kind`` column): the rows of one
# program are its integrations, its results' shells, their links to integrations, their
# anisotropy and its attachments, each kind joined only to its own table.
_INTEGRATION, _SHELL, _LINK, _ANISOTROPY, _ATTACHMENT = 1, 2, 3, 4, 5


def _kinds():
    kinds = (_INTEGRATION, _SHELL, _LINK, _ANISOTROPY, _ATTACHMENT)
    return union_all(*(select(literal_column(str(k)).label("kind")) for k in kinds)).subquery(
        "kinds"
    )


# The entities of the runs' statement, in its order; the reads (GET) take them as plain
# values (ispyb_shared.plain: mutable rows, as the shells are put in percent after
# loading), the writes' answers as ORM objects (those the session already holds).
_RUN_ENTITIES = (
    AutoProcProgram,
    AutoProcIntegration,
    AutoProc,
    AutoProcScalingStatistics,
    AutoProcScalingHasInt,
    AutoProcScalingAnisotropy,
    AutoProcProgramAttachment,
)
_PLAIN_RUN_ENTITIES = {entity: PlainRead(entity, mutable=True) for entity in _RUN_ENTITIES}


class _Layout:
    """Where each entity of the runs' statement is in its row, and how it is read:
    ``program``, ``integration``, ... build the object of a row (None when its table's
    outer join found nothing); ``kind``, ``collection_id``, ``collection_uuid``,
    ``scaling_id``, ``esrf`` are indexes of single values."""

    def __init__(self, *, plain: bool, esrf_anomalous: bool) -> None:
        self.columns: list[Any] = []
        readers = []

        def entity(model):
            start = len(self.columns)
            if plain:
                read = _PLAIN_RUN_ENTITIES[model]
                self.columns += read.columns
                readers.append(read.builder(start, optional=True))
            else:
                self.columns.append(model)
                readers.append(lambda row, _i=start: row[_i])
            return readers[-1]

        def value(column) -> int:
            self.columns.append(column)
            return len(self.columns) - 1

        kinds = _kinds()
        self.kinds = kinds
        self.program = entity(AutoProcProgram)
        self.kind = value(kinds.c.kind)
        self.integration = entity(AutoProcIntegration)
        self.collection_id = value(DataCollection.dataCollectionId)
        self.collection_uuid = value(DataCollection.uuid)
        self.auto_proc = entity(AutoProc)
        self.scaling_id = value(AutoProcScaling.autoProcScalingId)
        self.statistics = entity(AutoProcScalingStatistics)
        self.link = entity(AutoProcScalingHasInt)
        self.anisotropy = entity(AutoProcScalingAnisotropy)
        self.attachment = entity(AutoProcProgramAttachment)
        if plain:
            self.program_id = itemgetter(_PLAIN_RUN_ENTITIES[AutoProcProgram]._primary_index())
        else:
            self.program_id = lambda row: row[0].autoProcProgramId
        self.esrf = (
            value(literal_column(f"AutoProcScalingStatistics.{ESRF_ANOMALOUS_COLUMN}"))
            if esrf_anomalous
            else None
        )
        self.plain = plain


_LAYOUTS: dict[tuple[bool, bool], _Layout] = {}


def _layout(plain: bool, esrf_anomalous: bool) -> _Layout:
    """Built once a kind (on first use: the models are all configured by then)."""
    key = (plain, esrf_anomalous)
    layout = _LAYOUTS.get(key)
    if layout is None:
        layout = _LAYOUTS[key] = _Layout(plain=plain, esrf_anomalous=esrf_anomalous)
    return layout


def _runs_statement(program_condition, *, esrf_anomalous: bool, plain: bool = False):
    """One statement for the runs matching ``program_condition`` and everything they
    produced: each program is joined to a small table of row kinds, and each kind to one
    table of the chain by an outer join, so the rows do not multiply across tables."""
    layout = _layout(plain, esrf_anomalous)
    kinds = layout.kinds
    kind = kinds.c.kind
    columns = layout.columns
    program_id = AutoProcProgram.autoProcProgramId
    scaling_id = AutoProcScaling.autoProcScalingId
    return (
        select(*columns)
        .select_from(AutoProcProgram)
        .join(kinds, true())
        .outerjoin(
            AutoProcIntegration,
            and_(kind == _INTEGRATION, AutoProcIntegration.autoProcProgramId == program_id),
        )
        .outerjoin(
            DataCollection, DataCollection.dataCollectionId == AutoProcIntegration.dataCollectionId
        )
        .outerjoin(
            AutoProc,
            and_(kind.in_((_SHELL, _LINK, _ANISOTROPY)), AutoProc.autoProcProgramId == program_id),
        )
        .outerjoin(AutoProcScaling, AutoProcScaling.autoProcId == AutoProc.autoProcId)
        .outerjoin(
            AutoProcScalingStatistics,
            and_(kind == _SHELL, AutoProcScalingStatistics.autoProcScalingId == scaling_id),
        )
        .outerjoin(
            AutoProcScalingHasInt,
            and_(kind == _LINK, AutoProcScalingHasInt.autoProcScalingId == scaling_id),
        )
        .outerjoin(
            AutoProcScalingAnisotropy,
            and_(kind == _ANISOTROPY, AutoProcScalingAnisotropy.autoProcScalingId == scaling_id),
        )
        .outerjoin(
            AutoProcProgramAttachment,
            and_(kind == _ATTACHMENT, AutoProcProgramAttachment.autoProcProgramId == program_id),
        )
        .where(program_condition)
        .order_by(
            program_id,
            kind,
            AutoProcIntegration.autoProcIntegrationId,
            AutoProc.autoProcId,
            scaling_id,
            AutoProcScalingStatistics.autoProcScalingStatisticsId,
            AutoProcScalingHasInt.autoProcIntegrationId,
            AutoProcScalingHasInt.autoProcScaling_has_IntId,
            AutoProcScalingAnisotropy.autoProcScalingAnisotropyId,
            AutoProcProgramAttachment.importanceRank.is_(None),
            AutoProcProgramAttachment.importanceRank,
            AutoProcProgramAttachment.fileName,
        )
    )


def _load_runs_where(
    db_session: Session, program_condition=None, *, cached=None, params=None, plain=False
) -> list[Run]:
    """The runs matching the condition (or a cached statement's, with ``params``) with
    everything they produced, in one statement whatever their number (ESRF's ccAno in
    the same statement where the database has it). ``plain``: rows as plain values
    (ispyb_shared.plain), for the reads; ORM objects otherwise."""
    esrf = _esrf_anomalous_present(db_session)
    layout = _layout(plain, esrf)
    if cached is not None:
        statement = cached(esrf)
    else:
        statement = _runs_statement(program_condition, esrf_anomalous=esrf, plain=plain)
    runs: dict[int, Run] = {}
    results: dict[int, Result] = {}
    shells: dict[int, list[AutoProcScalingStatistics]] = defaultdict(list)
    program_id_of, kind_index = layout.program_id, layout.kind
    scaling_index, esrf_index = layout.scaling_id, layout.esrf
    for row in db_session.execute(statement, params or {}):
        program_id, kind = program_id_of(row), row[kind_index]
        run = runs.get(program_id)
        if run is None:
            run = runs[program_id] = Run(layout.program(row))
        if kind == _INTEGRATION:
            integration, collection_id = layout.integration(row), row[layout.collection_id]
            if integration is not None and collection_id is not None:
                integration.dataCollectionUUID = row[layout.collection_uuid]
                run.integrations.append(integration)
        elif kind == _ATTACHMENT:
            attachment = layout.attachment(row)
            if attachment is not None:
                run.attachments.append(attachment)
        else:
            scaling_id = row[scaling_index]
            if scaling_id is None:
                continue
            if kind == _SHELL:
                result = results.get(scaling_id)
                if result is None:
                    result = results[scaling_id] = Result(layout.auto_proc(row), scaling_id)
                    run.results.append(result)
                statistics = layout.statistics(row)
                if statistics is not None:
                    if esrf and statistics.ccAnomalous is None and row[esrf_index] is not None:
                        set_loaded(statistics, "ccAnomalous", float(row[esrf_index]))
                    shells[scaling_id].append(statistics)
            elif kind == _LINK:
                link = layout.link(row)
                if link is not None:
                    results[scaling_id].integrationIds.append(link.autoProcIntegrationId)
            else:
                anisotropy = layout.anisotropy(row)
                if anisotropy is not None:
                    results[scaling_id].anisotropy = anisotropy
    for scaling_id, rows in shells.items():
        normalise_rows(rows)
        for statistics in rows:
            results[scaling_id].statistics[statistics.scalingStatisticsType] = statistics
    return list(runs.values())


def load_runs(db_session: Session, program_ids: list[int]) -> list[Run]:
    """Runs with everything they produced, in one statement whatever their number."""
    if not program_ids:
        return []
    return _load_runs_where(db_session, AutoProcProgram.autoProcProgramId.in_(program_ids))


def load_visible_run(*, db_session: Session, ref: str, caller: Caller) -> Run:
    """A run by id or UUID with everything it produced, in one statement (404 as
    get_program's when it does not exist or the caller may not see it)."""
    condition = ref_condition(
        ref, id_column=AutoProcProgram.autoProcProgramId, uuid_column=AutoProcProgram.uuid
    )
    runs = _load_runs_where(db_session, and_(condition, _visible_program_condition(caller)))
    if not runs:
        raise NotFound(f"Processing program run {ref!s} does not exist.", {"ref": [str(ref)]})
    return runs[0]


# Built once (a statement costs more to build than to run): the runs of some sweeps,
# with or without updatedSince, with or without ESRF's ccAno.
_STATEMENTS_OF_SWEEPS: dict[tuple[bool, bool], Any] = {}


def _statement_of_sweeps(*, since: bool):
    def statement(esrf: bool):
        key = (since, esrf)
        built = _STATEMENTS_OF_SWEEPS.get(key)
        if built is None:
            integration = aliased(AutoProcIntegration)
            condition = AutoProcProgram.autoProcProgramId.in_(
                select(integration.autoProcProgramId).where(
                    integration.dataCollectionId.in_(bindparam("sweeps", expanding=True))
                )
            )
            if since:
                condition = and_(
                    condition,
                    or_(
                        AutoProcProgram.recordTimeStamp >= bindparam("since"),
                        AutoProcProgram.processingStartTime >= bindparam("since"),
                        AutoProcProgram.processingEndTime >= bindparam("since"),
                    ),
                )
            built = _STATEMENTS_OF_SWEEPS[key] = _runs_statement(
                condition, esrf_anomalous=esrf, plain=True
            )
        return built

    return statement


def runs_of(
    db_session: Session, data_collection_ids: list[int], *, updated_since: dt.datetime | None = None
) -> list[Run]:
    """The runs of the sweeps, in one statement; with ``updated_since``, only those
    recorded, started or ended at or after it (AutoProcProgram has no update column: its
    times are the proxy)."""
    if not data_collection_ids:
        return []
    params: dict[str, Any] = {"sweeps": list(data_collection_ids)}
    if updated_since is not None:
        params["since"] = updated_since
    cached = _statement_of_sweeps(since=updated_since is not None)
    return _load_runs_where(db_session, cached=cached, params=params, plain=True)


def visible_collection_id(*, db_session: Session, ref: str, caller: Caller) -> int:
    """The id of sweep ``ref`` (id or UUID) if the caller may see it, else the 404 of
    data_collections.get_data_collection: the same condition, its id alone read."""
    condition = ref_condition(
        ref, id_column=DataCollection.dataCollectionId, uuid_column=DataCollection.uuid
    )
    found = db_session.execute(
        select(DataCollection.dataCollectionId)
        .outerjoin(DataCollection.DataCollectionGroup)
        .outerjoin(DataCollectionGroup.BLSession)
        .outerjoin(BLSession.Proposal)
        .where(condition, session_condition(caller, PROCESSING_READ_SCOPES))
        .limit(1)
    ).scalar()
    if found is None:
        raise NotFound(f"Data collection {ref!s} does not exist.", {"ref": [str(ref)]})
    return found


def processing_of(
    *,
    db_session: Session,
    collection: DataCollection | int,
    updated_since: dt.datetime | None = None,
) -> list[Run]:
    """The runs of one sweep (a DataCollection or its id)."""
    collection_id = collection if isinstance(collection, int) else collection.dataCollectionId
    return runs_of(db_session, [collection_id], updated_since=updated_since)


# --- best result, session summary ------------------------------------------------------------


def result_quality(
    *, completeness: float | None, resolution: float | None, auto_proc_id: int
) -> tuple[int, float, float, int]:
    """Sort key of a result by its overall shell, smallest = best: complete enough first,
    then the best (smallest) resolution, then the most complete, then the newest. A
    resolution of 0 or none is unknown: the worst. statistics.service ranks the same way
    in SQL (_best_overall); tests/core/test_statistics.py keeps the two equal."""
    completeness = completeness or 0.0
    resolution = resolution or float("inf")
    return (0 if completeness >= COMPLETE_ENOUGH else 1, resolution, -completeness, -auto_proc_id)


def _result_quality(overall: dict[str, Any] | None, auto_proc_id: int):
    if overall is None:
        return (2, 0.0, 0.0, -auto_proc_id)
    return result_quality(
        completeness=overall["completeness"],
        resolution=overall["resolutionLimitHigh"],
        auto_proc_id=auto_proc_id,
    )


def best_summary(summaries: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The best of several best-result summaries (best_results' values), by the same rule."""
    if not summaries:
        return None
    return min(
        summaries,
        key=lambda summary: result_quality(
            completeness=summary.get("completeness"),
            resolution=summary.get("resolutionLimitHigh"),
            auto_proc_id=summary["autoProcId"],
        ),
    )


# What a best-result summary reads of a shell (and what the percent rule needs).
_SUMMARY_SHELL = (
    "autoProcScalingStatisticsId",
    "autoProcScalingId",
    "scalingStatisticsType",
    "resolutionLimitLow",
    "resolutionLimitHigh",
    "completeness",
    "rMerge",
    "ccHalf",
    "meanIOverSigI",
    "ccAnomalous",
)
_BEST_STATEMENTS: dict[bool, Any] = {}


def _best_statement(esrf_anomalous: bool):
    """The candidates of best_results, built once: the columns a summary reads, as plain
    values (no ORM objects), ESRF's ccAno beside them where the database has it."""
    built = _BEST_STATEMENTS.get(esrf_anomalous)
    if built is not None:
        return built
    columns: list[Any] = [
        AutoProcIntegration.dataCollectionId,
        AutoProc.autoProcId,
        AutoProc.autoProcProgramId,
        AutoProc.spaceGroup,
        AutoProcProgram.processingPrograms,
        *(getattr(AutoProcScalingStatistics, name) for name in _SUMMARY_SHELL),
    ]
    if esrf_anomalous:
        columns.append(literal_column(f"AutoProcScalingStatistics.{ESRF_ANOMALOUS_COLUMN}"))
    built = _BEST_STATEMENTS[esrf_anomalous] = (
        select(*columns)
        .select_from(AutoProcIntegration)
        .join(
            AutoProcScalingHasInt,
            AutoProcScalingHasInt.autoProcIntegrationId
            == AutoProcIntegration.autoProcIntegrationId,
        )
        .join(
            AutoProcScaling,
            AutoProcScaling.autoProcScalingId == AutoProcScalingHasInt.autoProcScalingId,
        )
        .join(AutoProc, AutoProc.autoProcId == AutoProcScaling.autoProcId)
        .join(AutoProcProgram, AutoProcProgram.autoProcProgramId == AutoProc.autoProcProgramId)
        .join(
            AutoProcScalingStatistics,
            AutoProcScalingStatistics.autoProcScalingId == AutoProcScaling.autoProcScalingId,
        )
        .where(
            AutoProcIntegration.dataCollectionId.in_(bindparam("sweeps", expanding=True)),
            not_failed(AutoProcProgram.processingStatus),
        )
        .order_by(AutoProcScalingStatistics.autoProcScalingStatisticsId)
    )
    return built


def _in_percent(shells: Iterable[dict[str, Any]]) -> None:
    """conventions.normalise_rows for plain shells of one scaling (read fresh)."""
    shells = list(shells)
    factor = percent_factor(shells)
    if factor == 1.0:
        return
    for shell in shells:
        for name in CORRELATIONS:
            if shell[name] is not None:
                shell[name] = shell[name] * factor


def best_results(db_session: Session, data_collection_ids: list[int]) -> dict[int, dict]:
    """Per sweep, a summary of its best successful result, in one query."""
    if not data_collection_ids:
        return {}
    esrf = _esrf_anomalous_present(db_session)
    rows = db_session.execute(_best_statement(esrf), {"sweeps": list(data_collection_ids)})
    candidates: dict[int, dict[int, dict]] = defaultdict(dict)
    shells: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
    width = len(_SUMMARY_SHELL)
    for row in rows:
        collection_id, auto_proc_id = row[0], row[1]
        entry = candidates[collection_id].get(auto_proc_id)
        if entry is None:
            entry = candidates[collection_id][auto_proc_id] = {
                "autoProcId": auto_proc_id,
                "autoProcProgramId": row[2],
                "spaceGroup": row[3],
                "programs": row[4],
            }
        # A row joins once per sweep of the scaling: one shell a statistics row.
        statistics_id, scaling_id = row[5], row[6]
        shell = shells[scaling_id].get(statistics_id)
        if shell is None:
            shell = shells[scaling_id][statistics_id] = dict(
                zip(_SUMMARY_SHELL, row[5 : 5 + width], strict=True)
            )
            if esrf and shell["ccAnomalous"] is None and row[5 + width] is not None:
                shell["ccAnomalous"] = float(row[5 + width])
        entry[shell["scalingStatisticsType"]] = shell
    for rows_of_scaling in shells.values():
        _in_percent(rows_of_scaling.values())
    summaries = {}
    for collection_id, entries in candidates.items():
        best = min(
            entries.values(),
            key=lambda e: _result_quality(e.get("overall"), e["autoProcId"]),
        )
        overall, outer = best.get("overall"), best.get("outerShell")
        summaries[collection_id] = {
            "autoProcId": best["autoProcId"],
            "autoProcProgramId": best["autoProcProgramId"],
            "processingPrograms": best["programs"],
            "spaceGroup": best["spaceGroup"],
            "resolutionLimitLow": None if overall is None else overall["resolutionLimitLow"],
            "resolutionLimitHigh": None if overall is None else overall["resolutionLimitHigh"],
            "completeness": None if overall is None else overall["completeness"],
            "rMerge": None if overall is None else overall["rMerge"],
            "ccHalf": None if overall is None else overall["ccHalf"],
            "meanIOverSigI": None if overall is None else overall["meanIOverSigI"],
            "outerShell": None
            if outer is None
            else {
                "resolutionLimitHigh": outer["resolutionLimitHigh"],
                "completeness": outer["completeness"],
                "ccHalf": outer["ccHalf"],
                "meanIOverSigI": outer["meanIOverSigI"],
            },
        }
    return summaries


def session_summary(
    *, db_session: Session, ref: str, params: ListParams, caller: Caller
) -> tuple[Page, dict[int, dict]]:
    """A page of the sweeps of session ``ref`` (id, UUID or visit name) and the best
    result of each: two statements (the page with its total, the best results); the
    session itself is looked up only when the page is empty, to tell an empty session
    from one that does not exist (404) or that the caller may not see (404 too)."""
    condition = ref_condition(
        ref, id_column=BLSession.sessionId, uuid_column=BLSession.uuid, by_name=visit_condition
    )
    statement = visible_data_collections(caller).where(condition)
    page = paginate(db_session, statement, params, DATA_COLLECTION_LIST_SPEC)
    if not page.results:
        get_session(db_session=db_session, ref=ref, caller=caller)
    ids = [collection.dataCollectionId for collection in page.results]
    return page, best_results(db_session, ids)


# --- comparison ------------------------------------------------------------------------------

COMPARED_FIELDS = (
    "resolutionLimitLow",
    "resolutionLimitHigh",
    "completeness",
    "multiplicity",
    "meanIOverSigI",
    "ccHalf",
    "rMerge",
    "rMeasAllIPlusIMinus",
    "rPimAllIPlusIMinus",
    "nTotalObservations",
    "nTotalUniqueObservations",
    "anomalousCompleteness",
    "anomalousMultiplicity",
    "ccAnomalous",
)
COMPARED_ANISOTROPY = (
    "resolutionLimit1",
    "resolutionLimit2",
    "resolutionLimit3",
    "ellipsoidalCompleteness",
    "anisotropicResolutionCutoffHigh",
    "anisotropicResolutionCutoffLow",
)


def comparison(runs: list[Run], data_collections: list[DataCollection]) -> dict[str, Any]:
    """All results side by side: one column per result, one row per (shell, figure)."""
    integration_to_dc = {
        integration.autoProcIntegrationId: integration.dataCollectionUUID
        for run in runs
        for integration in run.integrations
    }
    columns, cells = [], []
    for run in runs:
        for result in run.results:
            auto_proc = result.autoProc
            columns.append(
                {
                    "autoProcProgramId": run.program.autoProcProgramId,
                    "autoProcId": auto_proc.autoProcId,
                    "processingPrograms": run.program.processingPrograms,
                    "processingStatus": run.program.processingStatus,
                    "spaceGroup": auto_proc.spaceGroup,
                    "cell": [
                        auto_proc.refinedCell_a,
                        auto_proc.refinedCell_b,
                        auto_proc.refinedCell_c,
                        auto_proc.refinedCell_alpha,
                        auto_proc.refinedCell_beta,
                        auto_proc.refinedCell_gamma,
                    ],
                    # A site's scaling may link integrations of another program
                    # (AutoProcScaling_has_Int is written by many pipelines): only the
                    # sweeps of this run's integrations are named.
                    "dataCollections": sorted(
                        {
                            integration_to_dc[i]
                            for i in result.integrationIds
                            if i in integration_to_dc
                        }
                    ),
                }
            )
            cells.append(result)
    rows = [
        {
            "shell": shell,
            "field": name,
            "values": [getattr(r.statistics.get(shell), name, None) for r in cells],
        }
        for shell in SHELLS
        for name in COMPARED_FIELDS
    ]
    rows += [
        {
            "shell": "anisotropy",
            "field": name,
            "values": [getattr(r.anisotropy, name, None) for r in cells],
        }
        for name in COMPARED_ANISOTROPY
    ]
    return {
        "dataCollections": [collection.uuid for collection in data_collections],
        "columns": columns,
        "rows": rows,
    }


def group_collections(
    *, db_session: Session, group: DataCollectionGroup, caller: Caller
) -> list[DataCollection]:
    statement = visible_data_collections(caller).where(
        DataCollection.dataCollectionGroupId == group.dataCollectionGroupId
    )
    return list(db_session.execute(statement.order_by(DataCollection.dataCollectionId)).scalars())
