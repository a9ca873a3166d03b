from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from ispyb_shared.auth import Caller, Forbidden, login_matches
from ispyb_shared.crud import one_or_404, ref_condition, update_row
from ispyb_shared.errors import Conflict, NotFound, ValidationFailed
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate

from ..access import ACQUISITION_WRITE_SCOPE, proposal_id_condition, sees_everything
from ..acquisition import session_for_write
from ..containers.models import Container
from ..containers.service import CONTAINER_PROPOSAL_ID, ContainerSession
from ..dewars.models import Dewar
from ..persons.models import Person
from ..samples.models import BLSample
from ..sessions.models import BLSession
from ..sessions.service import get_session
from .models import ContainerQueue, ContainerQueueSample

LIST_SPEC = ListSpec(
    filters={
        "uuid": Filter(ContainerQueue.uuid, ("eq", "in"), "UUID"),
        "containerId": Filter(ContainerQueue.containerId, ("eq", "in"), "Container id"),
        "personId": Filter(ContainerQueue.personId, ("eq", "in"), "Who queued"),
        "createdTimeStamp": Filter(
            ContainerQueue.createdTimeStamp, ("gt", "gte", "lt", "lte"), "When queued"
        ),
    },
    sortable={
        "containerQueueId": ContainerQueue.containerQueueId,
        "createdTimeStamp": ContainerQueue.createdTimeStamp,
    },
    default_sort=("containerQueueId",),
    tiebreak=(ContainerQueue.containerQueueId,),
)


def _containers_with_proposal(columns):
    return (
        select(*columns)
        .select_from(Container)
        .outerjoin(Container.Dewar)
        .outerjoin(Dewar.Shipping)
        .outerjoin(ContainerSession, Container.BLSession)
    )


def _visible_container_ids(caller: Caller):
    return _containers_with_proposal([Container.containerId]).where(
        proposal_id_condition(caller, CONTAINER_PROPOSAL_ID)
    )


def visible_queues(caller: Caller):
    statement = select(ContainerQueue).options(selectinload(ContainerQueue.ContainerQueueSample))
    if sees_everything(caller):
        return statement
    return statement.where(ContainerQueue.containerId.in_(_visible_container_ids(caller)))


def list_queues(*, db_session: Session, params: ListParams, caller: Caller) -> Page:
    return paginate(db_session, visible_queues(caller), params, LIST_SPEC)


def get_queue(*, db_session: Session, ref: str, caller: Caller) -> ContainerQueue:
    condition = ref_condition(
        ref, id_column=ContainerQueue.containerQueueId, uuid_column=ContainerQueue.uuid
    )
    return one_or_404(db_session, visible_queues(caller).where(condition), "Container queue", ref)


def get_queue_sample(*, db_session: Session, ref: str, caller: Caller) -> ContainerQueueSample:
    condition = ref_condition(
        ref,
        id_column=ContainerQueueSample.containerQueueSampleId,
        uuid_column=ContainerQueueSample.uuid,
    )
    statement = (
        select(ContainerQueueSample)
        .join(
            ContainerQueue, ContainerQueue.containerQueueId == ContainerQueueSample.containerQueueId
        )
        .where(condition)
    )
    if not sees_everything(caller):
        statement = statement.where(ContainerQueue.containerId.in_(_visible_container_ids(caller)))
    return one_or_404(db_session, statement, "Queued sample", ref)


def _require_queue_writer(caller: Caller) -> None:
    """Those who see a container queue it (users through their proposal, staff); a client
    needs the acquisition scope."""
    if caller.kind == "client" and not caller.has_scope(ACQUISITION_WRITE_SCOPE):
        raise Forbidden(f"A client needs the {ACQUISITION_WRITE_SCOPE} scope to queue containers.")


def _container_for_queue(db_session: Session, container_id: Any, caller: Caller) -> Container:
    statement = select(Container).where(Container.containerId == container_id)
    if caller.kind != "client":
        statement = statement.where(Container.containerId.in_(_visible_container_ids(caller)))
    container = db_session.execute(statement).scalar_one_or_none()
    if container is None:
        raise ValidationFailed(
            "A referenced row does not exist.",
            {"containerId": [f"No container {container_id} you can see."]},
        )
    return container


def create_queue(*, db_session: Session, data: dict[str, Any], caller: Caller) -> ContainerQueue:
    _require_queue_writer(caller)
    data = dict(data)
    samples = data.pop("samples", [])
    container = _container_for_queue(db_session, data["containerId"], caller)
    pending = db_session.execute(
        select(ContainerQueue.containerQueueId).where(
            ContainerQueue.containerId == container.containerId,
            ContainerQueue.completedTimeStamp.is_(None),
        )
    ).first()
    if pending is not None:
        raise Conflict(
            "The container is already queued.",
            {"containerId": [f"Queued in container queue {pending[0]}, not completed."]},
        )
    in_container = set(
        db_session.execute(
            select(BLSample.blSampleId).where(BLSample.containerId == container.containerId)
        ).scalars()
    )
    problems = {
        f"samples[{index}].blSampleId": [f"Not a sample of container {container.containerId}."]
        for index, sample in enumerate(samples)
        if sample["blSampleId"] not in in_container
    }
    if problems:
        raise ValidationFailed("A queued sample is not in the container.", problems)
    if data.get("personId") is None and caller.kind == "user":
        data["personId"] = db_session.execute(
            select(Person.personId).where(login_matches(Person.login, caller.subject))
        ).scalar()
    queue = ContainerQueue(
        **data, ContainerQueueSample=[ContainerQueueSample(**sample) for sample in samples]
    )
    db_session.add(queue)
    db_session.flush()
    return _reload(db_session, queue)


def update_queue(
    *, db_session: Session, queue: ContainerQueue, data: dict[str, Any], caller: Caller
) -> ContainerQueue:
    _require_queue_writer(caller)
    update_row(db_session, queue, data)
    return _reload(db_session, queue)


def update_queue_sample(
    *, db_session: Session, item: ContainerQueueSample, data: dict[str, Any], caller: Caller
) -> ContainerQueueSample:
    _require_queue_writer(caller)
    update_row(db_session, item, data)
    return item


def _reload(db_session: Session, queue: ContainerQueue) -> ContainerQueue:
    statement = (
        select(ContainerQueue)
        .where(ContainerQueue.containerQueueId == queue.containerQueueId)
        .options(selectinload(ContainerQueue.ContainerQueueSample))
        .execution_options(populate_existing=True)
    )
    return db_session.execute(statement).scalar_one()


# --- the session's view of the sample changer ---------------------------------------------


def _view(db_session: Session, session: BLSession) -> dict[str, Any]:
    containers = (
        db_session.execute(
            select(Container)
            .where(
                Container.sessionId == session.sessionId,
                Container.sampleChangerLocation.is_not(None),
            )
            .options(selectinload(Container.samples))
            .order_by(Container.sampleChangerLocation, Container.containerId)
        )
        .scalars()
        .all()
    )
    return {
        "sessionId": session.sessionId,
        "visit": session.visit,
        "beamLineName": session.beamLineName,
        "containers": containers,
    }


def sample_changer(*, db_session: Session, ref: str, caller: Caller) -> dict[str, Any]:
    """The containers of the session in its beamline's sample changer, with their samples."""
    return _view(db_session, get_session(db_session=db_session, ref=ref, caller=caller))


def place_containers(
    *, db_session: Session, ref: str, data: dict[str, Any], caller: Caller
) -> dict[str, Any]:
    """Record where containers of the session's proposal are in the sample changer (null:
    taken out). A position holds one container: one the request moves into an occupied
    position displaces the container that was there."""
    try:
        session = session_for_write(
            db_session, ref, field="ref", caller=caller, action="place containers"
        )
    except ValidationFailed:
        raise NotFound(f"Session {ref} does not exist.", {"ref": [ref]}) from None
    wanted = {item["containerId"]: item["sampleChangerLocation"] for item in data["containers"]}
    problems: dict[str, list[str]] = {}
    seen: dict[str, int] = {}
    for index, item in enumerate(data["containers"]):
        location = item["sampleChangerLocation"]
        if location is not None and location in seen:
            problems[f"containers[{index}].sampleChangerLocation"] = [
                f"Container {seen[location]} is placed there too."
            ]
        seen.setdefault(location, item["containerId"])
    found = dict(
        db_session.execute(
            _containers_with_proposal([Container.containerId, CONTAINER_PROPOSAL_ID]).where(
                Container.containerId.in_(list(wanted))
            )
        ).all()
    )
    for index, item in enumerate(data["containers"]):
        if found.get(item["containerId"], -1) != session.proposalId:
            problems[f"containers[{index}].containerId"] = [
                f"No container {item['containerId']} in the session's proposal."
            ]
    if problems:
        raise ValidationFailed("Some containers cannot be placed.", problems)
    now = datetime.datetime.now().replace(microsecond=0)
    occupied = [location for location in wanted.values() if location is not None]
    if occupied:
        db_session.execute(
            update(Container)
            .where(
                Container.beamlineLocation == session.beamLineName,
                Container.sampleChangerLocation.in_(occupied),
                Container.containerId.not_in(list(wanted)),
            )
            .values(sampleChangerLocation=None, scLocationUpdated=now)
        )
    for container_id, location in wanted.items():
        db_session.execute(
            update(Container)
            .where(Container.containerId == container_id)
            .values(
                sampleChangerLocation=location,
                sessionId=session.sessionId,
                beamlineLocation=session.beamLineName,
                scLocationUpdated=now,
            )
        )
    return _view(db_session, session)
