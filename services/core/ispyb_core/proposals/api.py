from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.operations import operation

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


def _proposal(ref: str):
    return service.get_proposal(db_session=db_session(), ref=ref, caller=current_caller())


def _member(ref: str, person_ref: str):
    return service.get_member(
        db_session=db_session(),
        proposal=_proposal(ref),
        person_ref=person_ref,
        caller=current_caller(),
    )


@ns.route("")
class Proposals(Resource):
    @operation(ns, response=ProposalRead, list_spec=service.LIST_SPEC)
    def get(self, *, params):
        """List proposals (filter by code, number, state, ...)."""
        return service.list_proposals(
            db_session=db_session(), params=params, caller=current_caller()
        )

    @operation(ns, body=ProposalCreate, response=ProposalRead, status=201, errors=(409,))
    def post(self, *, body):
        """Create a proposal."""
        return service.create_proposal(db_session=db_session(), data=body, caller=current_caller())


@ns.route("/<string:ref>")
@ns.param("ref", "Proposal id, UUID or name (e.g. mx1234)")
class ProposalItem(Resource):
    @operation(ns, response=ProposalRead, errors=(404,))
    def get(self, ref: str):
        """Get a proposal by id, UUID or name."""
        return _proposal(ref)

    @operation(ns, body=ProposalUpdate, partial=True, response=ProposalRead, errors=(404, 409))
    def patch(self, ref: str, *, body):
        """Change some fields of a proposal."""
        return service.update_proposal(
            db_session=db_session(), proposal=_proposal(ref), data=body, caller=current_caller()
        )


@ns.route("/<string:ref>/members")
@ns.param("ref", "Proposal id, UUID or name (e.g. mx1234)")
class ProposalMembers(Resource):
    @operation(ns, response=ProposalMemberRead, list_spec=service.MEMBER_LIST_SPEC, errors=(404,))
    def get(self, ref: str, *, params):
        """List the members of a proposal with their roles."""
        return service.list_members(db_session=db_session(), proposal=_proposal(ref), params=params)

    @operation(
        ns, body=ProposalMemberCreate, response=ProposalMemberRead, status=201, errors=(404, 409)
    )
    def post(self, ref: str, *, body):
        """Add a person to a proposal."""
        return service.add_member(
            db_session=db_session(), proposal=_proposal(ref), data=body, caller=current_caller()
        )


@ns.route("/<string:ref>/members/<string:person_ref>")
@ns.param("ref", "Proposal id, UUID or name (e.g. mx1234)")
@ns.param("person_ref", "Person id, UUID or login")
class ProposalMember(Resource):
    @operation(ns, response=ProposalMemberRead, errors=(404,))
    def get(self, ref: str, person_ref: str):
        """Get one member of a proposal."""
        return _member(ref, person_ref)

    @operation(
        ns, body=ProposalMemberUpdate, partial=True, response=ProposalMemberRead, errors=(404,)
    )
    def patch(self, ref: str, person_ref: str, *, body):
        """Change a member's role."""
        return service.update_member(
            db_session=db_session(),
            member=_member(ref, person_ref),
            data=body,
            caller=current_caller(),
        )

    @operation(ns, status=204, description="Removed", errors=(404,))
    def delete(self, ref: str, person_ref: str):
        """Remove a person from a proposal (the person and the data stay)."""
        service.remove_member(
            db_session=db_session(), member=_member(ref, person_ref), caller=current_caller()
        )
