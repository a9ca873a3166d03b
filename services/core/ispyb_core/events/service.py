"""The timeline of a session (or proposal, sample, beamline): what happened, newest first.

One stream over six ISPyB tables: data collections (or their groups), robot actions,
energy scans, XRF spectra and screenings. A page is found by one UNION ALL statement of
the keys (each table's branch filtered, ordered and limited on its own, so each reads its
own index and stops at the page's end), then the page's rows are read with one statement
per type on the page, plus the best results of its sweeps: a fixed number of statements
whatever the page size (docs/timeline.md).

The order is (time, type, id), descending by default; the keyset cursor (``after=``) is
the position of the last event of a page.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Integer,
    String,
    and_,
    false,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy import column as sql_column
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from ispyb_shared.auth import Caller
from ispyb_shared.crud import ref_condition
from ispyb_shared.errors import InvalidParameter, NotFound
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page
from ispyb_shared.uuids import parse_uuid

from ..acquisition import visible_session_condition
from ..data_collections.models import DataCollection, DataCollectionGroup
from ..data_collections.service import group_updated_since, updated_since
from ..energy_scans.models import EnergyScan
from ..images.models import Image
from ..processing.models import AutoProcIntegration, AutoProcProgram
from ..processing.service import best_results, best_summary
from ..proposals.models import Proposal
from ..proposals.service import get_proposal
from ..robot_actions.models import RobotAction
from ..samples.models import BLSample
from ..samples.service import get_sample
from ..screenings.models import Screening
from ..sessions.models import BLSession
from ..sessions.service import visit_condition
from ..sweep_rows import with_session
from ..xrf_spectra.models import XFEFluorescenceSpectrum

DATA_COLLECTION = "dataCollection"
DATA_COLLECTION_GROUP = "dataCollectionGroup"
ROBOT_ACTION = "robotAction"
ENERGY_SCAN = "energyScan"
XRF_SPECTRUM = "xrfSpectrum"
SCREENING = "screening"
# The order of types at the same time (descending: the higher first), fixed so that pages
# are stable; the value is also the type's number in a cursor.
TYPE_RANK = {
    ROBOT_ACTION: 1,
    ENERGY_SCAN: 2,
    XRF_SPECTRUM: 3,
    DATA_COLLECTION_GROUP: 4,
    DATA_COLLECTION: 5,
    SCREENING: 6,
}
TYPES = tuple(TYPE_RANK)
RANK_TYPE = {rank: name for name, rank in TYPE_RANK.items()}


def _comma_list(allowed: Sequence[str] | None) -> Callable[[str], tuple[str, ...]]:
    def parse(raw: str) -> tuple[str, ...]:
        values = tuple(part.strip() for part in raw.split(",") if part.strip())
        if not values:
            raise ValueError("Give at least one value (comma-separated).")
        if allowed is not None:
            unknown = [value for value in values if value not in allowed]
            if unknown:
                raise ValueError(
                    f"Unknown {', '.join(map(repr, unknown))}; one of: {', '.join(allowed)}."
                )
        return values

    return parse


# The events' query parameters. The columns only type the parsing and the documentation:
# the service applies each filter to every table with that table's column.
LIST_SPEC = ListSpec(
    filters={
        "type": Filter(
            sql_column("type", String()),
            ("eq",),
            "Types, comma-separated: " + ", ".join(TYPES),
            parse=_comma_list(TYPES),
        ),
        "status": Filter(
            sql_column("status", String()),
            ("eq",),
            "Statuses, comma-separated (a data collection's runStatus, a robot action's "
            "status; other types have none and are left out)",
            parse=_comma_list(None),
        ),
        "since": Filter(sql_column("since", DateTime()), ("eq",), "Started at or after"),
        "until": Filter(sql_column("until", DateTime()), ("eq",), "Started before"),
        "blSampleId": Filter(sql_column("blSampleId", Integer()), ("eq", "in"), "Sample id"),
        "updatedSince": Filter(
            sql_column("updatedSince", DateTime()),
            ("eq",),
            "Changed at or after (per type: see docs/timeline.md)",
        ),
        "group": Filter(
            sql_column("group", Boolean()),
            ("eq",),
            "true: one event per data collection group instead of one per data collection",
        ),
    },
    sortable={"startTime": sql_column("startTime", DateTime())},
    default_sort=("-startTime",),
)


@dataclass(frozen=True)
class Scope:
    """Which events: those of a session, a proposal, a sample or a beamline."""

    session_id: int | None = None
    proposal_id: int | None = None
    sample_id: int | None = None
    beamline: str | None = None

    def condition(self, session_id_column, sample_id_column) -> ColumnElement[bool]:
        if self.session_id is not None:
            return session_id_column == self.session_id
        if self.proposal_id is not None:
            return BLSession.proposalId == self.proposal_id
        if self.sample_id is not None:
            return sample_id_column == self.sample_id
        return BLSession.beamLineName == self.beamline


@dataclass
class Event:
    """One item of the stream, as the API answers it (schemas.EventRead)."""

    type: str
    id: int
    startTime: dt.datetime | None
    uuid: str | None = None
    endTime: dt.datetime | None = None
    status: str | None = None
    sessionId: int | None = None
    blSampleId: int | None = None
    sampleName: str | None = None
    dataCollectionGroupId: int | None = None
    title: str | None = None
    # The route of the file to show (core's, under the service prefix), signed by the API.
    thumbnailPath: str | None = None
    thumbnailUrl: str | None = None
    bestResult: dict[str, Any] | None = None
    item: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Branch:
    """One table of the stream: its key, time, status and what the filters compare."""

    type: str
    id_column: Any
    time_column: Any
    status_column: Any
    session_column: Any
    sample_column: Any
    select_from: Callable[[Any], Any]
    updated_since: Callable[[dt.datetime], ColumnElement[bool]]


def _changed_since(*columns) -> Callable[[dt.datetime], ColumnElement[bool]]:
    return lambda since: or_(*(column >= since for column in columns))


def _session_join(model, session_column):
    return lambda statement: statement.select_from(model).join(
        BLSession, BLSession.sessionId == session_column
    )


BRANCHES = {
    DATA_COLLECTION: _Branch(
        DATA_COLLECTION,
        DataCollection.dataCollectionId,
        DataCollection.startTime,
        DataCollection.runStatus,
        DataCollectionGroup.sessionId,
        DataCollectionGroup.blSampleId,
        lambda statement: (
            statement.select_from(DataCollection)
            .join(
                DataCollectionGroup,
                DataCollectionGroup.dataCollectionGroupId == DataCollection.dataCollectionGroupId,
            )
            .join(BLSession, BLSession.sessionId == DataCollectionGroup.sessionId)
        ),
        updated_since,
    ),
    DATA_COLLECTION_GROUP: _Branch(
        DATA_COLLECTION_GROUP,
        DataCollectionGroup.dataCollectionGroupId,
        DataCollectionGroup.startTime,
        None,
        DataCollectionGroup.sessionId,
        DataCollectionGroup.blSampleId,
        _session_join(DataCollectionGroup, DataCollectionGroup.sessionId),
        group_updated_since,
    ),
    ROBOT_ACTION: _Branch(
        ROBOT_ACTION,
        RobotAction.robotActionId,
        RobotAction.startTimestamp,
        RobotAction.status,
        RobotAction.blsessionId,
        RobotAction.blsampleId,
        _session_join(RobotAction, RobotAction.blsessionId),
        # ISPyB declares startTimestamp ON UPDATE current_timestamp(): a site's database
        # moves it on every change of the row.
        _changed_since(RobotAction.startTimestamp, RobotAction.endTimestamp),
    ),
    ENERGY_SCAN: _Branch(
        ENERGY_SCAN,
        EnergyScan.energyScanId,
        EnergyScan.startTime,
        None,
        EnergyScan.sessionId,
        EnergyScan.blSampleId,
        _session_join(EnergyScan, EnergyScan.sessionId),
        _changed_since(EnergyScan.startTime, EnergyScan.endTime),
    ),
    XRF_SPECTRUM: _Branch(
        XRF_SPECTRUM,
        XFEFluorescenceSpectrum.xfeFluorescenceSpectrumId,
        XFEFluorescenceSpectrum.startTime,
        None,
        XFEFluorescenceSpectrum.sessionId,
        XFEFluorescenceSpectrum.blSampleId,
        _session_join(XFEFluorescenceSpectrum, XFEFluorescenceSpectrum.sessionId),
        _changed_since(XFEFluorescenceSpectrum.startTime, XFEFluorescenceSpectrum.endTime),
    ),
    SCREENING: _Branch(
        SCREENING,
        Screening.screeningId,
        Screening.bltimeStamp,
        None,
        DataCollectionGroup.sessionId,
        DataCollectionGroup.blSampleId,
        lambda statement: with_session(statement.select_from(Screening), Screening),
        _changed_since(Screening.bltimeStamp),
    ),
}


# --- scopes ----------------------------------------------------------------------------------


def session_scope(*, db_session: Session, ref: str, caller: Caller) -> Scope:
    """The session ``ref`` (id, UUID or visit) names; 404 when invisible or missing."""
    condition = ref_condition(
        ref, id_column=BLSession.sessionId, uuid_column=BLSession.uuid, by_name=visit_condition
    )
    session_id = db_session.execute(
        select(BLSession.sessionId)
        .join(Proposal, Proposal.proposalId == BLSession.proposalId)
        .where(condition, visible_session_condition(caller))
        .limit(1)
    ).scalar()
    if session_id is None:
        raise NotFound(f"Session {ref} not found.")
    return Scope(session_id=session_id)


def proposal_scope(*, db_session: Session, ref: str, caller: Caller) -> Scope:
    proposal = get_proposal(db_session=db_session, ref=ref, caller=caller)
    return Scope(proposal_id=proposal.proposalId)


def sample_scope(*, db_session: Session, ref: str, caller: Caller) -> Scope:
    sample = get_sample(db_session=db_session, ref=ref, caller=caller)
    return Scope(sample_id=sample.blSampleId)


def beamline_scope(*, name: str, caller: Caller) -> Scope:
    """A beamline is a name, not a row: its events are those of the sessions on it that
    the caller sees (none: an empty page)."""
    visible_session_condition(caller)  # a client without a read scope: 403
    return Scope(beamline=name)


# --- the page --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Query:
    types: tuple[str, ...]
    statuses: tuple[str, ...] | None
    since: dt.datetime | None
    until: dt.datetime | None
    samples: tuple[int, ...] | None
    updated_since: dt.datetime | None
    grouped: bool
    descending: bool


def _query_of(params: ListParams) -> _Query:
    values: dict[str, Any] = {}
    for name, op, value in params.filters:
        values[name] = (value if op == "in" else [value]) if name == "blSampleId" else value
    if params.offset:
        raise InvalidParameter(
            "Invalid query parameters.",
            {"offset": ["The events page by cursor: follow links.next (after=)."]},
        )
    grouped = bool(values.get("group", False))
    wanted = values.get("type") or tuple(
        t for t in TYPES if t != (DATA_COLLECTION if grouped else DATA_COLLECTION_GROUP)
    )
    since, until = values.get("since"), values.get("until")
    if since is not None and until is not None and until <= since:
        raise InvalidParameter("Invalid query parameters.", {"until": ["Must be after since."]})
    samples = values.get("blSampleId")
    return _Query(
        types=tuple(dict.fromkeys(wanted)),
        statuses=values.get("status"),
        since=since,
        until=until,
        samples=tuple(samples) if samples is not None else None,
        updated_since=values.get("updatedSince"),
        grouped=grouped,
        descending=params.sort[0][1] if params.sort else True,
    )


def _signature(query: _Query) -> str:
    return ("-" if query.descending else "") + "startTime" + (",group" if query.grouped else "")


def _encode_cursor(query: _Query, values: tuple[Any, int, int]) -> str:
    time, rank, row_id = values
    payload = {"s": _signature(query), "v": [time.isoformat() if time else None, rank, row_id]}
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def _decode_cursor(raw: str, query: _Query) -> tuple[dt.datetime | None, int, int]:
    problem = InvalidParameter(
        "Invalid query parameters.",
        {"after": ["Not a cursor of these events and sort (use the links.next of a page)."]},
    )
    try:
        payload = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        time, rank, row_id = payload["v"]
        if payload["s"] != _signature(query):
            raise ValueError
        if not (isinstance(rank, int) and rank in RANK_TYPE and isinstance(row_id, int)):
            raise ValueError
        if isinstance(rank, bool) or isinstance(row_id, bool):
            raise ValueError
        return (None if time is None else dt.datetime.fromisoformat(time), rank, row_id)
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError):
        raise problem from None


def _after(branch: _Branch, rank: int, position, descending: bool) -> ColumnElement[bool]:
    """This branch's rows after ``position`` (time, rank, id) in the stream's order, with
    NULL times where MariaDB and SQLite sort them (first ascending, last descending)."""
    time, their_rank, row_id = position
    column, key = branch.time_column, branch.id_column
    if descending:
        tie = true() if rank < their_rank else (key < row_id if rank == their_rank else false())
        if time is None:
            return and_(column.is_(None), tie)
        return or_(column < time, column.is_(None), and_(column == time, tie))
    tie = true() if rank > their_rank else (key > row_id if rank == their_rank else false())
    if time is None:
        return or_(column.is_not(None), and_(column.is_(None), tie))
    return or_(column > time, and_(column == time, tie))


def _branch_statement(branch: _Branch, query: _Query, scope: Scope, caller: Caller, position, n):
    rank = TYPE_RANK[branch.type]
    statement = branch.select_from(
        select(
            literal(rank).label("kind"),
            branch.id_column.label("row_id"),
            branch.time_column.label("event_time"),
        )
    ).where(
        visible_session_condition(caller),
        scope.condition(branch.session_column, branch.sample_column),
    )
    if query.statuses is not None:
        if branch.status_column is None:
            return None
        statement = statement.where(branch.status_column.in_(query.statuses))
    if query.since is not None:
        statement = statement.where(branch.time_column >= query.since)
    if query.until is not None:
        statement = statement.where(branch.time_column < query.until)
    if query.samples is not None:
        statement = statement.where(branch.sample_column.in_(query.samples))
    if query.updated_since is not None:
        statement = statement.where(branch.updated_since(query.updated_since))
    if position is not None:
        statement = statement.where(_after(branch, rank, position, query.descending))
    order = (
        (branch.time_column.desc(), branch.id_column.desc())
        if query.descending
        else (branch.time_column.asc(), branch.id_column.asc())
    )
    return statement.order_by(*order).limit(n)


def list_events(*, db_session: Session, scope: Scope, params: ListParams, caller: Caller) -> Page:
    """A page of the scope's events (one UNION ALL statement, then the page's rows)."""
    query = _query_of(params)
    position = _decode_cursor(params.after, query) if params.after is not None else None
    wanted = params.limit + 1
    branches = [
        statement
        for statement in (
            _branch_statement(BRANCHES[name], query, scope, caller, position, wanted)
            for name in query.types
        )
        if statement is not None
    ]
    keys: list[tuple[Any, int, int]] = []
    if branches:
        parts = [select(*branch.subquery().c) for branch in branches]
        union = parts[0].union_all(*parts[1:]).subquery() if len(parts) > 1 else parts[0].subquery()
        direction = (lambda c: c.desc()) if query.descending else (lambda c: c.asc())
        statement = (
            select(union.c.event_time, union.c.kind, union.c.row_id)
            .order_by(
                direction(union.c.event_time), direction(union.c.kind), direction(union.c.row_id)
            )
            .limit(wanted)
        )
        keys = [(_as_datetime(t), int(k), int(i)) for t, k, i in db_session.execute(statement)]
    more = len(keys) > params.limit
    keys = keys[: params.limit]
    events = _load(db_session, keys)
    return Page(
        total=None,
        limit=params.limit,
        offset=0,
        results=events,
        after=params.after,
        next_after=_encode_cursor(query, keys[-1]) if more else None,
    )


def _as_datetime(value: Any) -> dt.datetime | None:
    # A UNION's column is typed by its first branch: SQLite may answer the stored text.
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


# --- the page's rows -------------------------------------------------------------------------


def _first_thumbnail_image():
    """The first image of the sweep that has a thumbnail (a correlated subquery)."""
    return (
        select(Image.imageId)
        .where(
            Image.dataCollectionId == DataCollection.dataCollectionId,
            Image.jpegThumbnailFileFullPath.is_not(None),
        )
        .order_by(Image.imageNumber, Image.imageId)
        .limit(1)
        .correlate(DataCollection)
        .scalar_subquery()
    )


def _thumbnail_path(collection_id: int, image_id: int | None, snapshot: str | None) -> str | None:
    from ispyb_shared.app import service_prefix

    if image_id is not None:
        return f"{service_prefix('core')}/images/{image_id}/thumbnail"
    if snapshot:
        return f"{service_prefix('core')}/data-collections/{collection_id}/snapshots/1"
    return None


def _file_path(route: str, present: str | None) -> str | None:
    """The file route of a robot action's, energy scan's or XRF spectrum's image, when the
    row names a file (files/api.py serves it under the same visibility)."""
    from ispyb_shared.app import service_prefix

    return f"{service_prefix('core')}{route}" if present else None


def _robot_action_thumbnail(action: RobotAction) -> str | None:
    """The snapshot before the action, else the one after."""
    route = f"/robot-actions/{action.robotActionId}/snapshots"
    return _file_path(f"{route}/before", action.xtalSnapshotBefore) or _file_path(
        f"{route}/after", action.xtalSnapshotAfter
    )


def _collection_item(collection: DataCollection, experiment_type: str | None) -> dict[str, Any]:
    return {
        "dataCollectionNumber": collection.dataCollectionNumber,
        "experimentType": experiment_type,
        "imageDirectory": collection.imageDirectory,
        "imagePrefix": collection.imagePrefix,
        "numberOfImages": collection.numberOfImages,
        "axisStart": collection.axisStart,
        "axisRange": collection.axisRange,
        "exposureTime": collection.exposureTime,
        "wavelength": collection.wavelength,
        "resolution": collection.resolution,
        "transmission": collection.transmission,
        "comments": collection.comments,
    }


def _collection_title(collection: DataCollection, experiment_type: str | None) -> str:
    name = collection.imagePrefix or f"data collection {collection.dataCollectionId}"
    if collection.dataCollectionNumber is not None:
        name = f"{name}_{collection.dataCollectionNumber}"
    images = f" ({collection.numberOfImages} images)" if collection.numberOfImages else ""
    return f"{experiment_type or 'Data collection'} {name}{images}"


def _load_collections(db_session: Session, ids: list[int]) -> dict[int, Event]:
    rows = db_session.execute(
        select(
            DataCollection,
            DataCollectionGroup.sessionId,
            DataCollectionGroup.blSampleId,
            DataCollectionGroup.experimentType,
            BLSample.name,
            _first_thumbnail_image(),
        )
        .join(
            DataCollectionGroup,
            DataCollectionGroup.dataCollectionGroupId == DataCollection.dataCollectionGroupId,
        )
        .outerjoin(BLSample, BLSample.blSampleId == DataCollectionGroup.blSampleId)
        .where(DataCollection.dataCollectionId.in_(ids))
    )
    events = {}
    for collection, session_id, sample_id, experiment_type, sample_name, image_id in rows:
        events[collection.dataCollectionId] = Event(
            type=DATA_COLLECTION,
            id=collection.dataCollectionId,
            uuid=collection.uuid,
            startTime=collection.startTime,
            endTime=collection.endTime,
            status=collection.runStatus,
            sessionId=session_id,
            blSampleId=sample_id,
            sampleName=sample_name,
            dataCollectionGroupId=collection.dataCollectionGroupId,
            title=_collection_title(collection, experiment_type),
            thumbnailPath=_thumbnail_path(
                collection.dataCollectionId, image_id, collection.xtalSnapshotFullPath1
            ),
            item=_collection_item(collection, experiment_type),
        )
    if events:
        best = best_results(db_session, list(events))
        for collection_id, event in events.items():
            event.bestResult = best.get(collection_id)
    return events


def _load_groups(db_session: Session, ids: list[int]) -> dict[int, Event]:
    groups = db_session.execute(
        select(DataCollectionGroup, BLSample.name)
        .outerjoin(BLSample, BLSample.blSampleId == DataCollectionGroup.blSampleId)
        .where(DataCollectionGroup.dataCollectionGroupId.in_(ids))
    ).all()
    sweeps = db_session.execute(
        select(
            DataCollection.dataCollectionGroupId,
            DataCollection.dataCollectionId,
            DataCollection.numberOfImages,
            DataCollection.xtalSnapshotFullPath1,
            _first_thumbnail_image(),
        )
        .where(DataCollection.dataCollectionGroupId.in_(ids))
        .order_by(DataCollection.dataCollectionId)
    ).all()
    best = best_results(db_session, [row[1] for row in sweeps])
    of_group: dict[int, list[Any]] = {}
    for row in sweeps:
        of_group.setdefault(row[0], []).append(row)
    events = {}
    for group, sample_name in groups:
        members = of_group.get(group.dataCollectionGroupId, [])
        thumbnail = next(
            (
                path
                for path in (_thumbnail_path(row[1], row[4], row[3]) for row in members)
                if path is not None
            ),
            None,
        )
        images = sum(row[2] or 0 for row in members)
        events[group.dataCollectionGroupId] = Event(
            type=DATA_COLLECTION_GROUP,
            id=group.dataCollectionGroupId,
            uuid=group.uuid,
            startTime=group.startTime,
            endTime=group.endTime,
            sessionId=group.sessionId,
            blSampleId=group.blSampleId,
            sampleName=sample_name,
            dataCollectionGroupId=group.dataCollectionGroupId,
            title=f"{group.experimentType or 'Group'}: {len(members)} sweep"
            + ("" if len(members) == 1 else "s"),
            thumbnailPath=thumbnail,
            bestResult=best_summary([best[row[1]] for row in members if row[1] in best]),
            item={
                "experimentType": group.experimentType,
                "comments": group.comments,
                "dataCollections": [row[1] for row in members],
                "numberOfImages": images,
            },
        )
    return events


def _load_robot_actions(db_session: Session, ids: list[int]) -> dict[int, Event]:
    rows = db_session.execute(
        select(RobotAction, BLSample.name)
        .outerjoin(BLSample, BLSample.blSampleId == RobotAction.blsampleId)
        .where(RobotAction.robotActionId.in_(ids))
    )
    return {
        action.robotActionId: Event(
            type=ROBOT_ACTION,
            id=action.robotActionId,
            uuid=action.uuid,
            startTime=action.startTimestamp,
            endTime=action.endTimestamp,
            status=action.status,
            sessionId=action.blsessionId,
            blSampleId=action.blsampleId,
            sampleName=sample_name,
            thumbnailPath=_robot_action_thumbnail(action),
            title=" ".join(
                part
                for part in (
                    action.actionType or "Robot action",
                    sample_name or action.sampleBarcode,
                )
                if part
            ),
            item={
                "actionType": action.actionType,
                "message": action.message,
                "containerLocation": action.containerLocation,
                "dewarLocation": action.dewarLocation,
                "sampleBarcode": action.sampleBarcode,
            },
        )
        for action, sample_name in rows
    }


def _load_energy_scans(db_session: Session, ids: list[int]) -> dict[int, Event]:
    rows = db_session.execute(
        select(EnergyScan, BLSample.name)
        .outerjoin(BLSample, BLSample.blSampleId == EnergyScan.blSampleId)
        .where(EnergyScan.energyScanId.in_(ids))
    )
    return {
        scan.energyScanId: Event(
            type=ENERGY_SCAN,
            id=scan.energyScanId,
            uuid=scan.uuid,
            startTime=scan.startTime,
            endTime=scan.endTime,
            sessionId=scan.sessionId,
            blSampleId=scan.blSampleId,
            sampleName=sample_name,
            title=" ".join(part for part in ("Energy scan", scan.element, scan.edgeEnergy) if part),
            thumbnailPath=_file_path(
                f"/energy-scans/{scan.energyScanId}/image", scan.jpegChoochFileFullPath
            ),
            item={
                "element": scan.element,
                "edgeEnergy": scan.edgeEnergy,
                "peakEnergy": scan.peakEnergy,
                "inflectionEnergy": scan.inflectionEnergy,
                "exposureTime": scan.exposureTime,
                "transmissionFactor": scan.transmissionFactor,
                "comments": scan.comments,
            },
        )
        for scan, sample_name in rows
    }


def _load_xrf_spectra(db_session: Session, ids: list[int]) -> dict[int, Event]:
    rows = db_session.execute(
        select(XFEFluorescenceSpectrum, BLSample.name)
        .outerjoin(BLSample, BLSample.blSampleId == XFEFluorescenceSpectrum.blSampleId)
        .where(XFEFluorescenceSpectrum.xfeFluorescenceSpectrumId.in_(ids))
    )
    return {
        spectrum.xfeFluorescenceSpectrumId: Event(
            type=XRF_SPECTRUM,
            id=spectrum.xfeFluorescenceSpectrumId,
            uuid=spectrum.uuid,
            startTime=spectrum.startTime,
            endTime=spectrum.endTime,
            sessionId=spectrum.sessionId,
            blSampleId=spectrum.blSampleId,
            sampleName=sample_name,
            title="XRF spectrum"
            + (f" at {spectrum.energy:g} keV" if spectrum.energy is not None else ""),
            thumbnailPath=_file_path(
                f"/xrf-spectra/{spectrum.xfeFluorescenceSpectrumId}/image",
                spectrum.jpegScanFileFullPath,
            ),
            item={
                "energy": spectrum.energy,
                "exposureTime": spectrum.exposureTime,
                "beamTransmission": spectrum.beamTransmission,
                "filename": spectrum.filename,
                "comments": spectrum.comments,
            },
        )
        for spectrum, sample_name in rows
    }


def _load_screenings(db_session: Session, ids: list[int]) -> dict[int, Event]:
    statement = with_session(
        select(
            Screening,
            DataCollectionGroup.dataCollectionGroupId,
            DataCollectionGroup.sessionId,
            DataCollectionGroup.blSampleId,
            BLSample.name,
        ).select_from(Screening),
        Screening,
    ).outerjoin(BLSample, BLSample.blSampleId == DataCollectionGroup.blSampleId)
    rows = db_session.execute(statement.where(Screening.screeningId.in_(ids)))
    return {
        screening.screeningId: Event(
            type=SCREENING,
            id=screening.screeningId,
            uuid=screening.uuid,
            startTime=screening.bltimeStamp,
            sessionId=session_id,
            blSampleId=sample_id,
            sampleName=sample_name,
            dataCollectionGroupId=group_id,
            title="Screening"
            + (f" ({screening.programVersion})" if screening.programVersion else ""),
            item={
                "dataCollectionId": screening.dataCollectionId,
                "programVersion": screening.programVersion,
                "shortComments": screening.shortComments,
                "comments": screening.comments,
            },
        )
        for screening, group_id, session_id, sample_id, sample_name in rows
    }


_LOADERS = {
    DATA_COLLECTION: _load_collections,
    DATA_COLLECTION_GROUP: _load_groups,
    ROBOT_ACTION: _load_robot_actions,
    ENERGY_SCAN: _load_energy_scans,
    XRF_SPECTRUM: _load_xrf_spectra,
    SCREENING: _load_screenings,
}


def _load(db_session: Session, keys: list[tuple[Any, int, int]]) -> list[Event]:
    """The events of ``keys``, in their order: one statement per type on the page."""
    by_type: dict[str, list[int]] = {}
    for _time, rank, row_id in keys:
        by_type.setdefault(RANK_TYPE[rank], []).append(row_id)
    loaded = {name: _LOADERS[name](db_session, ids) for name, ids in by_type.items()}
    return [
        loaded[RANK_TYPE[rank]][row_id]
        for _time, rank, row_id in keys
        if row_id in loaded[RANK_TYPE[rank]]
    ]


# --- the processing status of sweeps ---------------------------------------------------------

MAX_STATUS_IDS = 200


def _status_refs(raw: str | None) -> tuple[list[str], list[int], list[str]]:
    """The refs of ``ids=`` (ids or UUIDs, comma-separated): as given, the ids, the UUIDs."""
    problem = None
    refs = [part.strip() for part in (raw or "").split(",") if part.strip()]
    if not refs:
        problem = "Give the data collections: ids or UUIDs, comma-separated."
    elif len(refs) > MAX_STATUS_IDS:
        problem = f"At most {MAX_STATUS_IDS} data collections per request (got {len(refs)})."
    ids, uuids = [], []
    for ref in refs if problem is None else ():
        if ref.isascii() and ref.isdigit() and len(ref) <= 18:
            ids.append(int(ref))
        elif parse_uuid(ref):
            uuids.append(parse_uuid(ref))
        else:
            problem = f"Not an id or a UUID: {ref[:40]!r}."
            break
    if problem is not None:
        raise InvalidParameter("Invalid query parameters.", {"ids": [problem]})
    return list(dict.fromkeys(refs)), ids, uuids


def processing_status(*, db_session: Session, ids: str | None, caller: Caller) -> dict[str, Any]:
    """The run status and processing counts of up to 200 sweeps, in two statements (the
    sweeps the caller sees, then their runs counted by program and outcome). Sweeps that
    do not exist or are not visible are listed in ``notFound``, as given."""
    refs, numbers, uuids = _status_refs(ids)
    sweeps = db_session.execute(
        select(
            DataCollection.dataCollectionId,
            DataCollection.uuid,
            DataCollection.runStatus,
            DataCollection.startTime,
            DataCollection.endTime,
        )
        .join(
            DataCollectionGroup,
            DataCollectionGroup.dataCollectionGroupId == DataCollection.dataCollectionGroupId,
        )
        .join(BLSession, BLSession.sessionId == DataCollectionGroup.sessionId)
        .where(
            visible_session_condition(caller),
            or_(DataCollection.dataCollectionId.in_(numbers), DataCollection.uuid.in_(uuids)),
        )
    ).all()
    by_ref: dict[str, dict[str, Any]] = {}
    answers: dict[int, dict[str, Any]] = {}
    for collection_id, uuid, run_status, start, end in sweeps:
        answer = {
            "dataCollectionId": collection_id,
            "uuid": uuid,
            "runStatus": run_status,
            "startTime": start,
            "endTime": end,
            "processing": {"running": 0, "success": 0, "failed": 0},
            "programs": [],
            "lastProcessingChange": None,
        }
        answers[collection_id] = answer
        by_ref[str(collection_id)] = answer
        by_ref[uuid] = answer
    if answers:
        last_change = func.max(
            func.coalesce(
                AutoProcProgram.processingEndTime,
                AutoProcProgram.processingStartTime,
                AutoProcProgram.recordTimeStamp,
            )
        )
        counted = db_session.execute(
            select(
                AutoProcIntegration.dataCollectionId,
                AutoProcProgram.processingPrograms,
                AutoProcProgram.processingStatus,
                func.count(AutoProcProgram.autoProcProgramId.distinct()),
                last_change,
            )
            .join(
                AutoProcProgram,
                AutoProcProgram.autoProcProgramId == AutoProcIntegration.autoProcProgramId,
            )
            .where(AutoProcIntegration.dataCollectionId.in_(list(answers)))
            .group_by(
                AutoProcIntegration.dataCollectionId,
                AutoProcProgram.processingPrograms,
                AutoProcProgram.processingStatus,
            )
            .order_by(AutoProcIntegration.dataCollectionId, AutoProcProgram.processingPrograms)
        )
        for collection_id, programs, succeeded, runs, changed in counted:
            answer = answers[collection_id]
            outcome = "running" if succeeded is None else ("success" if succeeded else "failed")
            answer["processing"][outcome] += runs
            kinds = answer["programs"]
            if not kinds or kinds[-1]["processingPrograms"] != programs:
                kinds.append(
                    {"processingPrograms": programs, "running": 0, "success": 0, "failed": 0}
                )
            kinds[-1][outcome] += runs
            changed = _as_datetime(changed)
            previous = answer["lastProcessingChange"]
            if changed is not None and (previous is None or changed > previous):
                answer["lastProcessingChange"] = changed
    results, missing, seen = [], [], set()
    for ref in refs:
        answer = by_ref.get(ref if ref.isdigit() else parse_uuid(ref) or ref)
        if answer is None:
            missing.append(ref)
        elif answer["dataCollectionId"] not in seen:
            seen.add(answer["dataCollectionId"])
            results.append(answer)
    return {"results": results, "notFound": missing}
