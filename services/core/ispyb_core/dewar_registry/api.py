from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.operations import operation

from . import service
from .schemas import (
    DewarRegistryCreate,
    DewarRegistryProposalCreate,
    DewarRegistryProposalRead,
    DewarRegistryRead,
    DewarRegistryUpdate,
)

ns = Namespace(
    "dewar-registry",
    path="/dewar-registry",
    description="Physical dewars known by facility code, shared by proposals",
)


def _registered_dewar(ref: str):
    return service.get_registered_dewar(db_session=db_session(), ref=ref, caller=current_caller())


@ns.route("")
class RegisteredDewars(Resource):
    @operation(ns, response=DewarRegistryRead, list_spec=service.LIST_SPEC)
    def get(self, *, params):
        """List registered dewars (those of the proposals the caller can see)."""
        return service.list_registered_dewars(
            db_session=db_session(), params=params, caller=current_caller()
        )

    @operation(
        ns,
        body=DewarRegistryCreate,
        response=DewarRegistryRead,
        status=201,
        description="Registered",
        errors=(409,),
    )
    def post(self, *, body):
        """Register a physical dewar under its facility code (staff)."""
        return service.create_registered_dewar(
            db_session=db_session(), data=body, caller=current_caller()
        )


@ns.route("/<string:ref>")
@ns.param("ref", "Registered dewar id, UUID or facility code")
class RegisteredDewar(Resource):
    @operation(ns, response=DewarRegistryRead, errors=(404,))
    def get(self, ref: str):
        """Get a registered dewar by id, UUID or facility code."""
        return _registered_dewar(ref)

    @operation(
        ns, body=DewarRegistryUpdate, partial=True, response=DewarRegistryRead, errors=(404, 409)
    )
    def patch(self, ref: str, *, body):
        """Change a registered dewar (staff)."""
        return service.update_registered_dewar(
            db_session=db_session(),
            dewar=_registered_dewar(ref),
            data=body,
            caller=current_caller(),
        )


@ns.route("/<string:ref>/proposals")
@ns.param("ref", "Registered dewar id, UUID or facility code")
class RegisteredDewarProposals(Resource):
    @operation(
        ns,
        body=DewarRegistryProposalCreate,
        response=DewarRegistryProposalRead,
        status=201,
        description="Shared",
        errors=(404, 409),
    )
    def post(self, ref: str, *, body):
        """Allow another proposal to ship this dewar (staff)."""
        return service.add_proposal(
            db_session=db_session(),
            dewar=_registered_dewar(ref),
            data=body,
            caller=current_caller(),
        )


@ns.route("/<string:ref>/proposals/<string:proposal_ref>")
@ns.param("ref", "Registered dewar id, UUID or facility code")
@ns.param("proposal_ref", "Proposal id, UUID or name (mx1234)")
class RegisteredDewarProposal(Resource):
    @operation(ns, status=204, description="No longer shared", errors=(404,))
    def delete(self, ref: str, proposal_ref: str):
        """Stop a proposal from shipping this dewar (staff)."""
        service.remove_proposal(
            db_session=db_session(),
            dewar=_registered_dewar(ref),
            proposal_ref=proposal_ref,
            caller=current_caller(),
        )
