from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, exists, or_, select, true
from sqlalchemy.orm import Session, selectinload

from ispyb_shared.auth import Caller
from ispyb_shared.crud import create_row, one_or_404, ref_condition, update_row
from ispyb_shared.errors import Conflict, NotFound
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate

from ..access import proposal_id_condition, require_staff, sees_everything
from ..lab_contacts.service import get_lab_contact
from ..ownership import References
from ..proposals.service import get_proposal
from .models import DewarRegistry, DewarRegistryHasProposal

LIST_SPEC = ListSpec(
    filters={
        "facilityCode": Filter(DewarRegistry.facilityCode, ("eq", "in", "contains"), "Code"),
        "proposalId": Filter(DewarRegistry.proposalId, ("eq", "in"), "Owning proposal id"),
        "type": Filter(DewarRegistry.type, ("eq", "in"), "Dewar, Toolbox or Thermal Shipper"),
        "manufacturerSerialNumber": Filter(
            DewarRegistry.manufacturerSerialNumber, ("eq",), "Manufacturer's serial number"
        ),
    },
    sortable={
        "dewarRegistryId": DewarRegistry.dewarRegistryId,
        "facilityCode": DewarRegistry.facilityCode,
        "purchaseDate": DewarRegistry.purchaseDate,
    },
    default_sort=("facilityCode",),
    tiebreak=(DewarRegistry.dewarRegistryId,),
)


def _linked_to(proposal_condition) -> ColumnElement[bool]:
    return exists(
        select(DewarRegistryHasProposal.dewarRegistryHasProposalId).where(
            DewarRegistryHasProposal.dewarRegistryId == DewarRegistry.dewarRegistryId,
            proposal_condition,
        )
    )


def registry_condition(caller: Caller) -> ColumnElement[bool]:
    """Registered dewars of a visible proposal: owned by it or shared with it."""
    if sees_everything(caller):
        return true()
    return proposal_id_condition(caller, DewarRegistry.proposalId) | _linked_to(
        proposal_id_condition(caller, DewarRegistryHasProposal.proposalId)
    )


def _visible(caller: Caller):
    # Links to proposals the caller cannot see are left out of the answer.
    visible_links = DewarRegistry.proposals.and_(
        proposal_id_condition(caller, DewarRegistryHasProposal.proposalId)
    )
    return (
        select(DewarRegistry).where(registry_condition(caller)).options(selectinload(visible_links))
    )


def registered_dewar_ids(
    db_session: Session, facility_codes: Iterable[str], proposal_id: int
) -> dict[str, int]:
    """facilityCode -> dewarRegistryId of the given codes registered for the proposal."""
    codes = sorted(set(facility_codes))
    if not codes:
        return {}
    statement = select(DewarRegistry.facilityCode, DewarRegistry.dewarRegistryId).where(
        DewarRegistry.facilityCode.in_(codes),
        or_(
            DewarRegistry.proposalId == proposal_id,
            _linked_to(DewarRegistryHasProposal.proposalId == proposal_id),
        ),
    )
    return dict(db_session.execute(statement).all())


def list_registered_dewars(*, db_session: Session, params: ListParams, caller: Caller) -> Page:
    return paginate(db_session, _visible(caller), params, LIST_SPEC)


def get_registered_dewar(*, db_session: Session, ref: str, caller: Caller) -> DewarRegistry:
    """By id, UUID or facility code."""
    condition = ref_condition(
        ref,
        id_column=DewarRegistry.dewarRegistryId,
        uuid_column=DewarRegistry.uuid,
        by_name=lambda code: DewarRegistry.facilityCode == code,
    )
    return one_or_404(db_session, _visible(caller).where(condition), "Registered dewar", ref)


def _check_references(db_session: Session, data: dict[str, Any], caller: Caller) -> None:
    references = References(db_session, caller)
    proposal = references.get("proposalId", data.get("proposalId"), get_proposal, "Proposal")
    contact = references.get(
        "labContactId", data.get("labContactId"), get_lab_contact, "LabContact"
    )
    if proposal is not None and contact is not None:
        references.same_proposal("labContactId", contact.proposalId, proposal.proposalId)
    references.raise_problems()


def create_registered_dewar(
    *, db_session: Session, data: dict[str, Any], caller: Caller
) -> DewarRegistry:
    # A dewar of no proposal is seen by staff of every beamline only: theirs to register.
    require_staff(
        caller, action="register dewars of no proposal", unrestricted=data.get("proposalId") is None
    )
    _check_references(db_session, data, caller)
    dewar = create_row(db_session, DewarRegistry, data)
    return get_registered_dewar(
        db_session=db_session, ref=str(dewar.dewarRegistryId), caller=caller
    )


def update_registered_dewar(
    *, db_session: Session, dewar: DewarRegistry, data: dict[str, Any], caller: Caller
) -> DewarRegistry:
    require_staff(caller, action="change registered dewars")
    _check_references(db_session, data, caller)
    return update_row(db_session, dewar, data)


def add_proposal(
    *, db_session: Session, dewar: DewarRegistry, data: dict[str, Any], caller: Caller
) -> DewarRegistryHasProposal:
    require_staff(caller, action="share registered dewars")
    references = References(db_session, caller)
    references.get("proposalId", data["proposalId"], get_proposal, "Proposal")
    contact = references.get(
        "labContactId", data.get("labContactId"), get_lab_contact, "LabContact"
    )
    if contact is not None:
        references.same_proposal("labContactId", contact.proposalId, data["proposalId"])
    references.raise_problems()
    already = db_session.execute(
        select(DewarRegistryHasProposal.dewarRegistryHasProposalId).where(
            DewarRegistryHasProposal.dewarRegistryId == dewar.dewarRegistryId,
            DewarRegistryHasProposal.proposalId == data["proposalId"],
        )
    ).first()
    if already is not None:
        raise Conflict(
            f"Dewar {dewar.facilityCode} is already shared with proposal {data['proposalId']}.",
            {"proposalId": ["Already allowed to use this dewar."]},
        )
    return create_row(
        db_session, DewarRegistryHasProposal, {**data, "dewarRegistryId": dewar.dewarRegistryId}
    )


def remove_proposal(
    *, db_session: Session, dewar: DewarRegistry, proposal_ref: str, caller: Caller
) -> None:
    require_staff(caller, action="share registered dewars")
    proposal = get_proposal(db_session=db_session, ref=proposal_ref, caller=caller)
    link = db_session.execute(
        select(DewarRegistryHasProposal).where(
            DewarRegistryHasProposal.dewarRegistryId == dewar.dewarRegistryId,
            DewarRegistryHasProposal.proposalId == proposal.proposalId,
        )
    ).scalar_one_or_none()
    if link is None:
        raise NotFound(
            f"Dewar {dewar.facilityCode} is not shared with proposal {proposal.name}.",
            {"ref": [proposal_ref]},
        )
    db_session.delete(link)
    db_session.flush()
