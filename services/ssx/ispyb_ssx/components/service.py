"""Components and compositions. A component belongs to one core proposal; a composition
links it to a core sample or crystal of that proposal. Core decides what the caller may
see: every read or write asks it once (the proposal, the sample or the crystal)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ispyb_shared.core_client import Credentials
from ispyb_shared.errors import Conflict, NotFound, ValidationFailed
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate
from ispyb_shared.uuids import parse_uuid

from ..core import SSXCoreClient
from .models import (
    Component,
    ComponentType,
    ConcentrationType,
    CrystalComposition,
    SampleComposition,
)


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


@dataclass(frozen=True)
class CompositionKind:
    """Sample or crystal compositions: their table and the core row they belong to."""

    model: type
    core_field: str  # the column naming the core row: blSampleUUID, crystalUUID
    what: str  # core's row, in messages: sample, crystal
    spec: ListSpec


def _composition_kind(model: type, id_column, core_column, what: str) -> CompositionKind:
    spec = ListSpec(
        filters={
            core_column.key: Filter(
                core_column, ("eq",), f"Core {what} (required)", parse=_uuid_param
            ),
            "componentId": Filter(model.componentId, ("eq", "in"), "Component"),
        },
        sortable={id_column.key: id_column},
        default_sort=(id_column.key,),
        tiebreak=(id_column,),
    )
    return CompositionKind(model=model, core_field=core_column.key, what=what, spec=spec)


SAMPLE_COMPOSITIONS = _composition_kind(
    SampleComposition,
    SampleComposition.sampleCompositionId,
    SampleComposition.blSampleUUID,
    "sample",
)
CRYSTAL_COMPOSITIONS = _composition_kind(
    CrystalComposition,
    CrystalComposition.crystalCompositionId,
    CrystalComposition.crystalUUID,
    "crystal",
)


def proposal_of(record: dict) -> Any:
    """The proposalId of a core sample or crystal (through its crystal's protein)."""
    crystal = record.get("crystal") or record
    protein = crystal.get("protein") or {}
    return protein.get("proposalId", record.get("proposalId"))


def required_filter(params: ListParams, name: str) -> str:
    """The value of a filter the list cannot do without (visibility is decided on it)."""
    for key, op, value in params.filters:
        if key == name and op == "eq":
            return value
    raise ValidationFailed(f"{name} is required.", {name: ["Missing required parameter."]})


def list_vocabulary(*, db_session: Session, model, params: ListParams, spec: ListSpec) -> Page:
    return paginate(db_session, select(model), params, spec)


def visible_proposal(
    *, core: SSXCoreClient, credentials: Credentials, proposal_uuid: str | None
) -> dict | None:
    return core.proposal(proposal_uuid, credentials) if proposal_uuid else None


def list_components(
    *, db_session: Session, params: ListParams, core: SSXCoreClient, credentials: Credentials
) -> Page:
    """A proposal's components: one core call (the proposal), whatever the page size."""
    proposal_uuid = required_filter(params, "proposalUUID")
    if visible_proposal(core=core, credentials=credentials, proposal_uuid=proposal_uuid) is None:
        raise NotFound(
            f"Proposal {proposal_uuid} does not exist.", {"proposalUUID": [proposal_uuid]}
        )
    return paginate(db_session, select(Component), params, COMPONENT_SPEC)


def find_component(*, db_session: Session, ref: str) -> Component | None:
    uuid = parse_uuid(ref)
    if uuid:
        return db_session.scalars(select(Component).where(Component.uuid == uuid)).first()
    if ref.isascii() and ref.isdigit():
        return db_session.get(Component, int(ref))
    return None


def get_component(
    *, db_session: Session, ref: str, core: SSXCoreClient, credentials: Credentials
) -> Component:
    """The component; 404 when it or its core proposal is missing or invisible."""
    component = find_component(db_session=db_session, ref=ref)
    proposal = (
        visible_proposal(core=core, credentials=credentials, proposal_uuid=component.proposalUUID)
        if component
        else None
    )
    if proposal is None:
        raise NotFound(f"Component {ref} does not exist.", {"ref": [ref]})
    return component


def _component_type_id(db_session: Session, data: dict) -> int | None:
    """The componentTypeId of a body (given by id or by name); 422 when unknown."""
    if data.get("componentType") is not None:
        return db_session.scalars(
            select(ComponentType.componentTypeId).where(ComponentType.name == data["componentType"])
        ).one()
    type_id = data.get("componentTypeId")
    if type_id is not None and db_session.get(ComponentType, type_id) is None:
        raise ValidationFailed(
            "Unknown component type.", {"componentTypeId": [f"No component type {type_id}."]}
        )
    return type_id


def _refuse_duplicate(db_session: Session, component: Component) -> None:
    same = db_session.scalars(
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


def create_component(
    *, db_session: Session, data: dict, core: SSXCoreClient, credentials: Credentials
) -> Component:
    proposal_uuid = str(data["proposalUUID"])
    if visible_proposal(core=core, credentials=credentials, proposal_uuid=proposal_uuid) is None:
        raise ValidationFailed(
            "The proposal does not exist or is not visible to the caller.",
            {"proposalUUID": [f"No visible proposal {proposal_uuid}."]},
        )
    component = Component(
        name=data["name"],
        componentTypeId=_component_type_id(db_session, data),
        proposalUUID=proposal_uuid,
        composition=data.get("composition"),
    )
    _refuse_duplicate(db_session, component)
    db_session.add(component)
    db_session.flush()
    db_session.refresh(component)
    return component


def update_component(*, db_session: Session, component: Component, data: dict) -> Component:
    if "componentType" in data or "componentTypeId" in data:
        component.componentTypeId = _component_type_id(db_session, data)
    for key in ("name", "composition"):
        if key in data:
            setattr(component, key, data[key])
    _refuse_duplicate(db_session, component)
    db_session.flush()
    db_session.refresh(component)
    return component


def find_or_add_component(
    *,
    db_session: Session,
    spec: dict,
    proposal_uuid: str | None,
    known: dict,
    types: dict[str, int],
) -> Component:
    """The proposal's component named in a run (name, type), added when missing;
    ``known`` remembers the ones of this registration."""
    key = (spec["name"], spec["componentType"], proposal_uuid)
    if key in known:
        return known[key]
    component = db_session.scalars(
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
        db_session.add(component)
    known[key] = component
    return component


def unit_ids(*, db_session: Session) -> dict[str, int]:
    """concentrationTypeId by unit symbol."""
    return dict(
        db_session.execute(
            select(ConcentrationType.symbol, ConcentrationType.concentrationTypeId)
        ).all()
    )


def list_compositions(
    *,
    db_session: Session,
    kind: CompositionKind,
    params: ListParams,
    lookup: Callable[[str], dict | None],
) -> Page:
    """The compositions of one core sample or crystal: one core call (that row)."""
    field = kind.core_field
    uuid = required_filter(params, field)
    if lookup(uuid) is None:
        raise NotFound(f"{field} {uuid} does not exist.", {field: [uuid]})
    return paginate(db_session, select(kind.model), params, kind.spec)


def create_composition(
    *,
    db_session: Session,
    kind: CompositionKind,
    data: dict,
    core: SSXCoreClient,
    credentials: Credentials,
    lookup: Callable[[str], dict | None],
):
    """A sample or crystal composition. The component must be visible, the core sample or
    crystal visible to the caller and of the component's proposal (else 422 naming it)."""
    data = dict(data)
    if data.get("componentUUID") is not None:
        ref, key = str(data.pop("componentUUID")), "componentUUID"
    else:
        ref, key = str(data.pop("componentId")), "componentId"
    component = find_component(db_session=db_session, ref=ref)
    proposal = (
        visible_proposal(core=core, credentials=credentials, proposal_uuid=component.proposalUUID)
        if component
        else None
    )
    if proposal is None:
        raise ValidationFailed("No such component.", {key: [f"No visible component {ref}."]})
    field, what = kind.core_field, kind.what
    uuid = str(data[field])
    record = lookup(uuid)
    if record is None:
        raise ValidationFailed(
            f"No such {what}.", {field: [f"No such {what} visible to the caller."]}
        )
    if proposal_of(record) != proposal.get("proposalId"):
        raise ValidationFailed(
            f"The {what} belongs to another proposal than the component.",
            {field: [f"The {what} is not in the component's proposal."]},
        )
    unit = data.pop("concentrationType", None)
    row = kind.model(
        componentId=component.componentId,
        concentrationTypeId=unit_ids(db_session=db_session).get(unit) if unit else None,
        **{**data, field: uuid},
    )
    db_session.add(row)
    db_session.flush()
    db_session.refresh(row)
    return row
