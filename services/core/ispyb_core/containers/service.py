from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, contains_eager, joinedload, selectinload

from ispyb_shared.auth import Caller
from ispyb_shared.crud import create_row, one_or_404, ref_condition, update_row
from ispyb_shared.errors import Conflict
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate

from ..access import proposal_id_condition, require_member_write
from ..crystals.models import Crystal
from ..dewars.models import Dewar
from ..dewars.service import get_dewar
from ..ownership import References, proposal_name
from ..samples.models import BLSample
from ..sessions.models import BLSession
from ..sessions.service import get_session
from ..shipments import lifecycle
from ..shipments.models import Shipping
from .models import Container
from .positions import KNOWN_CAPACITIES, capacity_of

# A container belongs to the proposal of its dewar's shipment or, outside any dewar, to
# its session's proposal. The alias keeps the session joined here apart from the
# sessions the visibility condition looks at.
ContainerSession = aliased(BLSession, name="container_session")
CONTAINER_PROPOSAL_ID = func.coalesce(Shipping.proposalId, ContainerSession.proposalId)

LIST_SPEC = ListSpec(
    filters={
        "proposalId": Filter(CONTAINER_PROPOSAL_ID, ("eq", "in"), "Proposal id"),
        "proposal": Filter(proposal_name(CONTAINER_PROPOSAL_ID), ("eq", "in"), "Proposal name"),
        "dewarId": Filter(Container.dewarId, ("eq", "in"), "Dewar id"),
        "shippingId": Filter(Dewar.shippingId, ("eq", "in"), "Shipment id"),
        "sessionId": Filter(Container.sessionId, ("eq", "in"), "Session id"),
        "code": Filter(Container.code, ("eq", "in", "contains"), "Name"),
        "barcode": Filter(Container.barcode, ("eq", "in"), "Barcode"),
        "containerType": Filter(Container.containerType, ("eq", "in"), "Type"),
        "containerStatus": Filter(Container.containerStatus, ("eq", "in"), "Status"),
        "beamlineLocation": Filter(Container.beamlineLocation, ("eq", "in"), "Beamline"),
    },
    sortable={
        "containerId": Container.containerId,
        "code": Container.code,
        "barcode": Container.barcode,
        "bltimeStamp": Container.bltimeStamp,
    },
    default_sort=("containerId",),
    tiebreak=(Container.containerId,),
)

# Where a container is at the facility is the facility's business.
STAFF_FIELDS = frozenset(
    {"containerStatus", "sampleChangerLocation", "beamlineLocation", "scLocationUpdated"}
)


def visible_containers(caller: Caller):
    return (
        select(Container)
        .outerjoin(Container.Dewar)
        .outerjoin(Dewar.Shipping)
        .outerjoin(ContainerSession, Container.BLSession)
        .options(
            contains_eager(Container.Dewar).contains_eager(Dewar.Shipping),
            contains_eager(Container.BLSession.of_type(ContainerSession)),
        )
        .where(proposal_id_condition(caller, CONTAINER_PROPOSAL_ID))
    )


def container_proposal_id(container: Container) -> int | None:
    """The proposal of a container loaded by :func:`visible_containers`."""
    if container.Dewar is not None:
        return container.Dewar.Shipping.proposalId
    if container.BLSession is not None:
        return container.BLSession.proposalId
    return None


def samples_options(expand: frozenset[str]) -> list:
    """The loader options of the samples named (expand=samples...): one statement for the
    samples of a page of containers, their crystals, proteins and plans joined in it."""
    if "samples" not in expand:
        return []
    details: list = []
    if "samples.crystal" in expand:
        crystal = joinedload(BLSample.Crystal)
        details.append(
            crystal.joinedload(Crystal.Protein) if "samples.crystal.protein" in expand else crystal
        )
    if "samples.diffractionPlan" in expand:
        details.append(joinedload(BLSample.DiffractionPlan))
    samples = selectinload(Container.samples)
    return [samples.options(*details) if details else samples]


def list_containers(
    *, db_session: Session, params: ListParams, caller: Caller, expand: frozenset[str] = frozenset()
) -> Page:
    statement = visible_containers(caller).options(*samples_options(expand))
    return paginate(db_session, statement, params, LIST_SPEC)


def get_container(
    *, db_session: Session, ref: str, caller: Caller, expand: frozenset[str] = frozenset()
) -> Container:
    """By id, UUID or barcode (a barcode of digits only is read as an id: use the list's
    barcode filter for those); expand=: its samples, as for the list."""
    condition = ref_condition(
        ref,
        id_column=Container.containerId,
        uuid_column=Container.uuid,
        by_name=lambda code: Container.barcode == code,
    )
    statement = visible_containers(caller).where(condition).options(*samples_options(expand))
    return one_or_404(db_session, statement, "Container", ref)


def _check_references(
    references: References,
    values: dict[str, Any],
    *,
    proposal_id: int | None,
    changed: frozenset[str] | None = None,
) -> None:
    """Check the dewar, session, parent and capacity of a new container (``changed`` is
    None) or of the fields ``changed`` by an update; a container stays in ``proposal_id``
    when given."""
    dewar = references.get("dewarId", values.get("dewarId"), get_dewar, "Dewar")
    session = references.get("sessionId", values.get("sessionId"), get_session, "BLSession")
    parent = references.get(
        "parentContainerId", values.get("parentContainerId"), get_container, "Container"
    )
    placed = changed is None or bool({"dewarId", "sessionId"} & changed)
    if placed and values.get("dewarId") is None and values.get("sessionId") is None:
        references.add(
            "dewarId",
            "Give the dewar (dewarId), or the session (sessionId) of a container outside any "
            "shipment.",
        )
    owner = proposal_id
    if dewar is not None:
        references.same_proposal("dewarId", dewar.Shipping.proposalId, owner)
        owner = owner or dewar.Shipping.proposalId
    if session is not None:
        references.same_proposal("sessionId", session.proposalId, owner)
        owner = owner or session.proposalId
    if parent is not None:
        references.same_proposal("parentContainerId", container_proposal_id(parent), owner)
    sized = changed is None or bool({"capacity", "containerType"} & changed)
    if sized and values.get("capacity") is None:
        references.add(
            "capacity",
            "Give the number of positions: core knows the capacity of "
            f"{', '.join(KNOWN_CAPACITIES)} containers only.",
        )
    references.raise_problems()


def _with_capacity(values: dict[str, Any]) -> dict[str, Any]:
    return {**values, "capacity": capacity_of(values.get("containerType"), values.get("capacity"))}


def create_container(*, db_session: Session, data: dict[str, Any], caller: Caller) -> Container:
    require_member_write(caller, data, what="containers", staff_fields=STAFF_FIELDS)
    values = _with_capacity(data)
    _check_references(References(db_session, caller), values, proposal_id=None)
    container = create_row(
        db_session, Container, {**values, "bltimeStamp": lifecycle.facility_time()}
    )
    return get_container(db_session=db_session, ref=str(container.containerId), caller=caller)


def _highest_occupied_position(db_session: Session, container_id: int) -> int:
    locations = db_session.scalars(
        select(BLSample.location).where(BLSample.containerId == container_id)
    )
    return max((int(location) for location in locations if (location or "").isdigit()), default=0)


def update_container(
    *, db_session: Session, container: Container, data: dict[str, Any], caller: Caller
) -> Container:
    what = f"container {container.code or container.containerId}"
    require_member_write(caller, data, what=what, staff_fields=STAFF_FIELDS)
    merged = {
        key: data[key] if key in data else getattr(container, key)
        for key in ("dewarId", "sessionId", "parentContainerId", "containerType", "capacity")
    }
    merged = _with_capacity(merged)
    _check_references(
        References(db_session, caller),
        merged,
        proposal_id=container_proposal_id(container),
        changed=frozenset(data),
    )
    values = dict(data)
    if {"capacity", "containerType"} & set(data):
        values["capacity"] = merged["capacity"]
    if values.get("capacity") is not None and values["capacity"] != container.capacity:
        highest = _highest_occupied_position(db_session, container.containerId)
        if highest > values["capacity"]:
            raise Conflict(
                f"Position {highest} of {what} holds a sample.",
                {"capacity": [f"Must be at least {highest}: position {highest} is occupied."]},
            )
    return update_row(db_session, container, values)
