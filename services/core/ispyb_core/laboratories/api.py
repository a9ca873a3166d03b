from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.app import document_errors, list_params, load_body, register_models
from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.listing import list_params_doc

from . import service
from .schemas import LaboratoryCreate, LaboratoryRead, LaboratoryUpdate

ns = Namespace("laboratories", path="/laboratories", description="Laboratories and institutes")
models = register_models(
    ns,
    {
        "LaboratoryRead": LaboratoryRead,
        "LaboratoryCreate": LaboratoryCreate,
        "LaboratoryUpdate": LaboratoryUpdate,
    },
    list_of={"LaboratoryList": "LaboratoryRead"},
)
laboratory_read = LaboratoryRead()
laboratory_read_many = LaboratoryRead(many=True)


@ns.route("")
class Laboratories(Resource):
    @ns.doc(params=list_params_doc(service.LIST_SPEC))
    @ns.response(200, "A page of laboratories", models["LaboratoryList"])
    @document_errors(ns, models, 400)
    def get(self):
        """List laboratories."""
        page = service.list_laboratories(
            db_session=db_session(), params=list_params(service.LIST_SPEC), caller=current_caller()
        )
        return page.envelope(laboratory_read_many.dump)

    @ns.expect(models["LaboratoryCreate"])
    @ns.response(201, "Created", models["LaboratoryRead"])
    @document_errors(ns, models, 400, 409, 415, 422)
    def post(self):
        """Create a laboratory."""
        laboratory = service.create_laboratory(
            db_session=db_session(), data=load_body(LaboratoryCreate()), caller=current_caller()
        )
        return laboratory_read.dump(laboratory), 201


@ns.route("/<string:ref>")
@ns.param("ref", "Laboratory id or UUID")
class LaboratoryItem(Resource):
    @ns.response(200, "The laboratory", models["LaboratoryRead"])
    @document_errors(ns, models, 404)
    def get(self, ref: str):
        """Get a laboratory by id or UUID."""
        return laboratory_read.dump(
            service.get_laboratory(db_session=db_session(), ref=ref, caller=current_caller())
        )

    @ns.expect(models["LaboratoryUpdate"])
    @ns.response(200, "Updated", models["LaboratoryRead"])
    @document_errors(ns, models, 400, 404, 409, 415, 422)
    def patch(self, ref: str):
        """Change some fields of a laboratory."""
        session = db_session()
        caller = current_caller()
        laboratory = service.get_laboratory(db_session=session, ref=ref, caller=caller)
        data = load_body(LaboratoryUpdate(), partial=True)
        return laboratory_read.dump(
            service.update_laboratory(
                db_session=session, laboratory=laboratory, data=data, caller=caller
            )
        )
