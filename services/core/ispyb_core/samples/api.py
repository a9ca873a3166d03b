from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.app import document_errors, list_params, load_body, register_models
from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.listing import list_params_doc

from . import service
from .schemas import SampleCreate, SampleRead, SampleUpdate

ns = Namespace("samples", path="/samples", description="Samples (BLSample) in containers")
models = register_models(
    ns,
    {"SampleRead": SampleRead, "SampleCreate": SampleCreate, "SampleUpdate": SampleUpdate},
    list_of={"SampleList": "SampleRead"},
)
sample_read = SampleRead()
sample_read_many = SampleRead(many=True)


@ns.route("")
class Samples(Resource):
    @ns.doc(params=list_params_doc(service.LIST_SPEC))
    @ns.response(200, "A page of samples", models["SampleList"])
    @document_errors(ns, models, 400)
    def get(self):
        """List samples (filter by proposal, shipment, dewar, container, protein, code)."""
        page = service.list_samples(
            db_session=db_session(), params=list_params(service.LIST_SPEC), caller=current_caller()
        )
        return page.envelope(sample_read_many.dump)

    @ns.expect(models["SampleCreate"])
    @ns.response(201, "Created", models["SampleRead"])
    @document_errors(ns, models, 400, 409, 415, 422)
    def post(self):
        """Create a sample at a free position of a container."""
        sample = service.create_sample(
            db_session=db_session(), data=load_body(SampleCreate()), caller=current_caller()
        )
        return sample_read.dump(sample), 201


@ns.route("/<string:ref>")
@ns.param("ref", "Sample id or UUID")
class SampleItem(Resource):
    @ns.response(200, "The sample", models["SampleRead"])
    @document_errors(ns, models, 404)
    def get(self, ref: str):
        """Get a sample by id or UUID, with its crystal, protein and plan."""
        return sample_read.dump(
            service.get_sample(db_session=db_session(), ref=ref, caller=current_caller())
        )

    @ns.expect(models["SampleUpdate"])
    @ns.response(200, "Updated", models["SampleRead"])
    @document_errors(ns, models, 400, 404, 409, 415, 422)
    def patch(self, ref: str):
        """Change some fields of a sample, or move it (containerId, location)."""
        session = db_session()
        caller = current_caller()
        sample = service.get_sample(db_session=session, ref=ref, caller=caller)
        data = load_body(SampleUpdate(), partial=True)
        return sample_read.dump(
            service.update_sample(db_session=session, sample=sample, data=data, caller=caller)
        )
