from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.app import document_errors, list_params, load_body, register_models
from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.listing import list_params_doc

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
models = register_models(
    ns,
    {
        "SessionRead": SessionRead,
        "SessionCreate": SessionCreate,
        "SessionUpdate": SessionUpdate,
        "SessionMemberRead": SessionMemberRead,
        "SessionMemberCreate": SessionMemberCreate,
        "SessionMemberUpdate": SessionMemberUpdate,
    },
    list_of={"SessionList": "SessionRead", "SessionMemberList": "SessionMemberRead"},
)
session_read = SessionRead()
session_read_many = SessionRead(many=True)
member_read = SessionMemberRead()
member_read_many = SessionMemberRead(many=True)


@ns.route("")
class Sessions(Resource):
    @ns.doc(params=list_params_doc(service.LIST_SPEC))
    @ns.response(200, "A page of sessions", models["SessionList"])
    @document_errors(ns, models, 400)
    def get(self):
        """List sessions (filter by proposal, beamline, dates).

        Sessions running at some time in [A, B]: startDate.lte=B&endDate.gte=A.
        """
        page = service.list_sessions(
            db_session=db_session(), params=list_params(service.LIST_SPEC), caller=current_caller()
        )
        return page.envelope(session_read_many.dump)

    @ns.expect(models["SessionCreate"])
    @ns.response(201, "Created", models["SessionRead"])
    @document_errors(ns, models, 400, 409, 415, 422)
    def post(self):
        """Create a session."""
        session = service.create_session(
            db_session=db_session(), data=load_body(SessionCreate()), caller=current_caller()
        )
        return session_read.dump(session), 201


@ns.route("/<string:ref>")
@ns.param("ref", "Session id, UUID or visit name (e.g. mx1234-5)")
class SessionItem(Resource):
    @ns.response(200, "The session", models["SessionRead"])
    @document_errors(ns, models, 404)
    def get(self, ref: str):
        """Get a session by id, UUID or visit name."""
        return session_read.dump(
            service.get_session(db_session=db_session(), ref=ref, caller=current_caller())
        )

    @ns.expect(models["SessionUpdate"])
    @ns.response(200, "Updated", models["SessionRead"])
    @document_errors(ns, models, 400, 404, 409, 415, 422)
    def patch(self, ref: str):
        """Change some fields of a session."""
        db = db_session()
        session = service.get_session(db_session=db, ref=ref, caller=current_caller())
        data = load_body(SessionUpdate(), partial=True)
        return session_read.dump(
            service.update_session(
                db_session=db, session=session, data=data, caller=current_caller()
            )
        )


@ns.route("/<string:ref>/members")
@ns.param("ref", "Session id, UUID or visit name (e.g. mx1234-5)")
class SessionMembers(Resource):
    @ns.doc(params=list_params_doc(service.MEMBER_LIST_SPEC))
    @ns.response(200, "A page of participants", models["SessionMemberList"])
    @document_errors(ns, models, 400, 404)
    def get(self, ref: str):
        """List the participants of a session with their roles."""
        db = db_session()
        session = service.get_session(db_session=db, ref=ref, caller=current_caller())
        page = service.list_members(
            db_session=db, session=session, params=list_params(service.MEMBER_LIST_SPEC)
        )
        return page.envelope(member_read_many.dump)

    @ns.expect(models["SessionMemberCreate"])
    @ns.response(201, "Added", models["SessionMemberRead"])
    @document_errors(ns, models, 400, 404, 409, 415, 422)
    def post(self, ref: str):
        """Add a person to a session."""
        db = db_session()
        session = service.get_session(db_session=db, ref=ref, caller=current_caller())
        member = service.add_member(
            db_session=db,
            session=session,
            data=load_body(SessionMemberCreate()),
            caller=current_caller(),
        )
        return member_read.dump(member), 201


@ns.route("/<string:ref>/members/<string:person_ref>")
@ns.param("ref", "Session id, UUID or visit name (e.g. mx1234-5)")
@ns.param("person_ref", "Person id, UUID or login")
class SessionMember(Resource):
    @ns.response(200, "The participation", models["SessionMemberRead"])
    @document_errors(ns, models, 404)
    def get(self, ref: str, person_ref: str):
        """Get one participant of a session."""
        db = db_session()
        session = service.get_session(db_session=db, ref=ref, caller=current_caller())
        return member_read.dump(
            service.get_member(
                db_session=db, session=session, person_ref=person_ref, caller=current_caller()
            )
        )

    @ns.expect(models["SessionMemberUpdate"])
    @ns.response(200, "Updated", models["SessionMemberRead"])
    @document_errors(ns, models, 400, 404, 415, 422)
    def patch(self, ref: str, person_ref: str):
        """Change a participant's role or remote flag."""
        db = db_session()
        session = service.get_session(db_session=db, ref=ref, caller=current_caller())
        member = service.get_member(
            db_session=db, session=session, person_ref=person_ref, caller=current_caller()
        )
        data = load_body(SessionMemberUpdate(), partial=True)
        return member_read.dump(
            service.update_member(
                db_session=db, session=session, member=member, data=data, caller=current_caller()
            )
        )

    @ns.response(204, "Removed")
    @document_errors(ns, models, 404)
    def delete(self, ref: str, person_ref: str):
        """Remove a person from a session (the person and the data stay)."""
        db = db_session()
        session = service.get_session(db_session=db, ref=ref, caller=current_caller())
        member = service.get_member(
            db_session=db, session=session, person_ref=person_ref, caller=current_caller()
        )
        service.remove_member(
            db_session=db, session=session, member=member, caller=current_caller()
        )
        return "", 204
