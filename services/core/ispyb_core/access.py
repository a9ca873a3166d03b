"""Who may see and change what in core. The rules are in docs/authorization.md.

Visibility is expressed as SQL conditions added to the queries that read rows, so a list,
a filter or a nested read can never return a row the caller may not see, and checking
costs no extra query per row. A row the caller may not see answers 404, like a row that
does not exist, so nothing of another proposal leaks, not even its existence.

Callers (from the token, see ispyb_shared.auth.Caller):
- admin: everything;
- staff: everything, or, when the token names beamlines, what belongs to sessions on
  those beamlines (and the proposals that have such sessions);
- users: the proposals they are members of (ProposalHasPerson) and the sessions they take
  part in (Session_has_Person), plus every session of their proposals;
- machine clients: what their scopes allow (``core:read`` reads everything, read-only).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, exists, select, true

from ispyb_shared.auth import Caller, Forbidden, login_matches

from .persons.models import Person
from .proposals.models import Proposal, ProposalHasPerson
from .sessions.models import BLSession, SessionHasPerson

READ_SCOPE = "core:read"
PROCESSING_READ_SCOPES = (READ_SCOPE, "core:processing:read")
ACQUISITION_WRITE_SCOPE = "core:acquisition:write"
PROCESSING_WRITE_SCOPE = "core:processing:write"


def _caller_person_id(caller: Caller):
    # Exactly the token's login, case included, on every backend (docs/authorization.md).
    return (
        select(Person.personId).where(login_matches(Person.login, caller.subject)).scalar_subquery()
    )


def sees_everything(caller: Caller, read_scopes: tuple[str, ...] = (READ_SCOPE,)) -> bool:
    if caller.kind == "client":
        return any(caller.has_scope(scope) for scope in read_scopes)
    return caller.is_admin or (caller.is_staff and not caller.beamlines)


def _client_without_read(caller: Caller, read_scopes: tuple[str, ...] = (READ_SCOPE,)) -> bool:
    return caller.kind == "client" and not any(caller.has_scope(s) for s in read_scopes)


def session_condition(
    caller: Caller, read_scopes: tuple[str, ...] = (READ_SCOPE,)
) -> ColumnElement[bool]:
    """Sessions (BLSession rows) the caller may see; ``read_scopes`` are the client scopes
    that read them (processing pipelines read data collections with their own scope)."""
    if sees_everything(caller, read_scopes):
        return true()
    if _client_without_read(caller, read_scopes):
        raise Forbidden("This client's scopes do not include reading core data.")
    if caller.is_staff:
        return BLSession.beamLineName.in_(sorted(caller.beamlines))
    me = _caller_person_id(caller)
    takes_part = exists().where(
        SessionHasPerson.sessionId == BLSession.sessionId, SessionHasPerson.personId == me
    )
    member_of_proposal = exists().where(
        ProposalHasPerson.proposalId == BLSession.proposalId, ProposalHasPerson.personId == me
    )
    return takes_part | member_of_proposal


def proposal_id_condition(caller: Caller, proposal_id_column) -> ColumnElement[bool]:
    """Rows whose proposal (given by ``proposal_id_column``) the caller may see."""
    if sees_everything(caller):
        return true()
    if _client_without_read(caller):
        raise Forbidden("This client's scopes do not include reading core data.")
    if caller.is_staff:
        return exists().where(
            BLSession.proposalId == proposal_id_column,
            BLSession.beamLineName.in_(sorted(caller.beamlines)),
        )
    me = _caller_person_id(caller)
    member = exists().where(
        ProposalHasPerson.proposalId == proposal_id_column, ProposalHasPerson.personId == me
    )
    takes_part_in_a_session = exists().where(
        BLSession.proposalId == proposal_id_column,
        SessionHasPerson.sessionId == BLSession.sessionId,
        SessionHasPerson.personId == me,
    )
    return member | takes_part_in_a_session


def proposal_condition(caller: Caller) -> ColumnElement[bool]:
    return proposal_id_condition(caller, Proposal.proposalId)


def person_condition(caller: Caller) -> ColumnElement[bool]:
    """People the caller may see: staff see everyone (they look people up to add them);
    users see themselves and the members and participants of what they can see."""
    if sees_everything(caller) or (caller.kind == "user" and caller.is_staff):
        return true()
    if _client_without_read(caller):
        raise Forbidden("This client's scopes do not include reading core data.")
    me = _caller_person_id(caller)
    my_proposals = select(ProposalHasPerson.proposalId).where(ProposalHasPerson.personId == me)
    my_sessions = select(SessionHasPerson.sessionId).where(SessionHasPerson.personId == me)
    shares_a_proposal = exists().where(
        ProposalHasPerson.personId == Person.personId,
        ProposalHasPerson.proposalId.in_(my_proposals),
    )
    shares_a_session = exists().where(
        SessionHasPerson.personId == Person.personId,
        SessionHasPerson.sessionId.in_(my_sessions),
    )
    return login_matches(Person.login, caller.subject) | shares_a_proposal | shares_a_session


def require_staff(
    caller: Caller, *, action: str, beamline: str | None = None, unrestricted: bool = False
) -> None:
    """Administrative writes: admins; staff, where restricted staff are limited to their
    beamlines (``beamline``) and kept out of facility-wide acts (``unrestricted``)."""
    if caller.kind == "user" and caller.is_admin:
        return
    if caller.kind == "user" and caller.is_staff:
        if caller.beamlines and unrestricted:
            raise Forbidden(f"Only staff of every beamline may {action}.")
        if caller.beamlines and beamline is not None and beamline not in caller.beamlines:
            raise Forbidden(f"Only staff of beamline {beamline} may {action}.")
        return
    raise Forbidden(f"Only facility staff may {action}.")


def require_acquisition_writer(caller: Caller, *, beamline: str | None, action: str) -> None:
    """Data collections are written by beamline control (a client with the acquisition
    scope, possibly through the SSX or EM service) or by staff of the beamline."""
    if caller.kind == "client":
        if not caller.has_scope(ACQUISITION_WRITE_SCOPE):
            raise Forbidden(f"A client needs the {ACQUISITION_WRITE_SCOPE} scope to {action}.")
        return
    require_staff(caller, action=action, beamline=beamline)


def require_processing_writer(caller: Caller, *, beamline: str | None, action: str) -> None:
    """Processing results are written by pipelines (a client with the processing scope)
    or by staff of the beamline."""
    if caller.kind == "client":
        if not caller.has_scope(PROCESSING_WRITE_SCOPE):
            raise Forbidden(f"A client needs the {PROCESSING_WRITE_SCOPE} scope to {action}.")
        return
    require_staff(caller, action=action, beamline=beamline)


def require_read_access(caller: Caller) -> None:
    """Reference data (laboratories) is readable by every person and by reading clients."""
    if _client_without_read(caller):
        raise Forbidden("This client's scopes do not include reading core data.")


def require_fields_allowed(
    caller: Caller,
    data: Iterable[str],
    *,
    member_fields: frozenset[str],
    what: str,
    beamline: str | None = None,
    unrestricted: bool = False,
) -> None:
    """Those who can see a row may change its ``member_fields``; the rest is staff's."""
    if caller.kind == "client":
        raise Forbidden("Machine clients may not change core records.")
    others = sorted(set(data) - member_fields)
    if not others:
        return
    try:
        require_staff(
            caller,
            action=f"change {', '.join(others)} of {what}",
            beamline=beamline,
            unrestricted=unrestricted,
        )
    except Forbidden as exc:
        exc.details = {field: ["Only facility staff may change this field."] for field in others}
        raise


def require_member_write(
    caller: Caller,
    data: Iterable[str],
    *,
    what: str,
    staff_fields: frozenset[str] = frozenset(),
) -> None:
    """Samples and shipping: those who see a proposal write its rows (visibility is checked
    by the caller of this), except ``staff_fields``, which are the facility's."""
    fields = frozenset(data)
    require_fields_allowed(caller, fields, member_fields=fields - staff_fields, what=what)
