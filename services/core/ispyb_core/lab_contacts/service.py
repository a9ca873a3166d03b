from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ispyb_shared.crud import create_row, one_or_404, ref_condition, update_row
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate

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


def _with_person():
    return select(LabContact).options(joinedload(LabContact.Person))


def list_lab_contacts(*, db_session: Session, params: ListParams) -> Page:
    return paginate(db_session, _with_person(), params, LIST_SPEC)


def get_lab_contact(*, db_session: Session, ref: str) -> LabContact:
    """By id or UUID."""
    condition = ref_condition(ref, id_column=LabContact.labContactId, uuid_column=LabContact.uuid)
    return one_or_404(db_session, _with_person().where(condition), "Lab contact", ref)


def create_lab_contact(*, db_session: Session, data: dict[str, Any]) -> LabContact:
    contact = create_row(db_session, LabContact, data)
    return get_lab_contact(db_session=db_session, ref=str(contact.labContactId))


def update_lab_contact(
    *, db_session: Session, lab_contact: LabContact, data: dict[str, Any]
) -> LabContact:
    update_row(db_session, lab_contact, data)
    db_session.refresh(lab_contact, ["Person"])
    return lab_contact
