from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.app import document_errors, list_params, load_body, register_models
from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.listing import list_params_doc

from . import service
from .schemas import CrystalCreate, CrystalRead, CrystalUpdate

ns = Namespace("crystals", path="/crystals", description="Crystal forms of proteins")
models = register_models(
    ns,
    {"CrystalRead": CrystalRead, "CrystalCreate": CrystalCreate, "CrystalUpdate": CrystalUpdate},
    list_of={"CrystalList": "CrystalRead"},
)
crystal_read = CrystalRead()
crystal_read_many = CrystalRead(many=True)


@ns.route("")
class Crystals(Resource):
    @ns.doc(params=list_params_doc(service.LIST_SPEC))
    @ns.response(200, "A page of crystals", models["CrystalList"])
    @document_errors(ns, models, 400)
    def get(self):
        """List crystals (filter by proposal, protein, space group)."""
        page = service.list_crystals(
            db_session=db_session(), params=list_params(service.LIST_SPEC), caller=current_caller()
        )
        return page.envelope(crystal_read_many.dump)

    @ns.expect(models["CrystalCreate"])
    @ns.response(201, "Created", models["CrystalRead"])
    @document_errors(ns, models, 400, 409, 415, 422)
    def post(self):
        """Create a crystal form of a protein the caller can see."""
        crystal = service.create_crystal(
            db_session=db_session(), data=load_body(CrystalCreate()), caller=current_caller()
        )
        return crystal_read.dump(crystal), 201


@ns.route("/<string:ref>")
@ns.param("ref", "Crystal id or UUID")
class CrystalItem(Resource):
    @ns.response(200, "The crystal", models["CrystalRead"])
    @document_errors(ns, models, 404)
    def get(self, ref: str):
        """Get a crystal by id or UUID, with its protein."""
        return crystal_read.dump(
            service.get_crystal(db_session=db_session(), ref=ref, caller=current_caller())
        )

    @ns.expect(models["CrystalUpdate"])
    @ns.response(200, "Updated", models["CrystalRead"])
    @document_errors(ns, models, 400, 404, 409, 415, 422)
    def patch(self, ref: str):
        """Change some fields of a crystal."""
        session = db_session()
        caller = current_caller()
        crystal = service.get_crystal(db_session=session, ref=ref, caller=caller)
        data = load_body(CrystalUpdate(), partial=True)
        return crystal_read.dump(
            service.update_crystal(db_session=session, crystal=crystal, data=data, caller=caller)
        )
