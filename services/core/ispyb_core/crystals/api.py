from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.operations import operation

from . import service
from .schemas import CrystalCreate, CrystalRead, CrystalUpdate

ns = Namespace("crystals", path="/crystals", description="Crystal forms of proteins")


def _crystal(ref: str):
    return service.get_crystal(db_session=db_session(), ref=ref, caller=current_caller())


@ns.route("")
class Crystals(Resource):
    @operation(ns, response=CrystalRead, list_spec=service.LIST_SPEC)
    def get(self, *, params):
        """List crystals (filter by proposal, protein, space group)."""
        return service.list_crystals(
            db_session=db_session(), params=params, caller=current_caller()
        )

    @operation(ns, body=CrystalCreate, response=CrystalRead, status=201, errors=(409,))
    def post(self, *, body):
        """Create a crystal form of a protein the caller can see."""
        return service.create_crystal(db_session=db_session(), data=body, caller=current_caller())


@ns.route("/<string:ref>")
@ns.param("ref", "Crystal id or UUID")
class CrystalItem(Resource):
    @operation(ns, response=CrystalRead, errors=(404,))
    def get(self, ref: str):
        """Get a crystal by id or UUID, with its protein."""
        return _crystal(ref)

    @operation(ns, body=CrystalUpdate, partial=True, response=CrystalRead, errors=(404, 409))
    def patch(self, ref: str, *, body):
        """Change some fields of a crystal."""
        return service.update_crystal(
            db_session=db_session(), crystal=_crystal(ref), data=body, caller=current_caller()
        )
