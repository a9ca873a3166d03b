from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.app import document_errors, list_params, load_body, register_models
from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.listing import list_params_doc

from . import service
from .schemas import ProteinCreate, ProteinRead, ProteinUpdate

ns = Namespace("proteins", path="/proteins", description="Proteins (macromolecules) of proposals")
models = register_models(
    ns,
    {"ProteinRead": ProteinRead, "ProteinCreate": ProteinCreate, "ProteinUpdate": ProteinUpdate},
    list_of={"ProteinList": "ProteinRead"},
)
protein_read = ProteinRead()
protein_read_many = ProteinRead(many=True)


@ns.route("")
class Proteins(Resource):
    @ns.doc(params=list_params_doc(service.LIST_SPEC))
    @ns.response(200, "A page of proteins", models["ProteinList"])
    @document_errors(ns, models, 400)
    def get(self):
        """List proteins (filter by proposal, acronym, safety level)."""
        page = service.list_proteins(
            db_session=db_session(), params=list_params(service.LIST_SPEC), caller=current_caller()
        )
        return page.envelope(protein_read_many.dump)

    @ns.expect(models["ProteinCreate"])
    @ns.response(201, "Created", models["ProteinRead"])
    @document_errors(ns, models, 400, 409, 415, 422)
    def post(self):
        """Create a protein in a proposal the caller can see."""
        protein = service.create_protein(
            db_session=db_session(), data=load_body(ProteinCreate()), caller=current_caller()
        )
        return protein_read.dump(protein), 201


@ns.route("/<string:ref>")
@ns.param("ref", "Protein id or UUID")
class ProteinItem(Resource):
    @ns.response(200, "The protein", models["ProteinRead"])
    @document_errors(ns, models, 404)
    def get(self, ref: str):
        """Get a protein by id or UUID."""
        return protein_read.dump(
            service.get_protein(db_session=db_session(), ref=ref, caller=current_caller())
        )

    @ns.expect(models["ProteinUpdate"])
    @ns.response(200, "Updated", models["ProteinRead"])
    @document_errors(ns, models, 400, 404, 409, 415, 422)
    def patch(self, ref: str):
        """Change some fields of a protein (safetyLevel is staff's)."""
        session = db_session()
        caller = current_caller()
        protein = service.get_protein(db_session=session, ref=ref, caller=caller)
        data = load_body(ProteinUpdate(), partial=True)
        return protein_read.dump(
            service.update_protein(db_session=session, protein=protein, data=data, caller=caller)
        )
