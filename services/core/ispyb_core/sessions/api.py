from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.operations import operation

from . import service
from .schemas import (
    SessionCreate,
    SessionMemberCreate,
    SessionMemberRead,
    SessionMemberUpdate,
    SessionRead,
    SessionUpdate,
)

ns = Namespace("sessions", path="/sessions", description="Beamline sessions (visits)")


def _session(ref: str):
    return service.get_session(db_session=db_session(), ref=ref, caller=current_caller())


def _member(session, person_ref: str):
    return service.get_member(
        db_session=db_session(), session=session, person_ref=person_ref, caller=current_caller()
    )


@ns.route("")
class Sessions(Resource):
    @operation(ns, response=SessionRead, list_spec=service.LIST_SPEC)
    def get(self, *, params):
        """List sessions (filter by proposal, beamline, dates).

        Sessions running at some time in [A, B]: startDate.lte=B&endDate.gte=A.
        """
        return service.list_sessions(
            db_session=db_session(), params=params, caller=current_caller()
        )

    @operation(ns, body=SessionCreate, response=SessionRead, status=201, errors=(409,))
    def post(self, *, body):
        """Create a session."""
        return service.create_session(db_session=db_session(), data=body, caller=current_caller())


@ns.route("/<string:ref>")
@ns.param("ref", "Session id, UUID or visit name (e.g. mx1234-5)")
class SessionItem(Resource):
    @operation(ns, response=SessionRead, errors=(404,))
    def get(self, ref: str):
        """Get a session by id, UUID or visit name."""
        return _session(ref)

    @operation(ns, body=SessionUpdate, partial=True, response=SessionRead, errors=(404, 409))
    def patch(self, ref: str, *, body):
        """Change some fields of a session."""
        return service.update_session(
            db_session=db_session(), session=_session(ref), data=body, caller=current_caller()
        )


@ns.route("/<string:ref>/members")
@ns.param("ref", "Session id, UUID or visit name (e.g. mx1234-5)")
class SessionMembers(Resource):
    @operation(ns, response=SessionMemberRead, list_spec=service.MEMBER_LIST_SPEC, errors=(404,))
    def get(self, ref: str, *, params):
        """List the participants of a session with their roles."""
        return service.list_members(db_session=db_session(), session=_session(ref), params=params)

    @operation(
        ns,
        body=SessionMemberCreate,
        response=SessionMemberRead,
        status=201,
        description="Added",
        errors=(404, 409),
    )
    def post(self, ref: str, *, body):
        """Add a person to a session."""
        return service.add_member(
            db_session=db_session(), session=_session(ref), data=body, caller=current_caller()
        )


@ns.route("/<string:ref>/members/<string:person_ref>")
@ns.param("ref", "Session id, UUID or visit name (e.g. mx1234-5)")
@ns.param("person_ref", "Person id, UUID or login")
class SessionMember(Resource):
    @operation(ns, response=SessionMemberRead, errors=(404,))
    def get(self, ref: str, person_ref: str):
        """Get one participant of a session."""
        return _member(_session(ref), person_ref)

    @operation(
        ns, body=SessionMemberUpdate, partial=True, response=SessionMemberRead, errors=(404,)
    )
    def patch(self, ref: str, person_ref: str, *, body):
        """Change a participant's role or remote flag."""
        session = _session(ref)
        return service.update_member(
            db_session=db_session(),
            session=session,
            member=_member(session, person_ref),
            data=body,
            caller=current_caller(),
        )

    @operation(ns, status=204, description="Removed", errors=(404,))
    def delete(self, ref: str, person_ref: str):
        """Remove a person from a session (the person and the data stay)."""
        session = _session(ref)
        service.remove_member(
            db_session=db_session(),
            session=session,
            member=_member(session, person_ref),
            caller=current_caller(),
        )
