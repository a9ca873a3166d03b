from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.app import document_errors, list_params, load_body, register_models
from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.listing import list_params_doc

from . import service
from .schemas import (
    ProposalCreate,
    ProposalMemberCreate,
    ProposalMemberRead,
    ProposalMemberUpdate,
    ProposalRead,
    ProposalUpdate,
)

ns = Namespace("proposals", path="/proposals", description="Proposals and their members")
models = register_models(
    ns,
    {
        "ProposalRead": ProposalRead,
        "ProposalCreate": ProposalCreate,
        "ProposalUpdate": ProposalUpdate,
        "ProposalMemberRead": ProposalMemberRead,
        "ProposalMemberCreate": ProposalMemberCreate,
        "ProposalMemberUpdate": ProposalMemberUpdate,
    },
    list_of={"ProposalList": "ProposalRead", "ProposalMemberList": "ProposalMemberRead"},
)
proposal_read = ProposalRead()
proposal_read_many = ProposalRead(many=True)
member_read = ProposalMemberRead()
member_read_many = ProposalMemberRead(many=True)


@ns.route("")
class Proposals(Resource):
    @ns.doc(params=list_params_doc(service.LIST_SPEC))
    @ns.response(200, "A page of proposals", models["ProposalList"])
    @document_errors(ns, models, 400)
    def get(self):
        """List proposals (filter by code, number, state, ...)."""
        page = service.list_proposals(
            db_session=db_session(), params=list_params(service.LIST_SPEC), caller=current_caller()
        )
        return page.envelope(proposal_read_many.dump)

    @ns.expect(models["ProposalCreate"])
    @ns.response(201, "Created", models["ProposalRead"])
    @document_errors(ns, models, 400, 409, 415, 422)
    def post(self):
        """Create a proposal."""
        proposal = service.create_proposal(
            db_session=db_session(), data=load_body(ProposalCreate()), caller=current_caller()
        )
        return proposal_read.dump(proposal), 201


@ns.route("/<string:ref>")
@ns.param("ref", "Proposal id, UUID or name (e.g. mx1234)")
class ProposalItem(Resource):
    @ns.response(200, "The proposal", models["ProposalRead"])
    @document_errors(ns, models, 404)
    def get(self, ref: str):
        """Get a proposal by id, UUID or name."""
        return proposal_read.dump(
            service.get_proposal(db_session=db_session(), ref=ref, caller=current_caller())
        )

    @ns.expect(models["ProposalUpdate"])
    @ns.response(200, "Updated", models["ProposalRead"])
    @document_errors(ns, models, 400, 404, 409, 415, 422)
    def patch(self, ref: str):
        """Change some fields of a proposal."""
        session = db_session()
        proposal = service.get_proposal(db_session=session, ref=ref, caller=current_caller())
        data = load_body(ProposalUpdate(), partial=True)
        return proposal_read.dump(
            service.update_proposal(
                db_session=session, proposal=proposal, data=data, caller=current_caller()
            )
        )


@ns.route("/<string:ref>/members")
@ns.param("ref", "Proposal id, UUID or name (e.g. mx1234)")
class ProposalMembers(Resource):
    @ns.doc(params=list_params_doc(service.MEMBER_LIST_SPEC))
    @ns.response(200, "A page of members", models["ProposalMemberList"])
    @document_errors(ns, models, 400, 404)
    def get(self, ref: str):
        """List the members of a proposal with their roles."""
        session = db_session()
        proposal = service.get_proposal(db_session=session, ref=ref, caller=current_caller())
        page = service.list_members(
            db_session=session, proposal=proposal, params=list_params(service.MEMBER_LIST_SPEC)
        )
        return page.envelope(member_read_many.dump)

    @ns.expect(models["ProposalMemberCreate"])
    @ns.response(201, "Added", models["ProposalMemberRead"])
    @document_errors(ns, models, 400, 404, 409, 415, 422)
    def post(self, ref: str):
        """Add a person to a proposal."""
        session = db_session()
        proposal = service.get_proposal(db_session=session, ref=ref, caller=current_caller())
        member = service.add_member(
            db_session=session,
            proposal=proposal,
            data=load_body(ProposalMemberCreate()),
            caller=current_caller(),
        )
        return member_read.dump(member), 201


@ns.route("/<string:ref>/members/<string:person_ref>")
@ns.param("ref", "Proposal id, UUID or name (e.g. mx1234)")
@ns.param("person_ref", "Person id, UUID or login")
class ProposalMember(Resource):
    @ns.response(200, "The membership", models["ProposalMemberRead"])
    @document_errors(ns, models, 404)
    def get(self, ref: str, person_ref: str):
        """Get one member of a proposal."""
        session = db_session()
        proposal = service.get_proposal(db_session=session, ref=ref, caller=current_caller())
        return member_read.dump(
            service.get_member(
                db_session=session,
                proposal=proposal,
                person_ref=person_ref,
                caller=current_caller(),
            )
        )

    @ns.expect(models["ProposalMemberUpdate"])
    @ns.response(200, "Updated", models["ProposalMemberRead"])
    @document_errors(ns, models, 400, 404, 415, 422)
    def patch(self, ref: str, person_ref: str):
        """Change a member's role."""
        session = db_session()
        proposal = service.get_proposal(db_session=session, ref=ref, caller=current_caller())
        member = service.get_member(
            db_session=session, proposal=proposal, person_ref=person_ref, caller=current_caller()
        )
        data = load_body(ProposalMemberUpdate(), partial=True)
        return member_read.dump(
            service.update_member(
                db_session=session, member=member, data=data, caller=current_caller()
            )
        )

    @ns.response(204, "Removed")
    @document_errors(ns, models, 404)
    def delete(self, ref: str, person_ref: str):
        """Remove a person from a proposal (the person and the data stay)."""
        session = db_session()
        proposal = service.get_proposal(db_session=session, ref=ref, caller=current_caller())
        member = service.get_member(
            db_session=session, proposal=proposal, person_ref=person_ref, caller=current_caller()
        )
        service.remove_member(db_session=session, member=member, caller=current_caller())
        return "", 204
