from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.app import document_errors, list_params, load_body, register_models
from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.listing import list_params_doc

from . import service
from .schemas import LabContactCreate, LabContactRead, LabContactUpdate

ns = Namespace("lab-contacts", path="/lab-contacts", description="Shipping contacts of proposals")
models = register_models(
    ns,
    {
        "LabContactRead": LabContactRead,
        "LabContactCreate": LabContactCreate,
        "LabContactUpdate": LabContactUpdate,
    },
    list_of={"LabContactList": "LabContactRead"},
)
contact_read = LabContactRead()
contact_read_many = LabContactRead(many=True)


@ns.route("")
class LabContacts(Resource):
    @ns.doc(params=list_params_doc(service.LIST_SPEC))
    @ns.response(200, "A page of lab contacts", models["LabContactList"])
    @document_errors(ns, models, 400)
    def get(self):
        """List lab contacts (filter by proposal or person)."""
        page = service.list_lab_contacts(
            db_session=db_session(), params=list_params(service.LIST_SPEC), caller=current_caller()
        )
        return page.envelope(contact_read_many.dump)

    @ns.expect(models["LabContactCreate"])
    @ns.response(201, "Created", models["LabContactRead"])
    @document_errors(ns, models, 400, 409, 415, 422)
    def post(self):
        """Create a lab contact."""
        contact = service.create_lab_contact(
            db_session=db_session(), data=load_body(LabContactCreate()), caller=current_caller()
        )
        return contact_read.dump(contact), 201


@ns.route("/<string:ref>")
@ns.param("ref", "Lab contact id or UUID")
class LabContactItem(Resource):
    @ns.response(200, "The lab contact", models["LabContactRead"])
    @document_errors(ns, models, 404)
    def get(self, ref: str):
        """Get a lab contact by id or UUID."""
        return contact_read.dump(
            service.get_lab_contact(db_session=db_session(), ref=ref, caller=current_caller())
        )

    @ns.expect(models["LabContactUpdate"])
    @ns.response(200, "Updated", models["LabContactRead"])
    @document_errors(ns, models, 400, 404, 409, 415, 422)
    def patch(self, ref: str):
        """Change some fields of a lab contact."""
        session = db_session()
        caller = current_caller()
        contact = service.get_lab_contact(db_session=session, ref=ref, caller=caller)
        data = load_body(LabContactUpdate(), partial=True)
        return contact_read.dump(
            service.update_lab_contact(
                db_session=session, lab_contact=contact, data=data, caller=caller
            )
        )
