from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ispyb_shared.crud import create_row, one_or_404, ref_condition, update_row
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate

from .models import Person

LIST_SPEC = ListSpec(
    filters={
        "login": Filter(Person.login, ("eq", "in"), "Login"),
        "familyName": Filter(Person.familyName, ("eq", "in", "contains"), "Family name"),
        "givenName": Filter(Person.givenName, ("eq", "contains"), "Given name"),
        "emailAddress": Filter(Person.emailAddress, ("eq",), "E-mail address"),
        "laboratoryId": Filter(Person.laboratoryId, ("eq", "in"), "Laboratory id"),
    },
    sortable={
        "personId": Person.personId,
        "familyName": Person.familyName,
        "givenName": Person.givenName,
        "login": Person.login,
    },
    default_sort=("familyName", "givenName"),
    tiebreak=(Person.personId,),
)


def list_persons(*, db_session: Session, params: ListParams) -> Page:
    return paginate(db_session, select(Person), params, LIST_SPEC)


def get_person(*, db_session: Session, ref: str) -> Person:
    """By id, UUID or login."""
    condition = ref_condition(
        ref,
        id_column=Person.personId,
        uuid_column=Person.uuid,
        by_name=lambda login: Person.login == login,
    )
    return one_or_404(db_session, select(Person).where(condition), "Person", ref)


def create_person(*, db_session: Session, data: dict[str, Any]) -> Person:
    return create_row(db_session, Person, data)


def update_person(*, db_session: Session, person: Person, data: dict[str, Any]) -> Person:
    return update_row(db_session, person, data)
