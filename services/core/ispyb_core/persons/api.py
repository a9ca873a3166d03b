from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.operations import operation

from . import service
from .schemas import PersonCreate, PersonRead, PersonUpdate

ns = Namespace("persons", path="/persons", description="People: users and staff")


def _person(ref: str):
    return service.get_person(db_session=db_session(), ref=ref, caller=current_caller())


@ns.route("")
class Persons(Resource):
    @operation(ns, response=PersonRead, list_spec=service.LIST_SPEC)
    def get(self, *, params):
        """List persons (filter by login or name)."""
        return service.list_persons(db_session=db_session(), params=params, caller=current_caller())

    @operation(ns, body=PersonCreate, response=PersonRead, status=201, errors=(409,))
    def post(self, *, body):
        """Create a person."""
        return service.create_person(db_session=db_session(), data=body, caller=current_caller())


@ns.route("/<string:ref>")
@ns.param("ref", "Person id, UUID or login")
class PersonItem(Resource):
    @operation(ns, response=PersonRead, errors=(404,))
    def get(self, ref: str):
        """Get a person by id, UUID or login."""
        return _person(ref)

    @operation(ns, body=PersonUpdate, partial=True, response=PersonRead, errors=(404, 409))
    def patch(self, ref: str, *, body):
        """Change some fields of a person."""
        return service.update_person(
            db_session=db_session(), person=_person(ref), data=body, caller=current_caller()
        )
