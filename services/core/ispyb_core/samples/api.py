from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.operations import operation

from . import service
from .schemas import SampleCreate, SampleRead, SampleUpdate

ns = Namespace("samples", path="/samples", description="Samples (BLSample) in containers")


def _sample(ref: str):
    return service.get_sample(db_session=db_session(), ref=ref, caller=current_caller())


@ns.route("")
class Samples(Resource):
    @operation(ns, response=SampleRead, list_spec=service.LIST_SPEC)
    def get(self, *, params):
        """List samples (filter by proposal, shipment, dewar, container, protein, code)."""
        return service.list_samples(db_session=db_session(), params=params, caller=current_caller())

    @operation(ns, body=SampleCreate, response=SampleRead, status=201, errors=(409,))
    def post(self, *, body):
        """Create a sample at a free position of a container."""
        return service.create_sample(db_session=db_session(), data=body, caller=current_caller())


@ns.route("/<string:ref>")
@ns.param("ref", "Sample id or UUID")
class SampleItem(Resource):
    @operation(ns, response=SampleRead, errors=(404,))
    def get(self, ref: str):
        """Get a sample by id or UUID, with its crystal, protein and plan."""
        return _sample(ref)

    @operation(ns, body=SampleUpdate, partial=True, response=SampleRead, errors=(404, 409))
    def patch(self, ref: str, *, body):
        """Change some fields of a sample, or move it (containerId, location)."""
        return service.update_sample(
            db_session=db_session(), sample=_sample(ref), data=body, caller=current_caller()
        )
