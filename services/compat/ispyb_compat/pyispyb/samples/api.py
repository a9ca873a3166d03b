"""py-ispyb's sample routes under ``/pyispyb/samples``: the list (py-ispyb-ui's samples
page, its sample changer page with ``assigned=true``, mxcubecore's ``beamLineName``), the
sample editor's writes (POST, PATCH, DELETE; mxcubecore's PATCH too) and the editor's
vocabularies (components, component and concentration types, from ssx). Thin:
service.py translates; core and ssx decide."""

from __future__ import annotations

from flask import request
from flask_restx import Namespace, Resource

from ispyb_shared.operations import operation

from ...upstreams import credentials, upstreams
from .. import service as dialect
from . import schemas, service

samples_ns = Namespace(
    "pyispyb-samples",
    path="/pyispyb/samples",
    description="py-ispyb dialect: samples (list, sample changer, the sample editor's writes)",
)
NAMESPACES = [samples_ns]

PAGE = {"skip": "Rows skipped", "limit": "Page size (clamped to 1000)"}


@samples_ns.route("")
class Samples(Resource):
    @samples_ns.doc(
        params={
            **PAGE,
            "proposal": "Proposal name",
            "proteinId": "Protein id",
            "search": "Name contains",
            "beamLineName": "Containers on this beamline or on none (mxcubecore); with "
            "assigned=true, the sample changer's beamline",
            "assigned": "true: only the samples in a sample changer position of beamLineName",
        }
    )
    @operation(samples_ns, errors=(400, 404), description="py-ispyb's answer")
    def get(self):
        """Samples the caller may see, with ``Crystal.Protein``, ``Container.code`` and
        ``_metadata.datacollections``."""
        if service.assigned(request.args):
            return service.assigned_samples(request.args)
        return dialect.samples(request.args)

    @operation(
        samples_ns,
        body=schemas.SampleWriteDoc,
        as_sent=True,
        idempotent=False,
        errors=(403, 409, 503),
        description="The sample created (py-ispyb's shape)",
    )
    def post(self, *, body):
        """Create a sample (py-ispyb's SampleCreate): core's POST /samples, after core's
        POST /crystals when ``Crystal`` names no ``crystalId``."""
        return service.create_sample(core=upstreams().core, credentials=credentials(), body=body)


@samples_ns.route("/<int:sample_id>")
@samples_ns.param("sample_id", "Sample id")
class SampleItem(Resource):
    @operation(
        samples_ns,
        body=schemas.SampleWriteDoc,
        as_sent=True,
        errors=(403, 404, 409, 503),
        description="The sample (py-ispyb's shape)",
    )
    def patch(self, sample_id: int, *, body):
        """Change a sample (py-ispyb's SampleUpdate, or mxcubecore's dictionary): core's
        PATCH /samples/{id}, and PATCH /crystals/{id} for its crystal's fields."""
        return service.update_sample(
            core=upstreams().core, credentials=credentials(), sample_id=sample_id, body=body
        )

    @operation(samples_ns, status=204, errors=(403, 404, 409, 503), description="Deleted")
    def delete(self, sample_id: int):
        """Delete a sample nothing refers to: core's DELETE /samples/{id} (409 naming the
        data collections, robot actions... that refer to it)."""
        service.delete_sample(core=upstreams().core, credentials=credentials(), sample_id=sample_id)


@samples_ns.route("/components")
class Components(Resource):
    @samples_ns.doc(params={**PAGE, "proposal": "Proposal name (without: an empty page)"})
    @operation(samples_ns, errors=(400, 403, 404, 503), description="py-ispyb's answer")
    def get(self):
        """A proposal's components (ssx's /components): ``{results, total, skip, limit}``
        of ``{componentId, name, composition, ComponentType: {componentTypeId, name}}``."""
        clients = upstreams()
        return service.components(
            core=clients.core, ssx=clients.ssx, credentials=credentials(), args=request.args
        )


@samples_ns.route("/components/types")
class ComponentTypes(Resource):
    @operation(samples_ns, errors=(403, 503), description="py-ispyb's answer: a list")
    def get(self):
        """The kinds of component (ssx's /component-types): ``[{componentTypeId, name}]``."""
        return service.component_types(ssx=upstreams().ssx, credentials=credentials())


@samples_ns.route("/concentration/types")
class ConcentrationTypes(Resource):
    @operation(samples_ns, errors=(403, 503), description="py-ispyb's answer: a list")
    def get(self):
        """The units of abundance (ssx's /concentration-types): ``[{concentrationTypeId,
        name, symbol}]``."""
        return service.concentration_types(ssx=upstreams().ssx, credentials=credentials())
