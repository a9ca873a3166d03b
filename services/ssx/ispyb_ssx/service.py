"""The ssx service's operations. Rules: docs/ssx.md; who may do what: docs/authorization.md.

Every SSX run extends one core DataCollection; core decides who may see it, asked with
the caller's token (core_client.py). Registration writes to core first (group, then data
collection), then the local rows in one transaction; any failure after core's writes is
compensated by deleting the core data collection, then the group.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload, selectinload

from ispyb_shared.auth import CLIENT, Caller, Forbidden
from ispyb_shared.errors import Conflict, NotFound, ValidationFailed
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate
from ispyb_shared.uuids import parse_uuid

from .core_client import CoreClient
from .models import (
    Component,
    ComponentType,
    ConcentrationType,
    CrystalComposition,
    Event,
    EventChain,
    EventType,
    SampleComposition,
    SSXDataCollection,
    SSXHitChunk,
    SSXProcessingResult,
    SSXProcessingResultAttachment,
)

log = logging.getLogger(__name__)

READ_SCOPE = "ssx:read"
WRITE_SCOPE = "ssx:write"
RUN_FIELDS = (
    "repetitionRate",
    "energyBandwidth",
    "monoStripe",
    "jetSpeed",
    "jetSize",
    "chipPattern",
    "chipModel",
    "reactionDuration",
    "laserEnergy",
    "experimentName",
)


class InjectedFailure(Exception):
    """Raised on request (tests only) after core's writes, to exercise compensation."""


def require_reader(caller: Caller) -> None:
    if (
        caller.kind == CLIENT
        and not caller.has_scope(READ_SCOPE)
        and not caller.has_scope(WRITE_SCOPE)
    ):
        raise Forbidden(f"Reading SSX data needs the {READ_SCOPE!r} scope.")


def require_writer(caller: Caller) -> None:
    if caller.kind == CLIENT:
        if not caller.has_scope(WRITE_SCOPE):
            raise Forbidden(f"Writing SSX data needs the {WRITE_SCOPE!r} scope.")
        return
    if not caller.is_staff:
        raise Forbidden("SSX runs and results are written by pipelines (ssx:write) and staff.")


def columns(row) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def dump(row) -> dict[str, Any]:
    return {key: _iso(value) for key, value in columns(row).items()}


# --- look-ups -------------------------------------------------------------------------------


def find_run(db: Session, ref: str) -> SSXDataCollection:
    uuid = parse_uuid(ref)
    run = None
    if uuid:
        run = db.scalars(select(SSXDataCollection).where(SSXDataCollection.uuid == uuid)).first()
    if run is None:
        raise NotFound(f"SSX run {ref} does not exist.", {"ref": [ref]})
    return run


def visible_run(
    db: Session, ref: str, core: CoreClient, auth: dict
) -> tuple[SSXDataCollection, dict]:
    """The run and its core data collection; 404 when either is missing or invisible."""
    run = find_run(db, ref)
    found = core.data_collections([run.dataCollectionUUID], **auth)
    record = found.get(run.dataCollectionUUID)
    if record is None:
        raise NotFound(f"SSX run {ref} does not exist.", {"ref": [ref]})
    return run, record


def _symbol_ids(db: Session) -> dict[str, int]:
    return dict(
        db.execute(select(ConcentrationType.symbol, ConcentrationType.concentrationTypeId)).all()
    )


def _component(db: Session, spec: dict, proposal_uuid: str | None, cache: dict, types) -> Component:
    key = (spec["name"], spec["componentType"], proposal_uuid)
    if key in cache:
        return cache[key]
    component = db.scalars(
        select(Component).where(
            Component.name == spec["name"],
            Component.componentTypeId == types[spec["componentType"]],
            Component.proposalUUID == proposal_uuid,
        )
    ).first()
    if component is None:
        component = Component(
            name=spec["name"],
            componentTypeId=types[spec["componentType"]],
            proposalUUID=proposal_uuid,
            composition=spec.get("composition"),
        )
        db.add(component)
    cache[key] = component
    return component


def _proposal_of(record: dict) -> Any:
    """The proposalId of a core sample or crystal JSON (through its crystal's protein)."""
    crystal = record.get("Crystal") or record
    protein = crystal.get("Protein") or {}
    return protein.get("proposalId", record.get("proposalId"))


# --- registration ---------------------------------------------------------------------------


def register_run(
    *,
    db: Session,
    body: dict,
    caller: Caller,
    core: CoreClient,
    auth: dict,
    fail_after_core: bool = False,
) -> tuple[dict, int]:
    """Register one run (core group + data collection, then SSX rows). (answer, status)."""
    require_writer(caller)
    request_key = body.get("clientRequestId")
    if request_key:
        existing = _by_request_key(db, caller, request_key)
        if existing is not None:
            return {"uuid": existing.uuid, **run_identity(existing)}, 200

    session = core.session(body["session"], **auth)
    if session is None:
        raise ValidationFailed(
            "The session does not exist or is not visible to the caller.",
            {"session": [f"No visible session {body['session']!r}."]},
        )
    proposal_id = session.get("proposalId")
    details: dict[str, list[str]] = {}
    sample_uuid = str(body["blSampleUUID"]) if body.get("blSampleUUID") else None
    samples: dict[str, dict | None] = {}

    def check_sample(uuid: str, field: str) -> dict | None:
        if uuid not in samples:
            samples[uuid] = core.sample(uuid, **auth)
        record = samples[uuid]
        if record is None:
            details[field] = ["No such sample visible to the caller."]
        elif _proposal_of(record) is not None and _proposal_of(record) != proposal_id:
            details[field] = ["The sample belongs to another proposal than the session."]
        return record

    sample = check_sample(sample_uuid, "blSampleUUID") if sample_uuid else None
    for index, item in enumerate(body["sampleComposition"]):
        uuid = str(item["blSampleUUID"]) if item.get("blSampleUUID") else sample_uuid
        if uuid is None:
            details[f"sampleComposition.{index}.blSampleUUID"] = ["No sample given for the run."]
        else:
            check_sample(uuid, f"sampleComposition.{index}.blSampleUUID")
    for index, item in enumerate(body["crystalComposition"]):
        crystal = core.crystal(str(item["crystalUUID"]), **auth)
        field = f"crystalComposition.{index}.crystalUUID"
        if crystal is None:
            details[field] = ["No such crystal visible to the caller."]
        elif _proposal_of(crystal) is not None and _proposal_of(crystal) != proposal_id:
            details[field] = ["The crystal belongs to another proposal than the session."]
    if details:
        raise ValidationFailed("A referenced core row is missing or not usable.", details)

    group_body = {"sessionId": session["sessionId"], "experimentType": body["experimentType"]}
    acquisition = dict(body["acquisition"])
    for key in ("startTime", "endTime"):
        if acquisition.get(key) is not None:
            acquisition[key] = acquisition[key].isoformat()
    group_body["startTime"] = acquisition["startTime"]
    if sample is not None:
        group_body["blSampleId"] = sample["blSampleId"]
    group = core.create("/data-collection-groups", group_body, **auth)
    collection = None
    try:
        collection = core.create(
            "/data-collections",
            {"dataCollectionGroupId": group["dataCollectionGroupId"], **acquisition},
            **auth,
        )
        if fail_after_core:
            raise InjectedFailure("failure injected after core's writes")
        run = _store_run(
            db=db,
            body=body,
            caller=caller,
            session=session,
            group=group,
            collection=collection,
            sample_uuid=sample_uuid,
        )
        db.commit()
    except BaseException as exc:
        db.rollback()
        compensate(core, auth, group=group, collection=collection)
        if request_key and isinstance(exc, IntegrityError):
            # A concurrent retry with the same clientRequestId won the race: its run is
            # the answer, ours was undone in core.
            existing = _by_request_key(db, caller, request_key)
            if existing is not None:
                return {"uuid": existing.uuid, **run_identity(existing)}, 200
        raise
    return {"uuid": run.uuid, **run_identity(run)}, 201


def _by_request_key(db: Session, caller: Caller, key: str) -> SSXDataCollection | None:
    return db.scalars(
        select(SSXDataCollection).where(
            SSXDataCollection.requestedBy == caller.subject,
            SSXDataCollection.clientRequestId == key,
        )
    ).first()


def compensate(core: CoreClient, auth: dict, *, group: dict, collection: dict | None) -> None:
    if collection is not None:
        core.delete(f"/data-collections/{collection['uuid']}", **auth)
    core.delete(f"/data-collection-groups/{group['uuid']}", **auth)
    log.warning("registration failed after core writes; core rows deleted (compensation)")


def run_identity(run: SSXDataCollection) -> dict:
    return {
        "dataCollectionUUID": run.dataCollectionUUID,
        "dataCollectionGroupUUID": run.dataCollectionGroupUUID,
        "sessionUUID": run.sessionUUID,
        "experimentType": run.experimentType,
        "clientRequestId": run.clientRequestId,
    }


def _store_run(*, db, body, caller, session, group, collection, sample_uuid) -> SSXDataCollection:
    run = SSXDataCollection(
        dataCollectionUUID=parse_uuid(collection["uuid"]),
        dataCollectionGroupUUID=parse_uuid(group["uuid"]),
        sessionUUID=parse_uuid(session["uuid"]),
        blSampleUUID=sample_uuid,
        experimentType=body["experimentType"],
        requestedBy=caller.subject,
        clientRequestId=body.get("clientRequestId"),
        **{key: body["ssx"].get(key) for key in RUN_FIELDS},
    )
    db.add(run)
    event_types = dict(db.execute(select(EventType.name, EventType.eventTypeId)).all())
    component_types = dict(
        db.execute(select(ComponentType.name, ComponentType.componentTypeId)).all()
    )
    units = _symbol_ids(db)
    proposal_uuid = session.get("proposalUUID")
    components: dict = {}
    for chain_spec in body["eventChains"]:
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
                event.Component = _component(
                    db, spec["component"], proposal_uuid, components, component_types
                )
            chain.Events.append(event)
    for item in body["sampleComposition"]:
        db.add(
            SampleComposition(
                Component=_component(
                    db, item["component"], proposal_uuid, components, component_types
                ),
                blSampleUUID=str(item["blSampleUUID"]) if item.get("blSampleUUID") else sample_uuid,
                concentrationTypeId=units.get(item.get("concentrationType")),
                abundance=item.get("abundance"),
                ratio=item.get("ratio"),
                pH=item.get("pH"),
            )
        )
    for item in body["crystalComposition"]:
        db.add(
            CrystalComposition(
                Component=_component(
                    db, item["component"], proposal_uuid, components, component_types
                ),
                crystalUUID=str(item["crystalUUID"]),
                concentrationTypeId=units.get(item.get("concentrationType")),
                abundance=item.get("abundance"),
                ratio=item.get("ratio"),
                pH=item.get("pH"),
            )
        )
    db.flush()
    return run


# --- results and chunks ---------------------------------------------------------------------


def add_result(*, db: Session, run: SSXDataCollection, body: dict, caller: Caller) -> dict:
    attachments = body.pop("attachments", [])
    result = SSXProcessingResult(
        ssxDataCollectionId=run.ssxDataCollectionId, postedBy=caller.subject, **body
    )
    result.Attachments = [SSXProcessingResultAttachment(**item) for item in attachments]
    db.add(result)
    db.flush()
    db.refresh(result)
    return dump_result(result)


def dump_result(result: SSXProcessingResult) -> dict:
    answer = dump(result)
    answer["attachments"] = [dump(a) for a in result.Attachments]
    return answer


def add_chunk(*, db: Session, run: SSXDataCollection, body: dict) -> dict:
    chunk = SSXHitChunk(ssxDataCollectionId=run.ssxDataCollectionId, **body)
    db.add(chunk)
    db.flush()
    db.refresh(chunk)
    return dump_chunk(chunk)


def dump_chunk(chunk: SSXHitChunk) -> dict:
    answer = dump(chunk)
    images = chunk.lastImage - chunk.firstImage + 1
    answer["hitRate"] = 100.0 * chunk.numberOfHits / images
    answer["indexingRate"] = (
        100.0 * chunk.numberOfIndexed / chunk.numberOfHits if chunk.numberOfHits else None
    )
    return answer


def chunks_of(db: Session, run: SSXDataCollection) -> list[dict]:
    rows = db.scalars(
        select(SSXHitChunk)
        .where(SSXHitChunk.ssxDataCollectionId == run.ssxDataCollectionId)
        .order_by(SSXHitChunk.firstImage)
    )
    return [dump_chunk(chunk) for chunk in rows]


# --- reading --------------------------------------------------------------------------------


def describe_run(db: Session, run: SSXDataCollection, collection: dict) -> dict:
    chains = db.scalars(
        select(EventChain)
        .where(EventChain.ssxDataCollectionId == run.ssxDataCollectionId)
        .options(selectinload(EventChain.Events))
        .order_by(EventChain.eventChainId)
    ).all()
    results = db.scalars(
        select(SSXProcessingResult)
        .where(SSXProcessingResult.ssxDataCollectionId == run.ssxDataCollectionId)
        .order_by(SSXProcessingResult.ssxProcessingResultId)
    ).all()
    sample_rows = (
        db.scalars(
            select(SampleComposition).where(SampleComposition.blSampleUUID == run.blSampleUUID)
        ).all()
        if run.blSampleUUID
        else []
    )
    answer = dump(run)
    answer["dataCollection"] = collection
    answer["eventChains"] = [
        {
            **dump(chain),
            "events": [
                {
                    **dump(event),
                    "eventType": event.EventType.name,
                    "component": dump(event.Component) if event.Component else None,
                    "end": event.offset
                    + (event.period or 0) * ((event.repetition or 1) - 1)
                    + (event.duration or 0),
                }
                for event in sorted(chain.Events, key=lambda e: (e.offset, e.eventId))
            ],
        }
        for chain in chains
    ]
    answer["sampleComposition"] = [_dump_composition(row) for row in sample_rows]
    answer["results"] = [dump_result(result) for result in results]
    return answer


def _dump_composition(row) -> dict:
    answer = dump(row)
    answer["component"] = {**dump(row.Component), "componentType": row.Component.ComponentType.name}
    answer["concentrationType"] = row.ConcentrationType.symbol if row.ConcentrationType else None
    return answer


SUMMARY_CORE_FIELDS = ("startTime", "endTime", "numberOfImages", "imagePrefix", "runStatus")


def session_summary(
    db: Session, session: dict, core: CoreClient, auth: dict, samples: Callable[[], list[dict]]
) -> list[dict]:
    """A session's runs with their latest result: 2 SQL queries, at most 2 calls to core
    (data collections by uuid.in, the proposal's samples) whatever the number of runs."""
    runs = db.scalars(
        select(SSXDataCollection)
        .where(SSXDataCollection.sessionUUID == parse_uuid(session["uuid"]))
        .order_by(SSXDataCollection.ssxDataCollectionId)
    ).all()
    if not runs:
        return []
    latest_ids = (
        select(func.max(SSXProcessingResult.ssxProcessingResultId))
        .where(SSXProcessingResult.ssxDataCollectionId.in_([r.ssxDataCollectionId for r in runs]))
        .group_by(SSXProcessingResult.ssxDataCollectionId)
    )
    latest = {
        result.ssxDataCollectionId: result
        for result in db.scalars(
            select(SSXProcessingResult)
            .where(SSXProcessingResult.ssxProcessingResultId.in_(latest_ids))
            .options(lazyload(SSXProcessingResult.Attachments))
        )
    }
    collections = core.data_collections([r.dataCollectionUUID for r in runs], **auth)
    sample_names = {}
    if any(r.blSampleUUID for r in runs):
        sample_names = {parse_uuid(s["uuid"]): s.get("name") for s in samples() if "uuid" in s}
    answer = []
    for run in runs:
        collection = collections.get(run.dataCollectionUUID)
        if collection is None:
            continue  # not visible to the caller (or deleted in core)
        result = latest.get(run.ssxDataCollectionId)
        answer.append(
            {
                **dump(run),
                **{key: collection.get(key) for key in SUMMARY_CORE_FIELDS},
                "sampleName": sample_names.get(run.blSampleUUID),
                "latestResult": (
                    {
                        key: getattr(result, key)
                        for key in (
                            "indexingType",
                            "status",
                            "hitRate",
                            "indexingRate",
                            "nbCrystals",
                            "spaceGroup",
                        )
                    }
                    if result
                    else None
                ),
            }
        )
    return answer


# --- components and compositions as resources -----------------------------------------------


def _uuid_param(raw: str) -> str:
    uuid = parse_uuid(raw)
    if uuid is None:
        raise ValueError("Not a valid UUID.")
    return uuid


COMPONENT_TYPE_SPEC = ListSpec(
    sortable={"componentTypeId": ComponentType.componentTypeId, "name": ComponentType.name},
    default_sort=("componentTypeId",),
    tiebreak=(ComponentType.componentTypeId,),
)
CONCENTRATION_TYPE_SPEC = ListSpec(
    sortable={
        "concentrationTypeId": ConcentrationType.concentrationTypeId,
        "symbol": ConcentrationType.symbol,
    },
    default_sort=("concentrationTypeId",),
    tiebreak=(ConcentrationType.concentrationTypeId,),
)
COMPONENT_SPEC = ListSpec(
    filters={
        "proposalUUID": Filter(
            Component.proposalUUID, ("eq",), "Core proposal (required)", parse=_uuid_param
        ),
        "name": Filter(Component.name, ("eq", "in", "contains"), "Name"),
        "componentTypeId": Filter(Component.componentTypeId, ("eq", "in"), "Component type"),
    },
    sortable={"componentId": Component.componentId, "name": Component.name},
    default_sort=("componentId",),
    tiebreak=(Component.componentId,),
)
SAMPLE_COMPOSITION_SPEC = ListSpec(
    filters={
        "blSampleUUID": Filter(
            SampleComposition.blSampleUUID, ("eq",), "Core sample (required)", parse=_uuid_param
        ),
        "componentId": Filter(SampleComposition.componentId, ("eq", "in"), "Component"),
    },
    sortable={"sampleCompositionId": SampleComposition.sampleCompositionId},
    default_sort=("sampleCompositionId",),
    tiebreak=(SampleComposition.sampleCompositionId,),
)
CRYSTAL_COMPOSITION_SPEC = ListSpec(
    filters={
        "crystalUUID": Filter(
            CrystalComposition.crystalUUID, ("eq",), "Core crystal (required)", parse=_uuid_param
        ),
        "componentId": Filter(CrystalComposition.componentId, ("eq", "in"), "Component"),
    },
    sortable={"crystalCompositionId": CrystalComposition.crystalCompositionId},
    default_sort=("crystalCompositionId",),
    tiebreak=(CrystalComposition.crystalCompositionId,),
)


def required_filter(params: ListParams, name: str) -> str:
    """The value of a filter the list cannot do without (visibility is decided on it)."""
    for key, op, value in params.filters:
        if key == name and op == "eq":
            return value
    raise ValidationFailed(f"{name} is required.", {name: ["Missing required parameter."]})


def list_vocabulary(*, db: Session, model, params: ListParams, spec: ListSpec) -> Page:
    return paginate(db, select(model), params, spec)


def visible_proposal(core: CoreClient, auth: dict, proposal_uuid: str | None) -> dict | None:
    return core.proposal(proposal_uuid, **auth) if proposal_uuid else None


def list_components(*, db: Session, params: ListParams, core: CoreClient, auth: dict) -> Page:
    """A proposal's components: one core call (the proposal), whatever the page size."""
    proposal_uuid = required_filter(params, "proposalUUID")
    if visible_proposal(core, auth, proposal_uuid) is None:
        raise NotFound(
            f"Proposal {proposal_uuid} does not exist.", {"proposalUUID": [proposal_uuid]}
        )
    return paginate(db, select(Component), params, COMPONENT_SPEC)


def find_component(db: Session, ref: str) -> Component | None:
    uuid = parse_uuid(ref)
    if uuid:
        return db.scalars(select(Component).where(Component.uuid == uuid)).first()
    if ref.isdigit():
        return db.get(Component, int(ref))
    return None


def visible_component(
    db: Session, ref: str, core: CoreClient, auth: dict
) -> tuple[Component, dict]:
    """The component and its core proposal; 404 when either is missing or invisible."""
    component = find_component(db, ref)
    proposal = visible_proposal(core, auth, component.proposalUUID) if component else None
    if proposal is None:
        raise NotFound(f"Component {ref} does not exist.", {"ref": [ref]})
    return component, proposal


def _component_type_id(db: Session, data: dict) -> int | None:
    """The componentTypeId of a body (given by id or by name); 422 when unknown."""
    if data.get("componentType") is not None:
        return db.scalars(
            select(ComponentType.componentTypeId).where(ComponentType.name == data["componentType"])
        ).one()
    type_id = data.get("componentTypeId")
    if type_id is not None and db.get(ComponentType, type_id) is None:
        raise ValidationFailed(
            "Unknown component type.", {"componentTypeId": [f"No component type {type_id}."]}
        )
    return type_id


def _refuse_duplicate(db: Session, component: Component) -> None:
    same = db.scalars(
        select(Component.componentId).where(
            Component.name == component.name,
            Component.componentTypeId == component.componentTypeId,
            Component.proposalUUID == component.proposalUUID,
            Component.componentId != (component.componentId or 0),
        )
    ).first()
    if same is not None:
        raise Conflict(
            "The proposal already has a component of this name and type.",
            {"name": [f"Already used by component {same}."]},
        )


def create_component(*, db: Session, body: dict, core: CoreClient, auth: dict) -> Component:
    proposal_uuid = str(body["proposalUUID"])
    if visible_proposal(core, auth, proposal_uuid) is None:
        raise ValidationFailed(
            "The proposal does not exist or is not visible to the caller.",
            {"proposalUUID": [f"No visible proposal {proposal_uuid}."]},
        )
    component = Component(
        name=body["name"],
        componentTypeId=_component_type_id(db, body),
        proposalUUID=proposal_uuid,
        composition=body.get("composition"),
    )
    _refuse_duplicate(db, component)
    db.add(component)
    db.flush()
    db.refresh(component)
    return component


def update_component(*, db: Session, component: Component, body: dict) -> Component:
    if "componentType" in body or "componentTypeId" in body:
        component.componentTypeId = _component_type_id(db, body)
    for key in ("name", "composition"):
        if key in body:
            setattr(component, key, body[key])
    _refuse_duplicate(db, component)
    db.flush()
    db.refresh(component)
    return component


def list_compositions(
    *,
    db: Session,
    model,
    field: str,
    params: ListParams,
    spec: ListSpec,
    lookup: Callable[[str], dict | None],
) -> Page:
    """The compositions of one core sample or crystal: one core call (that row)."""
    uuid = required_filter(params, field)
    if lookup(uuid) is None:
        raise NotFound(f"{field} {uuid} does not exist.", {field: [uuid]})
    return paginate(db, select(model), params, spec)


def create_composition(
    *,
    db: Session,
    model,
    field: str,
    body: dict,
    core: CoreClient,
    auth: dict,
    lookup: Callable[[str], dict | None],
):
    """A sample or crystal composition. The component must be visible, the core sample or
    crystal visible to the caller and of the component's proposal (else 422 naming it)."""
    if body.get("componentUUID") is not None:
        ref, key = str(body.pop("componentUUID")), "componentUUID"
    else:
        ref, key = str(body.pop("componentId")), "componentId"
    component = find_component(db, ref)
    proposal = visible_proposal(core, auth, component.proposalUUID) if component else None
    if proposal is None:
        raise ValidationFailed("No such component.", {key: [f"No visible component {ref}."]})
    uuid = str(body[field])
    record = lookup(uuid)
    kind = "sample" if field == "blSampleUUID" else "crystal"
    if record is None:
        raise ValidationFailed(
            f"No such {kind}.", {field: [f"No such {kind} visible to the caller."]}
        )
    if _proposal_of(record) != proposal.get("proposalId"):
        raise ValidationFailed(
            f"The {kind} belongs to another proposal than the component.",
            {field: [f"The {kind} is not in the component's proposal."]},
        )
    unit = body.pop("concentrationType", None)
    row = model(
        componentId=component.componentId,
        concentrationTypeId=_symbol_ids(db).get(unit) if unit else None,
        **{**body, field: uuid},
    )
    db.add(row)
    db.flush()
    db.refresh(row)
    return row
