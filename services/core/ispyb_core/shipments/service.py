from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ispyb_shared.auth import Caller
from ispyb_shared.crud import create_row, one_or_404, ref_condition, update_row
from ispyb_shared.errors import Conflict, NotFound
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, Search, paginate
from ispyb_shared.plain import PlainRead

from ..access import proposal_id_condition, require_member_write
from ..containers.models import Container
from ..crystals.models import Crystal
from ..dewars.models import Dewar
from ..diffraction_plans.models import DiffractionPlan
from ..lab_contacts.service import get_lab_contact
from ..ownership import References, proposal_name
from ..proposals.models import Proposal
from ..proposals.service import get_proposal
from ..proteins.models import Protein
from ..samples.models import BLSample
from ..sessions.models import BLSession
from ..sessions.service import get_session
from . import lifecycle
from .models import Shipping, ShippingHasSession, ShippingStatusHistory

LIST_SPEC = ListSpec(
    filters={
        "proposalId": Filter(Shipping.proposalId, ("eq", "in"), "Proposal id"),
        "proposal": Filter(proposal_name(Shipping.proposalId), ("eq", "in"), "Proposal name"),
        "shippingName": Filter(Shipping.shippingName, ("eq", "contains"), "Name"),
        "shippingStatus": Filter(Shipping.shippingStatus, ("eq", "in"), "Status"),
        "shippingType": Filter(Shipping.shippingType, ("eq", "in"), "Kind of shipment"),
        "creationDate": Filter(Shipping.creationDate, ("gt", "gte", "lt", "lte"), "Created"),
    },
    sortable={
        "shippingId": Shipping.shippingId,
        "shippingName": Shipping.shippingName,
        "shippingStatus": Shipping.shippingStatus,
        "creationDate": Shipping.creationDate,
    },
    default_sort=("-creationDate",),
    tiebreak=(Shipping.shippingId,),
    search=Search(key=Shipping.shippingId, columns=(Shipping.shippingName,), description="name"),
)

HISTORY_LIST_SPEC = ListSpec(
    filters={
        "shippingStatus": Filter(ShippingStatusHistory.shippingStatus, ("eq", "in"), "Status")
    },
    sortable={
        "recordTimeStamp": ShippingStatusHistory.recordTimeStamp,
        "shippingStatusHistoryId": ShippingStatusHistory.shippingStatusHistoryId,
    },
    default_sort=("recordTimeStamp",),
    tiebreak=(ShippingStatusHistory.shippingStatusHistoryId,),
)

# The contents of a shipment in two statements whatever their number: the shipment with
# its sessions (and their proposals) joined, then its dewars with their containers,
# samples, crystals, proteins and plans joined.
CONTENTS = (
    selectinload(Shipping.dewars)
    .joinedload(Dewar.containers)
    .joinedload(Container.samples)
    .options(
        joinedload(BLSample.Crystal).joinedload(Crystal.Protein),
        joinedload(BLSample.DiffractionPlan),
    ),
    joinedload(Shipping.sessions).joinedload(BLSession.Proposal),
)


def visible_shipments(caller: Caller):
    return select(Shipping).where(proposal_id_condition(caller, Shipping.proposalId))


def contents_options(expand: frozenset[str]) -> list:
    """The loader options of the contents named (expand=): one statement for the dewars
    with their containers and samples joined, one for the sessions, whatever the page
    size."""
    options: list = []
    if "dewars" in expand:
        dewars = selectinload(Shipping.dewars)
        if "dewars.containers" in expand:
            dewars = dewars.joinedload(Dewar.containers)
            if "dewars.containers.samples" in expand:
                dewars = dewars.joinedload(Container.samples).options(
                    joinedload(BLSample.Crystal).joinedload(Crystal.Protein),
                    joinedload(BLSample.DiffractionPlan),
                )
        options.append(dewars)
    if "sessions" in expand:
        options.append(selectinload(Shipping.sessions).joinedload(BLSession.Proposal))
    return options


def list_shipments(
    *, db_session: Session, params: ListParams, caller: Caller, expand: frozenset[str] = frozenset()
) -> Page:
    statement = visible_shipments(caller).options(*contents_options(expand))
    return paginate(db_session, statement, params, LIST_SPEC)


def get_shipment(*, db_session: Session, ref: str, caller: Caller) -> Shipping:
    """By id or UUID."""
    condition = ref_condition(ref, id_column=Shipping.shippingId, uuid_column=Shipping.uuid)
    return one_or_404(db_session, visible_shipments(caller).where(condition), "Shipment", ref)


def get_shipment_contents(*, db_session: Session, ref: str, caller: Caller) -> Shipping:
    """A shipment with its dewars, containers, samples (with crystals, proteins and plans)
    and sessions. Everything in a visible shipment belongs to its proposal."""
    condition = ref_condition(ref, id_column=Shipping.shippingId, uuid_column=Shipping.uuid)
    statement = visible_shipments(caller).where(condition).options(*CONTENTS)
    return one_or_404(db_session, statement, "Shipment", ref)


# The same contents as plain values (ispyb_shared.plain), for the item's GET: the ORM's
# objects of every dewar, container, sample, crystal and protein were three quarters of
# its time. The same two statements (the shipment with its sessions; its dewars with
# everything in them), in the order of the relationships' order_by; the writes' answers
# stay ORM objects (those their session holds). tests/core/test_plain_reads.py compares.
_PLAIN_SHIPPING = PlainRead(Shipping, mutable=True)
_PLAIN_SHIPMENT_SESSION = PlainRead(
    BLSession, joined={"Proposal": PlainRead(Proposal, derived=False)}
)
_PLAIN_DEWAR = PlainRead(Dewar, mutable=True)
_PLAIN_CONTAINER = PlainRead(Container, mutable=True)
_PLAIN_SAMPLE = PlainRead(
    BLSample,
    joined={
        "Crystal": PlainRead(Crystal, joined={"Protein": PlainRead(Protein)}),
        "DiffractionPlan": PlainRead(DiffractionPlan),
    },
)


@functools.cache
def _contents_reads():
    """The row builders and the dewars' statement (built once, on first use)."""
    dewar_width, container_width = _PLAIN_DEWAR.width, _PLAIN_CONTAINER.width
    dewars = (
        select(*_PLAIN_DEWAR.columns, *_PLAIN_CONTAINER.columns, *_PLAIN_SAMPLE.columns)
        .select_from(Dewar)
        .outerjoin(Container, Container.dewarId == Dewar.dewarId)
        .outerjoin(BLSample, BLSample.containerId == Container.containerId)
        .outerjoin(Crystal, Crystal.crystalId == BLSample.crystalId)
        .outerjoin(Protein, Protein.proteinId == Crystal.proteinId)
        .outerjoin(DiffractionPlan, DiffractionPlan.diffractionPlanId == BLSample.diffractionPlanId)
        .where(Dewar.shippingId == bindparam("shipping"))
        .order_by(Dewar.dewarId, Container.containerId, BLSample.blSampleId)
    )
    return (
        _PLAIN_SHIPPING.builder(),
        _PLAIN_SHIPMENT_SESSION.builder(_PLAIN_SHIPPING.width, optional=True),
        _PLAIN_DEWAR.builder(),
        _PLAIN_CONTAINER.builder(dewar_width, optional=True),
        _PLAIN_SAMPLE.builder(dewar_width + container_width, optional=True),
        dewars,
    )


def read_shipment_contents(*, db_session: Session, ref: str, caller: Caller) -> Any:
    """get_shipment_contents' answer as plain values (a read: nothing to write back)."""
    condition = ref_condition(ref, id_column=Shipping.shippingId, uuid_column=Shipping.uuid)
    # The visibility rule in a subquery of its own: its EXISTS over BLSession would
    # otherwise correlate with the sessions joined below (and leave itself no FROM).
    visible = (
        select(Shipping.shippingId)
        .where(condition, proposal_id_condition(caller, Shipping.proposalId))
        .correlate(None)
    )
    statement = (
        select(*_PLAIN_SHIPPING.columns, *_PLAIN_SHIPMENT_SESSION.columns)
        .select_from(Shipping)
        .outerjoin(ShippingHasSession, ShippingHasSession.shippingId == Shipping.shippingId)
        .outerjoin(BLSession, BLSession.sessionId == ShippingHasSession.sessionId)
        .outerjoin(Proposal, Proposal.proposalId == BLSession.proposalId)
        .where(condition, Shipping.shippingId.in_(visible))
        .order_by(BLSession.sessionId)
    )
    shipping_of, session_of, dewar_of, container_of, sample_of, dewars_statement = _contents_reads()
    rows = db_session.execute(statement).all()
    if not rows:
        raise NotFound(f"Shipment {ref!s} does not exist.", {"ref": [str(ref)]})
    shipping = shipping_of(rows[0])
    sessions = [session_of(row) for row in rows]
    shipping.sessions = [session for session in sessions if session is not None]
    shipping.dewars = dewars = []
    dewar = container = None
    for row in db_session.execute(dewars_statement, {"shipping": shipping.shippingId}):
        if dewar is None or dewar.dewarId != row[0]:
            dewar = dewar_of(row)
            dewar.containers = []
            dewars.append(dewar)
            container = None
        found = container_of(row)
        if found is None:
            continue
        if container is None or container.containerId != found.containerId:
            container = found
            container.samples = []
            dewar.containers.append(container)
        sample = sample_of(row)
        if sample is not None:
            container.samples.append(sample)
    return shipping


def check_contacts(references: References, data: dict[str, Any], proposal_id: int) -> None:
    for field in ("sendingLabContactId", "returnLabContactId"):
        contact = references.get(field, data.get(field), get_lab_contact, "LabContact")
        if contact is not None:
            references.same_proposal(field, contact.proposalId, proposal_id)


def create_shipment(*, db_session: Session, data: dict[str, Any], caller: Caller) -> Shipping:
    require_member_write(caller, data, what="shipments")
    references = References(db_session, caller)
    references.get("proposalId", data["proposalId"], get_proposal, "Proposal")
    check_contacts(references, data, data["proposalId"])
    references.raise_problems()
    return add_shipment(db_session, data, caller=caller)


def add_shipment(db_session: Session, data: dict[str, Any], *, caller: Caller) -> Shipping:
    """Write a checked shipment: it starts 'opened', and that is its first history entry."""
    now = lifecycle.facility_time()
    shipping = create_row(db_session, Shipping, {**data, "creationDate": now, "bltimeStamp": now})
    lifecycle.set_shipping_status(db_session, shipping, lifecycle.OPENED, caller=caller)
    db_session.flush()
    return shipping


def update_shipment(
    *, db_session: Session, shipping: Shipping, data: dict[str, Any], caller: Caller
) -> Shipping:
    what = f"shipment {shipping.shippingName or shipping.shippingId}"
    require_member_write(caller, data, what=what)
    references = References(db_session, caller)
    check_contacts(references, data, shipping.proposalId)
    references.raise_problems()
    values = dict(data)
    status = values.pop("shippingStatus", None)
    if status is not None:
        lifecycle.check_transition(
            caller, current=shipping.shippingStatus, new=status, field="shippingStatus", what=what
        )
        previous = lifecycle.current_status(shipping.shippingStatus)
        if status != previous or shipping.shippingStatus is None:
            lifecycle.set_shipping_status(db_session, shipping, status, caller=caller)
            lifecycle.move_dewars_along(db_session, shipping, previous=previous, new=status)
    return update_row(db_session, shipping, values)


def list_history(*, db_session: Session, shipping: Shipping, params: ListParams) -> Page:
    statement = select(ShippingStatusHistory).where(
        ShippingStatusHistory.shippingId == shipping.shippingId
    )
    return paginate(db_session, statement, params, HISTORY_LIST_SPEC)


def add_session(
    *, db_session: Session, shipping: Shipping, data: dict[str, Any], caller: Caller
) -> BLSession:
    require_member_write(caller, data, what=f"shipment {shipping.shippingId}")
    references = References(db_session, caller)
    session = references.get("sessionId", data["sessionId"], get_session, "BLSession")
    if session is not None:
        references.same_proposal("sessionId", session.proposalId, shipping.proposalId)
    references.raise_problems()
    if db_session.get(ShippingHasSession, (shipping.shippingId, session.sessionId)) is not None:
        raise Conflict(
            f"The shipment is already for session {session.visit}.",
            {"sessionId": ["Already linked to this shipment."]},
        )
    create_row(
        db_session,
        ShippingHasSession,
        {"shippingId": shipping.shippingId, "sessionId": session.sessionId},
    )
    return session


def remove_session(
    *, db_session: Session, shipping: Shipping, session_ref: str, caller: Caller
) -> None:
    require_member_write(caller, (), what=f"shipment {shipping.shippingId}")
    session = get_session(db_session=db_session, ref=session_ref, caller=caller)
    link = db_session.get(ShippingHasSession, (shipping.shippingId, session.sessionId))
    if link is None:
        raise NotFound(
            f"Shipment {shipping.shippingId} is not for session {session.visit}.",
            {"ref": [session_ref]},
        )
    db_session.delete(link)
    db_session.flush()
