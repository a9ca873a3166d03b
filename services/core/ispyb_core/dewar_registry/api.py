from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.app import document_errors, list_params, load_body, register_models
from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.listing import list_params_doc

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
models = register_models(
    ns,
    {
        "DewarRegistryRead": DewarRegistryRead,
        "DewarRegistryCreate": DewarRegistryCreate,
        "DewarRegistryUpdate": DewarRegistryUpdate,
        "DewarRegistryProposalRead": DewarRegistryProposalRead,
        "DewarRegistryProposalCreate": DewarRegistryProposalCreate,
    },
    list_of={"DewarRegistryList": "DewarRegistryRead"},
)
registry_read = DewarRegistryRead()
registry_read_many = DewarRegistryRead(many=True)
link_read = DewarRegistryProposalRead()


@ns.route("")
class RegisteredDewars(Resource):
    @ns.doc(params=list_params_doc(service.LIST_SPEC))
    @ns.response(200, "A page of registered dewars", models["DewarRegistryList"])
    @document_errors(ns, models, 400)
    def get(self):
        """List registered dewars (those of the proposals the caller can see)."""
        page = service.list_registered_dewars(
            db_session=db_session(), params=list_params(service.LIST_SPEC), caller=current_caller()
        )
        return page.envelope(registry_read_many.dump)

    @ns.expect(models["DewarRegistryCreate"])
    @ns.response(201, "Registered", models["DewarRegistryRead"])
    @document_errors(ns, models, 400, 409, 415, 422)
    def post(self):
        """Register a physical dewar under its facility code (staff)."""
        dewar = service.create_registered_dewar(
            db_session=db_session(), data=load_body(DewarRegistryCreate()), caller=current_caller()
        )
        return registry_read.dump(dewar), 201


@ns.route("/<string:ref>")
@ns.param("ref", "Registered dewar id, UUID or facility code")
class RegisteredDewar(Resource):
    @ns.response(200, "The registered dewar", models["DewarRegistryRead"])
    @document_errors(ns, models, 404)
    def get(self, ref: str):
        """Get a registered dewar by id, UUID or facility code."""
        return registry_read.dump(
            service.get_registered_dewar(db_session=db_session(), ref=ref, caller=current_caller())
        )

    @ns.expect(models["DewarRegistryUpdate"])
    @ns.response(200, "Updated", models["DewarRegistryRead"])
    @document_errors(ns, models, 400, 404, 409, 415, 422)
    def patch(self, ref: str):
        """Change a registered dewar (staff)."""
        session = db_session()
        caller = current_caller()
        dewar = service.get_registered_dewar(db_session=session, ref=ref, caller=caller)
        data = load_body(DewarRegistryUpdate(), partial=True)
        return registry_read.dump(
            service.update_registered_dewar(
                db_session=session, dewar=dewar, data=data, caller=caller
            )
        )


@ns.route("/<string:ref>/proposals")
@ns.param("ref", "Registered dewar id, UUID or facility code")
class RegisteredDewarProposals(Resource):
    @ns.expect(models["DewarRegistryProposalCreate"])
    @ns.response(201, "Shared", models["DewarRegistryProposalRead"])
    @document_errors(ns, models, 400, 404, 409, 415, 422)
    def post(self, ref: str):
        """Allow another proposal to ship this dewar (staff)."""
        session = db_session()
        caller = current_caller()
        dewar = service.get_registered_dewar(db_session=session, ref=ref, caller=caller)
        link = service.add_proposal(
            db_session=session,
            dewar=dewar,
            data=load_body(DewarRegistryProposalCreate()),
            caller=caller,
        )
        return link_read.dump(link), 201


@ns.route("/<string:ref>/proposals/<string:proposal_ref>")
@ns.param("ref", "Registered dewar id, UUID or facility code")
@ns.param("proposal_ref", "Proposal id, UUID or name (mx1234)")
class RegisteredDewarProposal(Resource):
    @ns.response(204, "No longer shared")
    @document_errors(ns, models, 404)
    def delete(self, ref: str, proposal_ref: str):
        """Stop a proposal from shipping this dewar (staff)."""
        session = db_session()
        caller = current_caller()
        dewar = service.get_registered_dewar(db_session=session, ref=ref, caller=caller)
        service.remove_proposal(
            db_session=session, dewar=dewar, proposal_ref=proposal_ref, caller=caller
        )
        return "", 204
