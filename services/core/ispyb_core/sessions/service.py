from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.orm import Session, contains_eager, joinedload, with_expression

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

from ..access import require_fields_allowed, require_staff, session_condition
from ..persons.models import Person
from ..persons.service import get_person
from ..proposals.models import Proposal
from ..proposals.service import proposal_name_condition, proposal_name_prefix
from .models import BLSession, SessionHasPerson

_VISIT_NAME = re.compile(r"^(.+)-(\d+)$")
_VISIT_WORD = re.compile(r"^([^\d\s]+)(\d+)-(\d+)$")


def _sessions_of(condition) -> Any:
    """Sessions of the proposals matching ``condition``: the proposals through their
    index, then their sessions through the (proposalId, visit_number) index."""
    return (
        select(BLSession.sessionId)
        .join(Proposal, Proposal.proposalId == BLSession.proposalId)
        .where(condition)
    )


def _visit_word(word: str) -> Any:
    """``mx1234-5``: the visit 5 of proposal mx1234."""
    match = _VISIT_WORD.match(word)
    if match is None:
        return select(BLSession.sessionId).where(false())
    return _sessions_of(
        and_(
            same_text(Proposal.proposalCode, match[1]),
            same_text(Proposal.proposalNumber, match[2]),
            BLSession.visit_number == int(match[3]),
        )
    )


SESSION_SEARCH = Search(
    key=BLSession.sessionId,
    columns=(BLSession.beamLineName,),
    branches=(
        lambda word: _sessions_of(prefix_like(Proposal.proposalCode, word)),
        lambda word: _sessions_of(prefix_like(Proposal.proposalNumber, word)),
        lambda word: _sessions_of(
            Proposal.proposalId.in_(proposal_name_prefix(word, Proposal.proposalId))
        ),
        _visit_word,
    ),
    description="the beamline, or the proposal's code, number or name (mx1234), or the "
    "visit (mx1234-5)",
)

LIST_SPEC = ListSpec(
    filters={
        "proposalId": Filter(BLSession.proposalId, ("eq", "in"), "Proposal id"),
        "proposal": Filter(
            Proposal.proposalCode + Proposal.proposalNumber,
            ("eq", "in"),
            "Proposal name",
            condition=lambda names: _proposal_names(names),
        ),
        "beamLineName": Filter(BLSession.beamLineName, ("eq", "in"), "Beamline"),
        "visit_number": Filter(BLSession.visit_number, ("eq", "in"), "Visit number"),
        "startDate": Filter(
            BLSession.startDate, ("gt", "gte", "lt", "lte"), "Start (date or date-time)"
        ),
        "endDate": Filter(BLSession.endDate, ("gt", "gte", "lt", "lte"), "End (date or date-time)"),
        "scheduled": Filter(BLSession.scheduled, ("eq",), "On the schedule"),
        "archived": Filter(BLSession.archived, ("eq",), "Archived"),
    },
    sortable={
        "sessionId": BLSession.sessionId,
        "startDate": BLSession.startDate,
        "endDate": BLSession.endDate,
        "beamLineName": BLSession.beamLineName,
        "visit_number": BLSession.visit_number,
    },
    default_sort=("-startDate",),
    tiebreak=(BLSession.sessionId,),
    search=SESSION_SEARCH,
)

MEMBER_LIST_SPEC = ListSpec(
    filters={
        "role": Filter(SessionHasPerson.role, ("eq", "in"), "Role"),
        "remote": Filter(SessionHasPerson.remote, ("eq",), "Remote participation"),
    },
    sortable={
        "personId": SessionHasPerson.personId,
        "role": SessionHasPerson.role,
        "familyName": Person.familyName,
    },
    default_sort=("familyName",),
    tiebreak=(SessionHasPerson.personId,),
)


def _sessions():
    # An outer join to the (always existing) proposal, so that the database reads the
    # sessions in the order of the sort's index (data_collections.service explains why).
    return (
        select(BLSession).outerjoin(BLSession.Proposal).options(contains_eager(BLSession.Proposal))
    )


def _data_collection_count():
    """The session's sweeps, counted in the session's own statement (a subquery on the
    group's session index and the sweep's group index)."""
    return with_expression(BLSession.dataCollectionCount, _data_collection_count_expression())


def _data_collection_count_expression():
    from ..data_collections.models import DataCollection, DataCollectionGroup

    return (
        select(func.count(DataCollection.dataCollectionId))
        .join(
            DataCollectionGroup,
            DataCollectionGroup.dataCollectionGroupId == DataCollection.dataCollectionGroupId,
        )
        .where(DataCollectionGroup.sessionId == BLSession.sessionId)
        .correlate_except(DataCollection, DataCollectionGroup)
        .scalar_subquery()
    )


def _proposal_names(names: list[str]) -> ColumnElement[bool]:
    """Proposals by name (mx1234), on the (code, number) index; a name that is not one
    matches nothing."""
    conditions = [proposal_name_condition(name) for name in names]
    return or_(false(), *(c for c in conditions if c is not None))


def visit_condition(name: str) -> ColumnElement[bool] | None:
    """``mx1234-5`` -> proposal mx1234, visit_number 5."""
    match = _VISIT_NAME.match(name)
    if match is None:
        return None
    proposal = proposal_name_condition(match[1])
    if proposal is None:
        return None
    return and_(proposal, BLSession.visit_number == int(match[2]))


# What those who can see a session may change; scheduling is the facility's, via staff.
MEMBER_FIELDS = frozenset({"comments"})


# The list's rows as plain values (ispyb_shared.plain): a session with its proposal (the
# table's columns: what ``visit`` and ``proposalUUID`` read) and its sweeps' count, in
# the statement the ORM read made; the answer is the same (tests/core/test_plain_reads.py).
PLAIN_SESSION = PlainRead(
    BLSession,
    expressions={"dataCollectionCount": _data_collection_count_expression()},
    joined={"Proposal": PlainRead(Proposal, derived=False)},
)


def list_sessions(*, db_session: Session, params: ListParams, caller: Caller) -> Page:
    statement = (
        PLAIN_SESSION.select()
        .outerjoin(Proposal, BLSession.Proposal)
        .where(session_condition(caller))
    )
    return paginate(db_session, statement, params, LIST_SPEC, plain=PLAIN_SESSION)


def get_session(*, db_session: Session, ref: str, caller: Caller) -> BLSession:
    """By id, UUID or visit name (mx1234-5)."""
    condition = ref_condition(
        ref, id_column=BLSession.sessionId, uuid_column=BLSession.uuid, by_name=visit_condition
    )
    statement = (
        _sessions().where(condition, session_condition(caller)).options(_data_collection_count())
    )
    return one_or_404(db_session, statement, "Session", ref)


def _next_visit_number(db_session: Session, proposal_id: int) -> int:
    highest = db_session.execute(
        select(func.max(BLSession.visit_number)).where(BLSession.proposalId == proposal_id)
    ).scalar_one()
    return (highest or 0) + 1


def create_session(*, db_session: Session, data: dict[str, Any], caller: Caller) -> BLSession:
    require_staff(caller, action="create sessions", beamline=data.get("beamLineName"))
    check_period(data, start="startDate", end="endDate")
    values = dict(data)
    if values.get("visit_number") is None:
        # Locks nothing: a concurrent create with the same number loses on the unique key
        # and gets a 409, which the client can retry.
        values["visit_number"] = _next_visit_number(db_session, values["proposalId"])
    session = create_row(db_session, BLSession, values)
    return get_session(db_session=db_session, ref=str(session.sessionId), caller=caller)


def update_session(
    *, db_session: Session, session: BLSession, data: dict[str, Any], caller: Caller
) -> BLSession:
    what = f"session {session.visit}"
    require_fields_allowed(
        caller, data, member_fields=MEMBER_FIELDS, what=what, beamline=session.beamLineName
    )
    if "beamLineName" in data:
        require_staff(caller, action=f"move {what}", beamline=data["beamLineName"])
    check_period(data, start="startDate", end="endDate", current=session)
    update_row(db_session, session, data)
    return get_session(db_session=db_session, ref=str(session.sessionId), caller=caller)


def _members():
    return (
        select(SessionHasPerson)
        .join(SessionHasPerson.Person)
        .options(joinedload(SessionHasPerson.Person))
    )


def list_members(*, db_session: Session, session: BLSession, params: ListParams) -> Page:
    statement = _members().where(SessionHasPerson.sessionId == session.sessionId)
    return paginate(db_session, statement, params, MEMBER_LIST_SPEC)


def get_member(
    *, db_session: Session, session: BLSession, person_ref: str, caller: Caller
) -> SessionHasPerson:
    person = get_person(db_session=db_session, ref=person_ref, caller=caller)
    statement = _members().where(
        SessionHasPerson.sessionId == session.sessionId,
        SessionHasPerson.personId == person.personId,
    )
    return one_or_404(db_session, statement, "Participant", f"{person_ref} of {session.visit}")


def _require_member_management(caller: Caller, session: BLSession) -> None:
    require_staff(caller, action="manage session participants", beamline=session.beamLineName)


def add_member(
    *, db_session: Session, session: BLSession, data: dict[str, Any], caller: Caller
) -> SessionHasPerson:
    _require_member_management(caller, session)
    already = db_session.get(SessionHasPerson, (session.sessionId, data["personId"]))
    if already is not None:
        raise Conflict(
            f"Person {data['personId']} already takes part in {session.visit}.",
            {"personId": ["Already a participant."]},
        )
    member = create_row(db_session, SessionHasPerson, {**data, "sessionId": session.sessionId})
    return get_member(
        db_session=db_session, session=session, person_ref=str(member.personId), caller=caller
    )


def update_member(
    *,
    db_session: Session,
    session: BLSession,
    member: SessionHasPerson,
    data: dict[str, Any],
    caller: Caller,
) -> SessionHasPerson:
    _require_member_management(caller, session)
    return update_row(db_session, member, data)


def remove_member(
    *, db_session: Session, session: BLSession, member: SessionHasPerson, caller: Caller
) -> None:
    _require_member_management(caller, session)
    db_session.delete(member)
    db_session.flush()
