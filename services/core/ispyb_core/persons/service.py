from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ispyb_shared.auth import Caller
from ispyb_shared.crud import create_row, one_or_404, ref_condition, update_row
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, Search, paginate

from ..access import person_condition, require_fields_allowed, require_staff
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
    search=Search(
        key=Person.personId,
        columns=(Person.familyName, Person.givenName, Person.login, Person.emailAddress),
        description="family or given name, login or e-mail address",
    ),
)


# What people may change about themselves; the rest (login, laboratory...) is staff's.
SELF_SERVICE_FIELDS = frozenset(
    {"givenName", "familyName", "title", "emailAddress", "phoneNumber", "faxNumber"}
)


def list_persons(*, db_session: Session, params: ListParams, caller: Caller) -> Page:
    statement = select(Person).where(person_condition(caller))
    return paginate(db_session, statement, params, LIST_SPEC)


def get_person(*, db_session: Session, ref: str, caller: Caller) -> Person:
    """By id, UUID or login."""
    condition = ref_condition(
        ref,
        id_column=Person.personId,
        uuid_column=Person.uuid,
        by_name=lambda login: Person.login == login,
    )
    statement = select(Person).where(condition, person_condition(caller))
    return one_or_404(db_session, statement, "Person", ref)


def create_person(*, db_session: Session, data: dict[str, Any], caller: Caller) -> Person:
    require_staff(caller, action="create persons")
    return create_row(db_session, Person, data)


def update_person(
    *, db_session: Session, person: Person, data: dict[str, Any], caller: Caller
) -> Person:
    is_self = caller.kind == "user" and person.login == caller.subject
    require_fields_allowed(
        caller,
        data,
        member_fields=SELF_SERVICE_FIELDS if is_self else frozenset(),
        what=f"person {person.login or person.personId}",
    )
    return update_row(db_session, person, data)
