from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.operations import operation

from . import service
from .schemas import ProteinCreate, ProteinRead, ProteinUpdate

ns = Namespace("proteins", path="/proteins", description="Proteins (macromolecules) of proposals")


def _protein(ref: str):
    return service.get_protein(db_session=db_session(), ref=ref, caller=current_caller())


@ns.route("")
class Proteins(Resource):
    @operation(ns, response=ProteinRead, list_spec=service.LIST_SPEC)
    def get(self, *, params):
        """List proteins (filter by proposal, acronym, safety level)."""
        return service.list_proteins(
            db_session=db_session(), params=params, caller=current_caller()
        )

    @operation(ns, body=ProteinCreate, response=ProteinRead, status=201, errors=(409,))
    def post(self, *, body):
        """Create a protein in a proposal the caller can see."""
        return service.create_protein(db_session=db_session(), data=body, caller=current_caller())


@ns.route("/<string:ref>")
@ns.param("ref", "Protein id or UUID")
class ProteinItem(Resource):
    @operation(ns, response=ProteinRead, errors=(404,))
    def get(self, ref: str):
        """Get a protein by id or UUID."""
        return _protein(ref)

    @operation(ns, body=ProteinUpdate, partial=True, response=ProteinRead, errors=(404, 409))
    def patch(self, ref: str, *, body):
        """Change some fields of a protein (safetyLevel is staff's)."""
        return service.update_protein(
            db_session=db_session(), protein=_protein(ref), data=body, caller=current_caller()
        )
