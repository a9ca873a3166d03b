from __future__ import annotations

import datetime
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, contains_eager, defaultload, joinedload

from ispyb_shared.auth import Caller
from ispyb_shared.crud import check_period, create_row, one_or_404, ref_condition, update_row
from ispyb_shared.errors import ApiError, Conflict, ValidationFailed
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, Search, paginate

from ..access import (
    PROCESSING_READ_SCOPES,
    require_acquisition_writer,
    sees_everything,
    session_condition,
)
from ..acquisition import sample_in_proposal, session_for_write
from ..processing.models import AutoProcIntegration, AutoProcProgram
from ..sessions.models import BLSession
from .models import (
    CANCELLED,
    REGISTERED,
    DataCollection,
    DataCollectionGroup,
    DataCollectionRegistration,
)


def updated_since(since) -> Any:
    """Sweeps changed at or after ``since``: started or ended then, or a processing run of
    theirs recorded, started or ended then. DataCollection has no update column: these
    are the best proxy ISPyB has (docs/timeline.md, "updatedSince")."""
    processed = (
        select(AutoProcIntegration.autoProcIntegrationId)
        .join(
            AutoProcProgram,
            AutoProcProgram.autoProcProgramId == AutoProcIntegration.autoProcProgramId,
        )
        .where(
            AutoProcIntegration.dataCollectionId == DataCollection.dataCollectionId,
            or_(
                AutoProcProgram.recordTimeStamp >= since,
                AutoProcProgram.processingStartTime >= since,
                AutoProcProgram.processingEndTime >= since,
            ),
        )
        .exists()
    )
    return or_(DataCollection.startTime >= since, DataCollection.endTime >= since, processed)


def group_updated_since(since) -> Any:
    """Groups changed at or after ``since``: the group's or one of its sweeps' start or
    end then."""
    sweep_changed = (
        select(DataCollection.dataCollectionId)
        .where(
            DataCollection.dataCollectionGroupId == DataCollectionGroup.dataCollectionGroupId,
            or_(DataCollection.startTime >= since, DataCollection.endTime >= since),
        )
        .exists()
    )
    return or_(
        DataCollectionGroup.startTime >= since, DataCollectionGroup.endTime >= since, sweep_changed
    )


GROUP_LIST_SPEC = ListSpec(
    filters={
        "sessionId": Filter(DataCollectionGroup.sessionId, ("eq", "in"), "Session id"),
        "proposalId": Filter(BLSession.proposalId, ("eq", "in"), "Proposal id"),
        "blSampleId": Filter(DataCollectionGroup.blSampleId, ("eq", "in"), "Sample id"),
        "experimentType": Filter(
            DataCollectionGroup.experimentType, ("eq", "in"), "Experiment type"
        ),
        "startTime": Filter(DataCollectionGroup.startTime, ("gt", "gte", "lt", "lte"), "Start"),
        "uuid": Filter(DataCollectionGroup.uuid, ("eq", "in"), "UUID"),
        "updatedSince": Filter(
            DataCollectionGroup.startTime,
            ("eq",),
            "Changed at or after (the group's or a sweep's start or end)",
            condition=lambda values: group_updated_since(values[0]),
        ),
    },
    sortable={
        "dataCollectionGroupId": DataCollectionGroup.dataCollectionGroupId,
        "startTime": DataCollectionGroup.startTime,
        "experimentType": DataCollectionGroup.experimentType,
    },
    default_sort=("-startTime",),
    tiebreak=(DataCollectionGroup.dataCollectionGroupId,),
)

LIST_SPEC = ListSpec(
    filters={
        "uuid": Filter(DataCollection.uuid, ("eq", "in"), "UUID (several: uuid.in=a,b)"),
        "dataCollectionGroupId": Filter(
            DataCollection.dataCollectionGroupId, ("eq", "in"), "Group id"
        ),
        "sessionId": Filter(DataCollectionGroup.sessionId, ("eq", "in"), "Session id"),
        "proposalId": Filter(BLSession.proposalId, ("eq", "in"), "Proposal id"),
        "blSampleId": Filter(DataCollectionGroup.blSampleId, ("eq", "in"), "Sample id"),
        "experimentType": Filter(
            DataCollectionGroup.experimentType, ("eq", "in"), "Experiment type of the group"
        ),
        "startTime": Filter(DataCollection.startTime, ("gt", "gte", "lt", "lte"), "Start"),
        "endTime": Filter(DataCollection.endTime, ("gt", "gte", "lt", "lte"), "End"),
        "runStatus": Filter(DataCollection.runStatus, ("eq", "in", "contains"), "Run status"),
        "imagePrefix": Filter(DataCollection.imagePrefix, ("eq", "contains"), "Image prefix"),
        "updatedSince": Filter(
            DataCollection.startTime,
            ("eq",),
            "Changed at or after (its start or end, or a processing run's record, start "
            "or end time)",
            condition=lambda values: updated_since(values[0]),
        ),
    },
    sortable={
        "dataCollectionId": DataCollection.dataCollectionId,
        "startTime": DataCollection.startTime,
        "dataCollectionNumber": DataCollection.dataCollectionNumber,
        "runStatus": DataCollection.runStatus,
    },
    default_sort=("startTime",),
    tiebreak=(DataCollection.dataCollectionId,),
    search=Search(
        key=DataCollection.dataCollectionId,
        columns=(
            DataCollection.imageDirectory,
            DataCollection.imagePrefix,
            DataCollection.fileTemplate,
            DataCollection.comments,
        ),
        description="image directory, image prefix, file template or comments",
    ),
)

PIPELINE_READ = PROCESSING_READ_SCOPES


# The group, session and proposal of a row always exist (non-null foreign keys): outer
# joins give the same rows as inner ones, but keep the database reading the big table
# first, in the order of the sort's index, and stopping at the page's end. With inner
# joins MariaDB may start from the small tables and sort every row of the join (a
# million at a facility) for each page. A filter on a joined table (a session, a
# proposal, a beamline) makes them inner joins again, and the plan starts there.
def _all_groups():
    """Groups with their session and proposal, in the same query."""
    return (
        select(DataCollectionGroup)
        .outerjoin(DataCollectionGroup.BLSession)
        .outerjoin(BLSession.Proposal)
        .options(contains_eager(DataCollectionGroup.BLSession).contains_eager(BLSession.Proposal))
    )


def _all_collections():
    """Sweeps with their group, session and proposal, in the same query."""
    return (
        select(DataCollection)
        .outerjoin(DataCollection.DataCollectionGroup)
        .outerjoin(DataCollectionGroup.BLSession)
        .outerjoin(BLSession.Proposal)
        .options(
            contains_eager(DataCollection.DataCollectionGroup)
            .contains_eager(DataCollectionGroup.BLSession)
            .contains_eager(BLSession.Proposal)
        )
    )


def visible_groups(caller: Caller):
    return _all_groups().where(session_condition(caller, PIPELINE_READ))


def visible_data_collections(caller: Caller):
    return _all_collections().where(session_condition(caller, PIPELINE_READ))


def list_groups(*, db_session: Session, params: ListParams, caller: Caller) -> Page:
    return paginate(db_session, visible_groups(caller), params, GROUP_LIST_SPEC)


def get_group(*, db_session: Session, ref: str, caller: Caller) -> DataCollectionGroup:
    """By id or UUID."""
    condition = ref_condition(
        ref,
        id_column=DataCollectionGroup.dataCollectionGroupId,
        uuid_column=DataCollectionGroup.uuid,
    )
    return one_or_404(
        db_session, visible_groups(caller).where(condition), "Data collection group", ref
    )


def list_data_collections(
    *, db_session: Session, params: ListParams, caller: Caller, expand: frozenset[str] = frozenset()
) -> Page:
    statement = visible_data_collections(caller)
    if "blSample" in expand:  # one more statement for the page's samples
        statement = statement.options(
            defaultload(DataCollection.DataCollectionGroup).selectinload(
                DataCollectionGroup.BLSample
            )
        )
    return paginate(
        db_session,
        statement,
        params,
        LIST_SPEC,
        count_from=_count_without_joins(params, caller),
    )


def _count_without_joins(params: ListParams, caller: Caller):
    """For a caller who sees every sweep and filters only on the sweep's own columns: the
    total counted on DataCollection's key alone (at a facility, a million index entries
    instead of a million four-table joins). Otherwise None: counted as listed."""
    own = DataCollection.__table__
    if not sees_everything(caller, PIPELINE_READ):
        return None
    if any(LIST_SPEC.filters[name].column.table is not own for name, _, _ in params.filters):
        return None
    return select(DataCollection.dataCollectionId)


def get_data_collection(*, db_session: Session, ref: str, caller: Caller) -> DataCollection:
    """By id or UUID."""
    condition = ref_condition(
        ref, id_column=DataCollection.dataCollectionId, uuid_column=DataCollection.uuid
    )
    return one_or_404(
        db_session, visible_data_collections(caller).where(condition), "Data collection", ref
    )


def any_data_collection(*, db_session: Session, ref: str) -> DataCollection:
    """By id or UUID, whoever can see it: for a pipeline client's write on it (the writer
    check on its beamline decides, as for collection_for_write)."""
    condition = ref_condition(
        ref, id_column=DataCollection.dataCollectionId, uuid_column=DataCollection.uuid
    )
    return one_or_404(db_session, _all_collections().where(condition), "Data collection", ref)


def _target_session(db_session: Session, session_id: Any) -> BLSession:
    """The session a new group goes into. Writers need not be able to read it (a beamline
    client has only the acquisition scope); the writer check decides."""
    if not isinstance(session_id, int):
        raise ValidationFailed("sessionId is required.", {"sessionId": ["Required."]})
    session = db_session.execute(
        select(BLSession).join(BLSession.Proposal).where(BLSession.sessionId == session_id)
    ).scalar_one_or_none()
    if session is None:
        raise ValidationFailed(
            "A referenced row does not exist.",
            {"sessionId": [f"No BLSession with sessionId {session_id}."]},
        )
    return session


def collection_for_write(
    db_session: Session, collection_id: Any, *, field: str = "dataCollectionId"
) -> DataCollection:
    """Any existing sweep, with its group, session and proposal, for a row written on it
    (images, screenings, grid scans): writers need not be able to read it, the writer
    check on its beamline decides. A 422 on ``field`` when there is none."""
    collection = (
        db_session.execute(
            _all_collections().where(DataCollection.dataCollectionId == collection_id)
        )
        .unique()
        .scalar_one_or_none()
    )
    if collection is None:
        raise ValidationFailed(
            "A referenced row does not exist.",
            {field: [f"No DataCollection with id {collection_id}."]},
        )
    return collection


def group_for_write(
    db_session: Session, group_id: Any, *, field: str = "dataCollectionGroupId"
) -> DataCollectionGroup:
    """Any existing group with its session and proposal, for a row written on it."""
    group = db_session.execute(
        _all_groups().where(DataCollectionGroup.dataCollectionGroupId == group_id)
    ).scalar_one_or_none()
    if group is None:
        raise ValidationFailed(
            "A referenced row does not exist.",
            {field: [f"No DataCollectionGroup with id {group_id}."]},
        )
    return group


def create_group(
    *, db_session: Session, data: dict[str, Any], caller: Caller
) -> DataCollectionGroup:
    session = _target_session(db_session, data.get("sessionId"))
    require_acquisition_writer(
        caller, beamline=session.beamLineName, action="create data collection groups"
    )
    check_period(data, start="startTime", end="endTime")
    group = create_row(db_session, DataCollectionGroup, data)
    return _reload_group(db_session, group)


def update_group(
    *, db_session: Session, group: DataCollectionGroup, data: dict[str, Any], caller: Caller
) -> DataCollectionGroup:
    require_acquisition_writer(
        caller, beamline=group.BLSession.beamLineName, action="change data collection groups"
    )
    if "sessionId" in data and data["sessionId"] != group.sessionId:
        raise Conflict(
            "A group cannot move to another session.",
            {"sessionId": ["Cannot be changed."]},
        )
    check_period(data, start="startTime", end="endTime", current=group)
    update_row(db_session, group, data)
    return _reload_group(db_session, group)


def delete_group(*, db_session: Session, group: DataCollectionGroup, caller: Caller) -> None:
    """Only an empty group: the SSX service removes what it created when a registration
    fails half-way."""
    require_acquisition_writer(
        caller, beamline=group.BLSession.beamLineName, action="delete data collection groups"
    )
    has_sweeps = db_session.execute(
        select(exists().where(DataCollection.dataCollectionGroupId == group.dataCollectionGroupId))
    ).scalar()
    if has_sweeps:
        raise Conflict("The group still has data collections; delete them first.")
    db_session.delete(group)
    db_session.flush()


def _group_for_new_sweep(db_session: Session, group_id: Any) -> DataCollectionGroup:
    group = db_session.execute(
        _all_groups().where(DataCollectionGroup.dataCollectionGroupId == group_id)
    ).scalar_one_or_none()
    if group is None:
        raise ValidationFailed(
            "A referenced row does not exist.",
            {"dataCollectionGroupId": [f"No DataCollectionGroup with id {group_id}."]},
        )
    return group


_NEW_GROUP_FIELDS = ("session", "sample", "experimentType", "dataCollectionGroup")


def create_data_collection(
    *, db_session: Session, data: dict[str, Any], caller: Caller
) -> DataCollection:
    """A sweep in the group ``dataCollectionGroupId``, or in a group created with it in the
    same transaction from ``session``, ``sample``, ``experimentType`` and
    ``dataCollectionGroup`` (one call per acquisition)."""
    data = dict(data)
    new_group = {name: data.pop(name) for name in _NEW_GROUP_FIELDS if name in data}
    if data.get("dataCollectionGroupId") is not None:
        if new_group:
            raise ValidationFailed(
                "The group exists: its session, sample and fields are its own.",
                {name: ["Not allowed with dataCollectionGroupId."] for name in new_group},
            )
        group = _group_for_new_sweep(db_session, data["dataCollectionGroupId"])
        require_acquisition_writer(
            caller, beamline=group.BLSession.beamLineName, action="create data collections"
        )
        check_period(data, start="startTime", end="endTime")
    else:
        if new_group.get("session") is None:
            raise ValidationFailed(
                "Name the group of the data collection.",
                {
                    "dataCollectionGroupId": ["Required without session."],
                    "session": ["Required without dataCollectionGroupId."],
                },
            )
        check_period(data, start="startTime", end="endTime")
        group = _new_group_for_sweep(db_session, new_group, caller=caller)
    # ISPyB's legacy copies of the group's session and sample, kept in step for the
    # programs that still read them.
    values = {
        **data,
        "dataCollectionGroupId": group.dataCollectionGroupId,
        "SESSIONID": group.sessionId,
        "BLSAMPLEID": group.blSampleId,
    }
    collection = create_row(db_session, DataCollection, values)
    return _reload(db_session, collection)


def _new_group_for_sweep(
    db_session: Session, new_group: dict[str, Any], *, caller: Caller
) -> DataCollectionGroup:
    session = session_for_write(
        db_session,
        new_group["session"],
        field="session",
        caller=caller,
        action="create data collections",
    )
    if new_group.get("experimentType") is None:
        raise ValidationFailed(
            "experimentType is required with session.",
            {"experimentType": ["Required when the group is created."]},
        )
    fields = dict(new_group.get("dataCollectionGroup") or {})
    try:
        check_period(fields, start="startTime", end="endTime")
    except ApiError as exc:
        raise _prefixed(exc, "dataCollectionGroup") from None
    if new_group.get("sample") is not None:
        sample = sample_in_proposal(
            db_session, new_group["sample"], proposal_id=session.proposalId, field="sample"
        )
        fields["blSampleId"] = sample.blSampleId
    fields.update(sessionId=session.sessionId, experimentType=new_group["experimentType"])
    group = create_row(db_session, DataCollectionGroup, fields)
    return _reload_group(db_session, group)


def update_data_collection(
    *, db_session: Session, collection: DataCollection, data: dict[str, Any], caller: Caller
) -> DataCollection:
    session = collection.DataCollectionGroup.BLSession
    require_acquisition_writer(
        caller, beamline=session.beamLineName, action="change data collections"
    )
    if "dataCollectionGroupId" in data and (
        data["dataCollectionGroupId"] != collection.dataCollectionGroupId
    ):
        raise Conflict(
            "A data collection cannot move to another group.",
            {"dataCollectionGroupId": ["Cannot be changed."]},
        )
    check_period(data, start="startTime", end="endTime", current=collection)
    update_row(db_session, collection, data)
    return _reload(db_session, collection)


def delete_data_collection(
    *, db_session: Session, collection: DataCollection, caller: Caller
) -> None:
    """Only one without processing results (compensation of a failed registration)."""
    session = collection.DataCollectionGroup.BLSession
    require_acquisition_writer(
        caller, beamline=session.beamLineName, action="delete data collections"
    )
    processed = db_session.execute(
        select(exists().where(AutoProcIntegration.dataCollectionId == collection.dataCollectionId))
    ).scalar()
    if processed:
        raise Conflict("The data collection has processing results and cannot be deleted.")
    db_session.delete(collection)
    db_session.flush()


def _reload(db_session: Session, collection: DataCollection) -> DataCollection:
    statement = _all_collections().where(
        DataCollection.dataCollectionId == collection.dataCollectionId
    )
    return db_session.execute(statement.execution_options(populate_existing=True)).scalar_one()


def _reload_group(db_session: Session, group: DataCollectionGroup) -> DataCollectionGroup:
    statement = _all_groups().where(
        DataCollectionGroup.dataCollectionGroupId == group.dataCollectionGroupId
    )
    return db_session.execute(statement.execution_options(populate_existing=True)).scalar_one()


# --- registration in one idempotent call (DataCollectionRegistration) ----------------------

REGISTRATION_KEY = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def _check_key(key: str) -> None:
    if not REGISTRATION_KEY.fullmatch(key):
        raise ValidationFailed(
            "Invalid registration key.",
            {"key": ["1 to 64 characters: letters, digits, '.', '_', ':' or '-'."]},
        )


def request_hash(data: dict[str, Any]) -> str:
    """SHA-256 of a validated body: two bodies meaning the same thing hash the same."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _registration(db_session: Session, key: str) -> DataCollectionRegistration | None:
    statement = (
        select(DataCollectionRegistration)
        .where(DataCollectionRegistration.registrationKey == key)
        .options(
            joinedload(DataCollectionRegistration.DataCollectionGroup)
            .joinedload(DataCollectionGroup.BLSession)
            .joinedload(BLSession.Proposal),
            joinedload(DataCollectionRegistration.DataCollection)
            .joinedload(DataCollection.DataCollectionGroup)
            .joinedload(DataCollectionGroup.BLSession)
            .joinedload(BLSession.Proposal),
        )
        .execution_options(populate_existing=True)
    )
    return db_session.execute(statement).unique().scalar_one_or_none()


def _prefixed(exc: ApiError, prefix: str) -> ApiError:
    """An error about the group or the sweep, its fields named within the body."""
    if isinstance(exc.details, dict):
        exc.details = {f"{prefix}.{field}": messages for field, messages in exc.details.items()}
    return exc


@dataclass
class Registered:
    registration: DataCollectionRegistration
    created: bool


def register_data_collection(
    *, db_session: Session, key: str, data: dict[str, Any], caller: Caller
) -> Registered:
    """Create a group and its data collection under ``key``, or return those created
    under it before when the body is the same (``created`` False). A cancelled key is a
    409; the same key with another body a 422. Acquisition writers only."""
    _check_key(key)
    digest = request_hash(data)
    existing = _registration(db_session, key)
    if existing is not None:
        if existing.status == CANCELLED:
            raise Conflict(
                f"Registration {key} was cancelled; nothing was created. Use a new key.",
                {"key": ["Cancelled."]},
            )
        if existing.requestHash != digest:
            raise ValidationFailed(
                f"Registration {key} was made with another body.",
                {"key": ["Already used for another data collection."]},
            )
        collection = existing.DataCollection
        if collection is None or existing.DataCollectionGroup is None:
            raise Conflict(
                f"The data collection of registration {key} no longer exists.",
                {"key": ["Its rows were deleted."]},
            )
        require_acquisition_writer(
            caller,
            beamline=collection.DataCollectionGroup.BLSession.beamLineName,
            action="register data collections",
        )
        return Registered(existing, created=False)
    try:
        group = create_group(db_session=db_session, data=data["dataCollectionGroup"], caller=caller)
    except ApiError as exc:
        raise _prefixed(exc, "dataCollectionGroup") from None
    try:
        collection = create_data_collection(
            db_session=db_session,
            data={**data["dataCollection"], "dataCollectionGroupId": group.dataCollectionGroupId},
            caller=caller,
        )
    except ApiError as exc:
        raise _prefixed(exc, "dataCollection") from None
    db_session.add(
        DataCollectionRegistration(
            registrationKey=key,
            status=REGISTERED,
            requestHash=digest,
            dataCollectionGroupId=group.dataCollectionGroupId,
            dataCollectionId=collection.dataCollectionId,
            requestedBy=caller.subject,
            createdAt=_now(),
        )
    )
    # A twin request with the same key that got here first makes this flush fail on the
    # unique key: the whole transaction (group and sweep included) is rolled back.
    db_session.flush()
    return Registered(_registration(db_session, key), created=True)


def cancel_registration(
    *, db_session: Session, key: str, caller: Caller
) -> DataCollectionRegistration:
    """Remove what was registered under ``key`` and keep the key cancelled, so that a
    registration arriving later (delayed in the network) creates nothing. Idempotent; an
    unknown key is cancelled in advance. A data collection with processing results is a
    409 (nothing is removed)."""
    _check_key(key)
    existing = _registration(db_session, key)
    if existing is None:
        require_acquisition_writer(
            caller, beamline=None, action="cancel data collection registrations"
        )
        tombstone = DataCollectionRegistration(
            registrationKey=key,
            status=CANCELLED,
            requestedBy=caller.subject,
            createdAt=_now(),
            cancelledAt=_now(),
        )
        db_session.add(tombstone)
        db_session.flush()
        return _registration(db_session, key)
    if existing.status == CANCELLED:
        return existing
    group = existing.DataCollectionGroup
    collection = existing.DataCollection
    beamline = group.BLSession.beamLineName if group is not None else None
    require_acquisition_writer(
        caller, beamline=beamline, action="cancel data collection registrations"
    )
    if collection is not None:
        delete_data_collection(db_session=db_session, collection=collection, caller=caller)
    if group is not None:
        others = db_session.execute(
            select(
                exists().where(DataCollection.dataCollectionGroupId == group.dataCollectionGroupId)
            )
        ).scalar()
        if not others:
            db_session.delete(group)
    existing.status = CANCELLED
    existing.dataCollectionGroupId = None
    existing.dataCollectionId = None
    existing.requestedBy = caller.subject
    existing.cancelledAt = _now()
    db_session.flush()
    return _registration(db_session, key)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
