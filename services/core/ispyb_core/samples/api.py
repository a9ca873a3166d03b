from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.operations import Expand, operation

from . import service
from .schemas import SampleCreate, SampleRead, SampleUpdate

ns = Namespace("samples", path="/samples", description="Samples (BLSample) in containers")

# A sample's nested blocks come on request (docs/api-conventions.md, "Embedding: expand="):
# a sample with its crystal, protein and a mostly-null diffraction plan is 5 times its row.
EXPAND = Expand(
    blocks={
        "crystal": "the sample's crystal",
        "crystal.protein": "the crystal's protein",
        "diffractionPlan": "what to collect on the sample (null when no plan)",
    },
    aliases={"protein": "crystal.protein"},
)


def _sample(ref: str):
    return service.get_sample(db_session=db_session(), ref=ref, caller=current_caller())


@ns.route("")
class Samples(Resource):
    @operation(ns, response=SampleRead, list_spec=service.LIST_SPEC, expand=EXPAND)
    def get(self, *, params):
        """List samples (filter by proposal, shipment, dewar, container, protein, code)."""
        return service.list_samples(db_session=db_session(), params=params, caller=current_caller())

    @operation(ns, body=SampleCreate, response=SampleRead, status=201, errors=(409,), expand=EXPAND)
    def post(self, *, body):
        """Create a sample at a free position of a container."""
        return service.create_sample(db_session=db_session(), data=body, caller=current_caller())


@ns.route("/<string:ref>")
@ns.param("ref", "Sample id or UUID")
class SampleItem(Resource):
    @operation(ns, response=SampleRead, errors=(404,), expand=EXPAND)
    def get(self, ref: str):
        """Get a sample by id or UUID (its crystal, protein and plan: expand=)."""
        return _sample(ref)

    @operation(
        ns,
        body=SampleUpdate,
        partial=True,
        response=SampleRead,
        errors=(404, 409),
        expand=EXPAND,
    )
    def patch(self, ref: str, *, body):
        """Change some fields of a sample, or move it (containerId, location)."""
        return service.update_sample(
            db_session=db_session(), sample=_sample(ref), data=body, caller=current_caller()
        )

    @operation(ns, status=204, description="Deleted", errors=(403, 404, 409))
    def delete(self, ref: str):
        """Delete a sample nothing refers to (no data collection, sub-sample, robot action,
        energy scan, XRF spectrum, queue entry or sample-group membership): else 409."""
        service.delete_sample(db_session=db_session(), sample=_sample(ref), caller=current_caller())
