from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ispyb_shared.auth import Caller
from ispyb_shared.crud import create_row, one_or_404, ref_condition, update_row
from ispyb_shared.errors import NotFound, ValidationFailed
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate

from ..access import proposal_id_condition, require_fields_allowed
from ..persons.service import get_person
from ..proposals.service import get_proposal
from .models import LabContact

LIST_SPEC = ListSpec(
    filters={
        "proposalId": Filter(LabContact.proposalId, ("eq", "in"), "Proposal id"),
        "personId": Filter(LabContact.personId, ("eq", "in"), "Person id"),
        "cardName": Filter(LabContact.cardName, ("eq", "contains"), "Card name"),
    },
    sortable={"labContactId": LabContact.labContactId, "cardName": LabContact.cardName},
    default_sort=("cardName",),
    tiebreak=(LabContact.labContactId,),
)


def _visible(caller: Caller):
    return (
        select(LabContact)
        .options(joinedload(LabContact.Person))
        .where(proposal_id_condition(caller, LabContact.proposalId))
    )


def list_lab_contacts(*, db_session: Session, params: ListParams, caller: Caller) -> Page:
    return paginate(db_session, _visible(caller), params, LIST_SPEC)


def get_lab_contact(*, db_session: Session, ref: str, caller: Caller) -> LabContact:
    """By id or UUID."""
    condition = ref_condition(ref, id_column=LabContact.labContactId, uuid_column=LabContact.uuid)
    return one_or_404(db_session, _visible(caller).where(condition), "Lab contact", ref)


def _require_access(db_session: Session, data: dict[str, Any], caller: Caller) -> None:
    """Contacts belong to a proposal: only those who see it (and the person named) may
    add or move contacts. A proposal or person the caller cannot see is refused exactly
    like one that does not exist, so the answer tells nothing about other proposals."""
    lookups = {"proposalId": (get_proposal, "Proposal"), "personId": (get_person, "Person")}
    problems = {}
    for field, (lookup, table) in lookups.items():
        if not isinstance(data.get(field), int):
            continue
        try:
            lookup(db_session=db_session, ref=str(data[field]), caller=caller)
        except NotFound:
            problems[field] = [f"No {table} with {field} {data[field]!r}."]
    if problems:
        raise ValidationFailed("A referenced row does not exist.", problems)


def create_lab_contact(*, db_session: Session, data: dict[str, Any], caller: Caller) -> LabContact:
    require_fields_allowed(caller, data, member_fields=frozenset(data), what="lab contacts")
    _require_access(db_session, data, caller)
    contact = create_row(db_session, LabContact, data)
    return get_lab_contact(db_session=db_session, ref=str(contact.labContactId), caller=caller)


def update_lab_contact(
    *, db_session: Session, lab_contact: LabContact, data: dict[str, Any], caller: Caller
) -> LabContact:
    require_fields_allowed(caller, data, member_fields=frozenset(data), what="lab contacts")
    _require_access(db_session, data, caller)
    update_row(db_session, lab_contact, data)
    db_session.refresh(lab_contact, ["Person"])
    return lab_contact
