"""SSX runs: registration, reading, a session's runs. Rules: docs/ssx.md; who may do what:
docs/authorization.md.

Every run extends one core DataCollection; core decides who may see it, asked with the
caller's token (core.py). A registration writes to core and to ssx's database, so it is
done in an order that survives a failure at any step (docs/ssx.md, "How a registration
stays consistent"):

1. the core rows the body names are looked up (nothing is written yet);
2. an SSXRegistrationAttempt is committed, under a new key: the UUID the run will have;
3. core creates the group and the data collection in one idempotent call under that key
   (retried once by key when core's answer is lost: a retry returns the same rows);
4. the run's rows are written, and the attempt removed, in one local transaction.

When 3 or 4 fails, core is asked to undo the key, which it does whether the rows exist,
are still on their way, or never came (a key undone first cannot be registered later).
An undo that fails leaves the attempt in the table, and the retry loop (recovery.py)
sends it again, at start-up too, until core confirms. The answer says which happened.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any, NoReturn

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, contains_eager, lazyload, selectinload

from ispyb_shared.auth import Caller
from ispyb_shared.core_client import CoreUnavailable, Credentials
from ispyb_shared.errors import ApiError, NotFound, ServiceUnavailable, ValidationFailed
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate
from ispyb_shared.uuids import new_uuid, parse_uuid

from ..access import require_writer
from ..components.models import ComponentType, CrystalComposition, SampleComposition
from ..components.service import find_or_add_component, proposal_of, unit_ids
from ..core import SSXCoreClient
from ..results.models import SSXProcessingResult
from ..results.service import results_of
from .models import (
    STARTED,
    UNDOING,
    Event,
    EventChain,
    EventType,
    SSXDataCollection,
    SSXRegistrationAttempt,
)
from .schemas import RUN_FIELDS

log = logging.getLogger(__name__)


# --- what the service returns ---------------------------------------------------------------


@dataclass
class RunView:
    """A run and its core data collection as the caller sees it; reads through to the run
    (the Read schemas dump it like the row)."""

    run: SSXDataCollection
    collection: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.run, name)


@dataclass
class RunDetail(RunView):
    chains: list[EventChain] = field(default_factory=list)
    sample_compositions: list[SampleComposition] = field(default_factory=list)
    results: list[SSXProcessingResult] = field(default_factory=list)


@dataclass
class SessionRun(RunView):
    sampleName: str | None = None


@dataclass
class Registered:
    run: SSXDataCollection
    created: bool


class RegistrationUndoPending(ServiceUnavailable):
    """The run was not registered, and core could not be told yet to undo what it may have
    created for it: ssx keeps trying (recovery.py)."""


class UndoneMeanwhile(Exception):
    """The retry loop took the registration over (it looked abandoned) and undoes it."""


# --- reading --------------------------------------------------------------------------------


def find_run(*, db_session: Session, ref: str) -> SSXDataCollection:
    uuid = parse_uuid(ref)
    run = None
    if uuid:
        run = db_session.scalars(
            select(SSXDataCollection).where(SSXDataCollection.uuid == uuid)
        ).first()
    if run is None:
        raise NotFound(f"SSX run {ref} does not exist.", {"ref": [ref]})
    return run


def get_run(
    *, db_session: Session, ref: str, core: SSXCoreClient, credentials: Credentials
) -> RunView:
    """The run and its core data collection; 404 when either is missing or invisible."""
    run = find_run(db_session=db_session, ref=ref)
    collection = core.data_collections([run.dataCollectionUUID], credentials).get(
        run.dataCollectionUUID
    )
    if collection is None:
        raise NotFound(f"SSX run {ref} does not exist.", {"ref": [ref]})
    return RunView(run, collection)


def describe_run(*, db_session: Session, view: RunView) -> RunDetail:
    """The run with its event chains (events by offset), its sample's composition and
    its results, oldest first."""
    run = view.run
    chains = db_session.scalars(
        select(EventChain)
        .where(EventChain.ssxDataCollectionId == run.ssxDataCollectionId)
        .options(selectinload(EventChain.Events))
        .order_by(EventChain.eventChainId)
    ).all()
    compositions = (
        db_session.scalars(
            select(SampleComposition)
            .where(SampleComposition.blSampleUUID == run.blSampleUUID)
            .order_by(SampleComposition.sampleCompositionId)
        ).all()
        if run.blSampleUUID
        else []
    )
    return RunDetail(
        run,
        view.collection,
        chains=list(chains),
        sample_compositions=list(compositions),
        results=results_of(db_session=db_session, run=run),
    )


SESSION_RUN_SPEC = ListSpec(
    filters={
        "experimentType": Filter(SSXDataCollection.experimentType, ("eq", "in"), "SSX-Chip/-Jet"),
        "clientRequestId": Filter(SSXDataCollection.clientRequestId, ("eq", "in"), "Client id"),
    },
    sortable={
        "ssxDataCollectionId": SSXDataCollection.ssxDataCollectionId,
        "recordTimeStamp": SSXDataCollection.recordTimeStamp,
    },
    default_sort=("ssxDataCollectionId",),
    tiebreak=(SSXDataCollection.ssxDataCollectionId,),
)


def _runs_with_latest_result():
    """Runs, each with its latest result (or none) in the same query."""
    other = aliased(SSXProcessingResult)
    latest_id = (
        select(func.max(other.ssxProcessingResultId))
        .where(other.ssxDataCollectionId == SSXDataCollection.ssxDataCollectionId)
        .scalar_subquery()
    )
    return (
        select(SSXDataCollection)
        .outerjoin(
            SSXProcessingResult,
            and_(
                SSXProcessingResult.ssxDataCollectionId == SSXDataCollection.ssxDataCollectionId,
                SSXProcessingResult.ssxProcessingResultId == latest_id,
            ),
        )
        .options(
            contains_eager(SSXDataCollection.LatestResult).options(
                lazyload(SSXProcessingResult.Attachments)
            )
        )
    )


def session_runs(
    *,
    db_session: Session,
    ref: str,
    params: ListParams,
    core: SSXCoreClient,
    credentials: Credentials,
) -> Page:
    """A page of a session's runs with their latest result, enriched from core: 2 SQL
    queries and at most 3 calls to core (the session, the data collections by uuid.in,
    the proposal's samples when a run has one) whatever the page size. Runs whose data
    collection core no longer has are left out."""
    session = core.session(ref, credentials)
    if session is None:
        raise NotFound(f"Session {ref} does not exist.", {"ref": [ref]})
    statement = _runs_with_latest_result().where(
        SSXDataCollection.sessionUUID == parse_uuid(session["uuid"])
    )
    page = paginate(db_session, statement, params, SESSION_RUN_SPEC)
    runs: list[SSXDataCollection] = page.results
    collections = (
        core.data_collections([run.dataCollectionUUID for run in runs], credentials) if runs else {}
    )
    names: dict[str, Any] = {}
    if any(run.blSampleUUID for run in runs):
        samples = core.samples_of_proposal(session["proposalId"], credentials)
        names = {parse_uuid(s["uuid"]): s.get("name") for s in samples if "uuid" in s}
    shown = [
        SessionRun(run, collections[run.dataCollectionUUID], sampleName=names.get(run.blSampleUUID))
        for run in runs
        if run.dataCollectionUUID in collections
    ]
    return Page(
        total=page.total - (len(runs) - len(shown)),
        limit=page.limit,
        offset=page.offset,
        results=shown,
    )


# --- registration ---------------------------------------------------------------------------


def find_by_request_key(
    *, db_session: Session, caller: Caller, key: str
) -> SSXDataCollection | None:
    return db_session.scalars(
        select(SSXDataCollection).where(
            SSXDataCollection.requestedBy == caller.subject,
            SSXDataCollection.clientRequestId == key,
        )
    ).first()


@dataclass
class _References:
    session: dict
    sample_uuid: str | None
    sample: dict | None


def _check_references(data: dict, core: SSXCoreClient, credentials: Credentials) -> _References:
    """The session and every sample and crystal named must be visible to the caller and
    of the session's proposal (422 naming the field otherwise). Nothing is written."""
    session = core.session(data["session"], credentials)
    if session is None:
        raise ValidationFailed(
            "The session does not exist or is not visible to the caller.",
            {"session": [f"No visible session {data['session']!r}."]},
        )
    proposal_id = session.get("proposalId")
    details: dict[str, list[str]] = {}
    sample_uuid = str(data["blSampleUUID"]) if data.get("blSampleUUID") else None
    samples: dict[str, dict | None] = {}

    def check_sample(uuid: str, name: str) -> dict | None:
        if uuid not in samples:
            samples[uuid] = core.sample(uuid, credentials)
        record = samples[uuid]
        if record is None:
            details[name] = ["No such sample visible to the caller."]
        elif proposal_of(record) is not None and proposal_of(record) != proposal_id:
            details[name] = ["The sample belongs to another proposal than the session."]
        return record

    sample = check_sample(sample_uuid, "blSampleUUID") if sample_uuid else None
    for index, item in enumerate(data["sampleComposition"]):
        uuid = str(item["blSampleUUID"]) if item.get("blSampleUUID") else sample_uuid
        if uuid is None:
            details[f"sampleComposition[{index}].blSampleUUID"] = ["No sample given for the run."]
        else:
            check_sample(uuid, f"sampleComposition[{index}].blSampleUUID")
    for index, item in enumerate(data["crystalComposition"]):
        crystal = core.crystal(str(item["crystalUUID"]), credentials)
        name = f"crystalComposition[{index}].crystalUUID"
        if crystal is None:
            details[name] = ["No such crystal visible to the caller."]
        elif proposal_of(crystal) is not None and proposal_of(crystal) != proposal_id:
            details[name] = ["The crystal belongs to another proposal than the session."]
    if details:
        raise ValidationFailed("A referenced core row is missing or not usable.", details)
    return _References(session, sample_uuid, sample)


def core_registration_body(data: dict, references: _References) -> dict:
    """The body of core's registration: the group (SSX-Chip/-Jet, in the session, with the
    sample) and the data collection (the acquisition)."""
    acquisition = dict(data["acquisition"])
    for key in ("startTime", "endTime"):
        if acquisition.get(key) is not None:
            acquisition[key] = acquisition[key].isoformat()
    group = {
        "sessionId": references.session["sessionId"],
        "experimentType": data["experimentType"],
        "startTime": acquisition["startTime"],
    }
    if references.sample is not None:
        group["blSampleId"] = references.sample["blSampleId"]
    return {"dataCollectionGroup": group, "dataCollection": acquisition}


def register_run(
    *,
    db_session: Session,
    data: dict,
    caller: Caller,
    core: SSXCoreClient,
    credentials: Credentials,
    write_retries: int = 1,
) -> Registered:
    """Register one run (core's group and data collection, then the SSX rows); a
    clientRequestId already used by the caller returns that run (``created`` False)."""
    require_writer(caller)
    request_key = data.get("clientRequestId")
    if request_key:
        existing = find_by_request_key(db_session=db_session, caller=caller, key=request_key)
        if existing is not None:
            return Registered(existing, created=False)
    references = _check_references(data, core, credentials)
    key = new_uuid()
    db_session.add(
        SSXRegistrationAttempt(
            registrationKey=key,
            state=STARTED,
            requestedBy=caller.subject,
            requestId=credentials.request_id,
            createdAt=utc_now(),
            undoAttempts=0,
        )
    )
    db_session.commit()

    # From here on, a process that stops (BaseException, a crash) leaves the attempt for
    # the retry loop; every other failure is undone before answering.
    registered, failure, maybe_created = _register_in_core(
        core, key, core_registration_body(data, references), credentials, write_retries
    )
    if failure is not None:
        undo(
            db_session=db_session,
            core=core,
            key=key,
            credentials=credentials,
            cause=failure,
            maybe_created=maybe_created,
        )
    try:
        run = _store_run(
            db_session=db_session,
            key=key,
            data=data,
            caller=caller,
            references=references,
            registered=registered,
        )
        db_session.commit()
    except Exception as exc:
        db_session.rollback()
        winner = None
        if request_key and isinstance(exc, IntegrityError):
            # A concurrent registration with the same clientRequestId got there first:
            # its run is the answer; ours is undone in core.
            winner = find_by_request_key(db_session=db_session, caller=caller, key=request_key)
        undo(
            db_session=db_session,
            core=core,
            key=key,
            credentials=credentials,
            cause=exc,
            maybe_created=True,
            answer_instead=winner is not None,
        )
        return Registered(winner, created=False)
    return Registered(run, created=True)


def _register_in_core(
    core: SSXCoreClient, key: str, body: dict, credentials: Credentials, retries: int
) -> tuple[dict | None, Exception | None, bool]:
    """(core's registration, None, _) or (None, the failure, whether core may have created
    the rows anyway). A lost answer is retried by key: core answers the same rows."""
    maybe_created = False
    failure: Exception | None = None
    for _attempt in range(retries + 1):
        try:
            return core.register(key, body, credentials), None, False
        except CoreUnavailable as exc:
            maybe_created = maybe_created or exc.maybe_done
            failure = exc
        except ApiError as exc:
            # Core refused (its transaction rolled back); an earlier lost attempt may still
            # have created the rows.
            return None, exc, maybe_created
        except Exception as exc:
            return None, exc, True
    return None, failure, maybe_created


def _store_run(
    *,
    db_session: Session,
    key: str,
    data: dict,
    caller: Caller,
    references: _References,
    registered: dict,
) -> SSXDataCollection:
    """The run's rows, in the transaction that removes the attempt."""
    claimed = db_session.execute(
        delete(SSXRegistrationAttempt).where(
            SSXRegistrationAttempt.registrationKey == key,
            SSXRegistrationAttempt.state == STARTED,
        )
    )
    if claimed.rowcount != 1:
        raise UndoneMeanwhile(key)
    session = references.session
    run = SSXDataCollection(
        uuid=key,
        dataCollectionUUID=parse_uuid(registered["dataCollection"]["uuid"]),
        dataCollectionGroupUUID=parse_uuid(registered["dataCollectionGroup"]["uuid"]),
        sessionUUID=parse_uuid(session["uuid"]),
        blSampleUUID=references.sample_uuid,
        experimentType=data["experimentType"],
        requestedBy=caller.subject,
        clientRequestId=data.get("clientRequestId"),
        **{name: data["ssx"].get(name) for name in RUN_FIELDS},
    )
    db_session.add(run)
    event_types = dict(db_session.execute(select(EventType.name, EventType.eventTypeId)).all())
    component_types = dict(
        db_session.execute(select(ComponentType.name, ComponentType.componentTypeId)).all()
    )
    units = unit_ids(db_session=db_session)
    proposal_uuid = session.get("proposalUUID")
    known: dict = {}

    def component(spec: dict):
        return find_or_add_component(
            db_session=db_session,
            spec=spec,
            proposal_uuid=proposal_uuid,
            known=known,
            types=component_types,
        )

    for chain_spec in data["eventChains"]:
        chain = EventChain(name=chain_spec.get("name"))
        run.EventChains.append(chain)
        for spec in chain_spec["events"]:
            event = Event(
                eventTypeId=event_types[spec["eventType"]],
                name=spec.get("name"),
                offset=spec["offset"],
                duration=spec.get("duration"),
                period=spec.get("period"),
                repetition=spec.get("repetition"),
            )
            if spec.get("component"):
                event.Component = component(spec["component"])
            chain.Events.append(event)
    composition_values = ("abundance", "ratio", "pH")
    for item in data["sampleComposition"]:
        db_session.add(
            SampleComposition(
                Component=component(item["component"]),
                blSampleUUID=(
                    str(item["blSampleUUID"])
                    if item.get("blSampleUUID")
                    else references.sample_uuid
                ),
                concentrationTypeId=units.get(item.get("concentrationType")),
                **{name: item.get(name) for name in composition_values},
            )
        )
    for item in data["crystalComposition"]:
        db_session.add(
            CrystalComposition(
                Component=component(item["component"]),
                crystalUUID=str(item["crystalUUID"]),
                concentrationTypeId=units.get(item.get("concentrationType")),
                **{name: item.get(name) for name in composition_values},
            )
        )
    db_session.flush()
    return run


# --- undo -----------------------------------------------------------------------------------


def undo(
    *,
    db_session: Session,
    core: SSXCoreClient,
    key: str,
    credentials: Credentials,
    cause: BaseException,
    maybe_created: bool,
    answer_instead: bool = False,
) -> None:
    """After a failed registration: have core undo ``key`` (unless core certainly created
    nothing), then forget the attempt; raise what the caller is to be told (or return when
    ``answer_instead``: another run answers the request)."""
    db_session.rollback()
    if maybe_created:
        try:
            core.cancel(key, credentials)
        except Exception as exc:
            postpone_undo(db_session=db_session, key=key, error=exc)
            log.error(
                "registration %s failed and core could not undo it yet (retried later): %s",
                key,
                exc,
            )
            if answer_instead:
                return
            raise RegistrationUndoPending(
                "The run was not registered, and core could not be reached to undo what it "
                "may have created for it: ssx keeps asking core until it is undone.",
                {"registration": [f"Not registered; undo pending in core (key {key})."]},
            ) from None
        log.warning("registration %s failed; core undid it", key)
    forget_attempt(db_session=db_session, key=key)
    if answer_instead:
        return
    _raise_for(cause)


def _raise_for(cause: BaseException) -> NoReturn:
    """The error of a registration whose core rows are known not to exist (any more)."""
    if isinstance(cause, CoreUnavailable):
        raise ServiceUnavailable(f"{cause.message.rstrip('.')}; nothing was done.") from None
    if isinstance(cause, UndoneMeanwhile):
        raise ServiceUnavailable(
            "The registration took too long and was undone; nothing was done."
        ) from None
    raise cause


def forget_attempt(*, db_session: Session, key: str) -> None:
    db_session.execute(
        delete(SSXRegistrationAttempt).where(SSXRegistrationAttempt.registrationKey == key)
    )
    db_session.commit()


def postpone_undo(
    *, db_session: Session, key: str, error: BaseException, delay_seconds: float = 0
) -> None:
    """Record that the undo of ``key`` is still to be done (the retry loop's work)."""
    db_session.rollback()
    db_session.execute(
        update(SSXRegistrationAttempt)
        .where(SSXRegistrationAttempt.registrationKey == key)
        .values(
            state=UNDOING,
            nextAttemptAt=utc_now() + dt.timedelta(seconds=delay_seconds),
            lastError=_describe(error),
        )
    )
    db_session.commit()


def _describe(error: BaseException) -> str:
    text = getattr(error, "message", None) or str(error) or type(error).__name__
    return f"{type(error).__name__}: {text}"[:255]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
