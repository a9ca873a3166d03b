from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.operations import operation

from . import service
from .schemas import LaboratoryCreate, LaboratoryRead, LaboratoryUpdate

ns = Namespace("laboratories", path="/laboratories", description="Laboratories and institutes")


def _laboratory(ref: str):
    return service.get_laboratory(db_session=db_session(), ref=ref, caller=current_caller())


@ns.route("")
class Laboratories(Resource):
    @operation(ns, response=LaboratoryRead, list_spec=service.LIST_SPEC)
    def get(self, *, params):
        """List laboratories."""
        return service.list_laboratories(
            db_session=db_session(), params=params, caller=current_caller()
        )

    @operation(ns, body=LaboratoryCreate, response=LaboratoryRead, status=201, errors=(409,))
    def post(self, *, body):
        """Create a laboratory."""
        return service.create_laboratory(
            db_session=db_session(), data=body, caller=current_caller()
        )


@ns.route("/<string:ref>")
@ns.param("ref", "Laboratory id or UUID")
class LaboratoryItem(Resource):
    @operation(ns, response=LaboratoryRead, errors=(404,))
    def get(self, ref: str):
        """Get a laboratory by id or UUID."""
        return _laboratory(ref)

    @operation(ns, body=LaboratoryUpdate, partial=True, response=LaboratoryRead, errors=(404, 409))
    def patch(self, ref: str, *, body):
        """Change some fields of a laboratory."""
        return service.update_laboratory(
            db_session=db_session(),
            laboratory=_laboratory(ref),
            data=body,
            caller=current_caller(),
        )
