from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.operations import operation

from . import service
from .schemas import LabContactCreate, LabContactRead, LabContactUpdate

ns = Namespace("lab-contacts", path="/lab-contacts", description="Shipping contacts of proposals")


def _lab_contact(ref: str):
    return service.get_lab_contact(db_session=db_session(), ref=ref, caller=current_caller())


@ns.route("")
class LabContacts(Resource):
    @operation(ns, response=LabContactRead, list_spec=service.LIST_SPEC)
    def get(self, *, params):
        """List lab contacts (filter by proposal or person)."""
        return service.list_lab_contacts(
            db_session=db_session(), params=params, caller=current_caller()
        )

    @operation(ns, body=LabContactCreate, response=LabContactRead, status=201, errors=(409,))
    def post(self, *, body):
        """Create a lab contact."""
        return service.create_lab_contact(
            db_session=db_session(), data=body, caller=current_caller()
        )


@ns.route("/<string:ref>")
@ns.param("ref", "Lab contact id or UUID")
class LabContactItem(Resource):
    @operation(ns, response=LabContactRead, errors=(404,))
    def get(self, ref: str):
        """Get a lab contact by id or UUID."""
        return _lab_contact(ref)

    @operation(ns, body=LabContactUpdate, partial=True, response=LabContactRead, errors=(404, 409))
    def patch(self, ref: str, *, body):
        """Change some fields of a lab contact."""
        return service.update_lab_contact(
            db_session=db_session(),
            lab_contact=_lab_contact(ref),
            data=body,
            caller=current_caller(),
        )
