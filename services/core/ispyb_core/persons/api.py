from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.app import document_errors, list_params, load_body, register_models
from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.listing import list_params_doc

from . import service
from .schemas import PersonCreate, PersonRead, PersonUpdate

ns = Namespace("persons", path="/persons", description="People: users and staff")
models = register_models(
    ns,
    {"PersonRead": PersonRead, "PersonCreate": PersonCreate, "PersonUpdate": PersonUpdate},
    list_of={"PersonList": "PersonRead"},
)
person_read = PersonRead()
person_read_many = PersonRead(many=True)


@ns.route("")
class Persons(Resource):
    @ns.doc(params=list_params_doc(service.LIST_SPEC))
    @ns.response(200, "A page of persons", models["PersonList"])
    @document_errors(ns, models, 400)
    def get(self):
        """List persons (filter by login or name)."""
        page = service.list_persons(
            db_session=db_session(), params=list_params(service.LIST_SPEC), caller=current_caller()
        )
        return page.envelope(person_read_many.dump)

    @ns.expect(models["PersonCreate"])
    @ns.response(201, "Created", models["PersonRead"])
    @document_errors(ns, models, 400, 409, 415, 422)
    def post(self):
        """Create a person."""
        person = service.create_person(
            db_session=db_session(), data=load_body(PersonCreate()), caller=current_caller()
        )
        return person_read.dump(person), 201


@ns.route("/<string:ref>")
@ns.param("ref", "Person id, UUID or login")
class PersonItem(Resource):
    @ns.response(200, "The person", models["PersonRead"])
    @document_errors(ns, models, 404)
    def get(self, ref: str):
        """Get a person by id, UUID or login."""
        return person_read.dump(
            service.get_person(db_session=db_session(), ref=ref, caller=current_caller())
        )

    @ns.expect(models["PersonUpdate"])
    @ns.response(200, "Updated", models["PersonRead"])
    @document_errors(ns, models, 400, 404, 409, 415, 422)
    def patch(self, ref: str):
        """Change some fields of a person."""
        session = db_session()
        caller = current_caller()
        person = service.get_person(db_session=session, ref=ref, caller=caller)
        data = load_body(PersonUpdate(), partial=True)
        return person_read.dump(
            service.update_person(db_session=session, person=person, data=data, caller=caller)
        )
