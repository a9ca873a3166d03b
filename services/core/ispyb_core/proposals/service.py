from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, select
from sqlalchemy.orm import Session, joinedload

from ispyb_shared.auth import Caller
from ispyb_shared.crud import check_period, create_row, one_or_404, ref_condition, update_row
from ispyb_shared.errors import Conflict
from ispyb_shared.listing import (
    Filter,
    ListParams,
    ListSpec,
    Page,
    Search,
    paginate,
    prefix_like,
    same_text,
)
from ispyb_shared.plain import PlainRead

from ..access import proposal_condition, require_fields_allowed, require_staff
from ..persons.models import Person
from ..persons.service import get_person
from .models import Proposal, ProposalHasPerson

_PROPOSAL_NAME = re.compile(r"^([^\d\s]+)(\d\S*)$")


def proposal_name_prefix(word: str, key=Proposal.proposalId) -> Select:
    """``key`` of the proposals whose name begins with ``word`` (``mx12``: code mx and a
    number beginning with 12), on the (code, number) index; none when it is not a name."""
    match = _PROPOSAL_NAME.match(word)
    statement = select(key).select_from(Proposal)
    if match is None:
        return statement.where(false())
    return statement.where(
        same_text(Proposal.proposalCode, match[1]), prefix_like(Proposal.proposalNumber, match[2])
    )


PROPOSAL_SEARCH = Search(
    key=Proposal.proposalId,
    columns=(Proposal.proposalCode, Proposal.proposalNumber, Proposal.title),
    branches=(proposal_name_prefix,),
    description="the proposal's code, number, name (mx1234) or title",
)

LIST_SPEC = ListSpec(
    filters={
        "proposalCode": Filter(Proposal.proposalCode, ("eq", "in"), "Proposal code"),
        "proposalNumber": Filter(Proposal.proposalNumber, ("eq", "in"), "Proposal number"),
        "state": Filter(Proposal.state, ("eq", "in"), "State"),
        "proposalType": Filter(Proposal.proposalType, ("eq", "in"), "Proposal type"),
        "personId": Filter(Proposal.personId, ("eq", "in"), "Owner (person id)"),
        "title": Filter(Proposal.title, ("contains",), "Title"),
        "startDate": Filter(Proposal.startDate, ("gt", "gte", "lt", "lte"), "Allocation start"),
        "endDate": Filter(Proposal.endDate, ("gt", "gte", "lt", "lte"), "Allocation end"),
    },
    sortable={
        "proposalId": Proposal.proposalId,
        "proposalCode": Proposal.proposalCode,
        "proposalNumber": Proposal.proposalNumber,
        "title": Proposal.title,
        "bltimeStamp": Proposal.bltimeStamp,
        "startDate": Proposal.startDate,
    },
    default_sort=("proposalCode", "proposalNumber"),
    tiebreak=(Proposal.proposalId,),
    search=PROPOSAL_SEARCH,
)

MEMBER_LIST_SPEC = ListSpec(
    filters={"role": Filter(ProposalHasPerson.role, ("eq", "in"), "Role")},
    sortable={
        "personId": ProposalHasPerson.personId,
        "role": ProposalHasPerson.role,
        "familyName": Person.familyName,
    },
    default_sort=("familyName",),
    tiebreak=(ProposalHasPerson.proposalHasPersonId,),
)


def proposal_name_condition(name: str) -> ColumnElement[bool] | None:
    """``mx1234`` -> proposalCode 'mx' and proposalNumber '1234'."""
    match = _PROPOSAL_NAME.match(name)
    if match is None:
        return None
    return and_(Proposal.proposalCode == match[1], Proposal.proposalNumber == match[2])


# What those who can see a proposal may change; the rest (code, number, owner, state,
# allocation dates) is the user office's, through staff.
MEMBER_FIELDS = frozenset({"title"})


# The list's rows as plain values (ispyb_shared.plain): the ORM's objects cost more than
# the rest of the request; the answer is the same (tests/core/test_plain_reads.py).
PLAIN_PROPOSAL = PlainRead(Proposal)


def list_proposals(*, db_session: Session, params: ListParams, caller: Caller) -> Page:
    statement = PLAIN_PROPOSAL.select().where(proposal_condition(caller))
    return paginate(db_session, statement, params, LIST_SPEC, plain=PLAIN_PROPOSAL)


def get_proposal(*, db_session: Session, ref: str, caller: Caller) -> Proposal:
    """By id, UUID or name (mx1234)."""
    condition = ref_condition(
        ref,
        id_column=Proposal.proposalId,
        uuid_column=Proposal.uuid,
        by_name=proposal_name_condition,
    )
    statement = select(Proposal).where(condition, proposal_condition(caller))
    return one_or_404(db_session, statement, "Proposal", ref)


def create_proposal(*, db_session: Session, data: dict[str, Any], caller: Caller) -> Proposal:
    require_staff(caller, action="create proposals", unrestricted=True)
    check_period(data, start="startDate", end="endDate")
    return create_row(db_session, Proposal, data)


def update_proposal(
    *, db_session: Session, proposal: Proposal, data: dict[str, Any], caller: Caller
) -> Proposal:
    require_fields_allowed(
        caller,
        data,
        member_fields=MEMBER_FIELDS,
        what=f"proposal {proposal.name}",
        unrestricted=True,
    )
    check_period(data, start="startDate", end="endDate", current=proposal)
    return update_row(db_session, proposal, data)


def _members():
    return (
        select(ProposalHasPerson)
        .join(ProposalHasPerson.Person)
        .options(joinedload(ProposalHasPerson.Person))
    )


def list_members(*, db_session: Session, proposal: Proposal, params: ListParams) -> Page:
    statement = _members().where(ProposalHasPerson.proposalId == proposal.proposalId)
    return paginate(db_session, statement, params, MEMBER_LIST_SPEC)


def get_member(
    *, db_session: Session, proposal: Proposal, person_ref: str, caller: Caller
) -> ProposalHasPerson:
    person = get_person(db_session=db_session, ref=person_ref, caller=caller)
    statement = _members().where(
        ProposalHasPerson.proposalId == proposal.proposalId,
        ProposalHasPerson.personId == person.personId,
    )
    return one_or_404(db_session, statement, "Member", f"{person_ref} of proposal {proposal.name}")


def add_member(
    *, db_session: Session, proposal: Proposal, data: dict[str, Any], caller: Caller
) -> ProposalHasPerson:
    require_staff(caller, action="manage proposal members", unrestricted=True)
    already = db_session.execute(
        select(ProposalHasPerson.proposalHasPersonId).where(
            ProposalHasPerson.proposalId == proposal.proposalId,
            ProposalHasPerson.personId == data["personId"],
        )
    ).first()
    if already is not None:
        raise Conflict(
            f"Person {data['personId']} is already a member of {proposal.name}.",
            {"personId": ["Already a member."]},
        )
    member = create_row(db_session, ProposalHasPerson, {**data, "proposalId": proposal.proposalId})
    return get_member(
        db_session=db_session, proposal=proposal, person_ref=str(member.personId), caller=caller
    )


def update_member(
    *, db_session: Session, member: ProposalHasPerson, data: dict[str, Any], caller: Caller
) -> ProposalHasPerson:
    require_staff(caller, action="manage proposal members", unrestricted=True)
    return update_row(db_session, member, data)


def remove_member(*, db_session: Session, member: ProposalHasPerson, caller: Caller) -> None:
    require_staff(caller, action="manage proposal members", unrestricted=True)
    db_session.delete(member)
    db_session.flush()
