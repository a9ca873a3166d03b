"""Components of a proposal, their vocabularies, and the sample and crystal compositions
that use them."""

from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.app import document_errors, list_params, load_body, register_models
from ispyb_shared.auth import current_caller
from ispyb_shared.core_client import Credentials
from ispyb_shared.db import db_session
from ispyb_shared.listing import list_params_doc

from ..access import require_reader, require_writer
from ..core import core
from . import service
from .models import ComponentType, ConcentrationType, CrystalComposition, SampleComposition
from .schemas import (
    ComponentCreate,
    ComponentRead,
    ComponentTypeRead,
    ComponentUpdate,
    ConcentrationTypeRead,
    CrystalCompositionCreate,
    CrystalCompositionRead,
    SampleCompositionCreate,
    SampleCompositionRead,
)

ns = Namespace(
    "components",
    path="/",
    description="Components of a proposal, their vocabularies, sample and crystal compositions",
)
models = register_models(
    ns,
    {
        "ComponentTypeRead": ComponentTypeRead,
        "ConcentrationTypeRead": ConcentrationTypeRead,
        "ComponentRead": ComponentRead,
        "ComponentCreate": ComponentCreate,
        "ComponentUpdate": ComponentUpdate,
        "SampleCompositionRead": SampleCompositionRead,
        "SampleCompositionCreate": SampleCompositionCreate,
        "CrystalCompositionRead": CrystalCompositionRead,
        "CrystalCompositionCreate": CrystalCompositionCreate,
    },
    list_of={
        "ComponentTypeList": "ComponentTypeRead",
        "ConcentrationTypeList": "ConcentrationTypeRead",
        "ComponentList": "ComponentRead",
        "SampleCompositionList": "SampleCompositionRead",
        "CrystalCompositionList": "CrystalCompositionRead",
    },
)
component_read = ComponentRead()


def _vocabulary(model, spec, schema):
    require_reader(current_caller())
    page = service.list_vocabulary(
        db_session=db_session(), model=model, params=list_params(spec), spec=spec
    )
    return page.envelope(schema(many=True).dump)


@ns.route("/component-types")
class ComponentTypes(Resource):
    @ns.doc(params=list_params_doc(service.COMPONENT_TYPE_SPEC))
    @ns.response(200, "The component types", models["ComponentTypeList"])
    @document_errors(ns, models, 400, 403)
    def get(self):
        """The kinds of component (fixed vocabulary: Ligand, Buffer, JetMaterial, ...)."""
        return _vocabulary(ComponentType, service.COMPONENT_TYPE_SPEC, ComponentTypeRead)


@ns.route("/concentration-types")
class ConcentrationTypes(Resource):
    @ns.doc(params=list_params_doc(service.CONCENTRATION_TYPE_SPEC))
    @ns.response(200, "The units", models["ConcentrationTypeList"])
    @document_errors(ns, models, 400, 403)
    def get(self):
        """The units of abundance (fixed vocabulary: M, mM, uM, mg/ml, %w/v, %v/v)."""
        return _vocabulary(
            ConcentrationType, service.CONCENTRATION_TYPE_SPEC, ConcentrationTypeRead
        )


@ns.route("/components")
class Components(Resource):
    @ns.doc(params=list_params_doc(service.COMPONENT_SPEC))
    @ns.response(200, "A page of components", models["ComponentList"])
    @document_errors(ns, models, 400, 403, 404, 422)
    def get(self):
        """A proposal's components (proposalUUID required: one core check of the proposal)."""
        require_reader(current_caller())
        page = service.list_components(
            db_session=db_session(),
            params=list_params(service.COMPONENT_SPEC),
            core=core(),
            credentials=Credentials.of_request(),
        )
        return page.envelope(ComponentRead(many=True).dump)

    @ns.expect(models["ComponentCreate"])
    @ns.response(201, "Created", models["ComponentRead"])
    @document_errors(ns, models, 403, 409, 415, 422)
    def post(self):
        """Create a component of a proposal visible to the caller (ssx:write or staff)."""
        require_writer(current_caller())
        component = service.create_component(
            db_session=db_session(),
            data=load_body(ComponentCreate()),
            core=core(),
            credentials=Credentials.of_request(),
        )
        return component_read.dump(component), 201


@ns.route("/components/<string:ref>")
@ns.param("ref", "Component id or UUID")
class ComponentItem(Resource):
    @ns.response(200, "The component", models["ComponentRead"])
    @document_errors(ns, models, 403, 404)
    def get(self, ref):
        """A component (its proposal must be visible to the caller)."""
        require_reader(current_caller())
        component = service.get_component(
            db_session=db_session(), ref=ref, core=core(), credentials=Credentials.of_request()
        )
        return component_read.dump(component)

    @ns.expect(models["ComponentUpdate"])
    @ns.response(200, "Updated", models["ComponentRead"])
    @document_errors(ns, models, 403, 404, 409, 415, 422)
    def patch(self, ref):
        """Change a component's name, type or composition (ssx:write or staff)."""
        require_writer(current_caller())
        data = load_body(ComponentUpdate(), partial=True)
        db = db_session()
        component = service.get_component(
            db_session=db, ref=ref, core=core(), credentials=Credentials.of_request()
        )
        return component_read.dump(
            service.update_component(db_session=db, component=component, data=data)
        )


def _compositions(model, field, spec, schema, lookup):
    require_reader(current_caller())
    page = service.list_compositions(
        db_session=db_session(),
        model=model,
        field=field,
        params=list_params(spec),
        spec=spec,
        lookup=lookup,
    )
    return page.envelope(schema(many=True).dump)


def _create_composition(model, field, body_schema, schema, lookup):
    require_writer(current_caller())
    row = service.create_composition(
        db_session=db_session(),
        model=model,
        field=field,
        data=load_body(body_schema()),
        core=core(),
        credentials=Credentials.of_request(),
        lookup=lookup,
    )
    return schema().dump(row), 201


def _sample(uuid: str) -> dict | None:
    return core().sample(uuid, Credentials.of_request())


def _crystal(uuid: str) -> dict | None:
    return core().crystal(uuid, Credentials.of_request())


@ns.route("/sample-compositions")
class SampleCompositions(Resource):
    @ns.doc(params=list_params_doc(service.SAMPLE_COMPOSITION_SPEC))
    @ns.response(200, "A page", models["SampleCompositionList"])
    @document_errors(ns, models, 400, 403, 404, 422)
    def get(self):
        """A core sample's composition, components nested (blSampleUUID required)."""
        return _compositions(
            SampleComposition,
            "blSampleUUID",
            service.SAMPLE_COMPOSITION_SPEC,
            SampleCompositionRead,
            _sample,
        )

    @ns.expect(models["SampleCompositionCreate"])
    @ns.response(201, "Created", models["SampleCompositionRead"])
    @document_errors(ns, models, 403, 415, 422)
    def post(self):
        """Add a component to a core sample of the component's proposal (ssx:write or staff)."""
        return _create_composition(
            SampleComposition,
            "blSampleUUID",
            SampleCompositionCreate,
            SampleCompositionRead,
            _sample,
        )


@ns.route("/crystal-compositions")
class CrystalCompositions(Resource):
    @ns.doc(params=list_params_doc(service.CRYSTAL_COMPOSITION_SPEC))
    @ns.response(200, "A page", models["CrystalCompositionList"])
    @document_errors(ns, models, 400, 403, 404, 422)
    def get(self):
        """A core crystal's composition, components nested (crystalUUID required)."""
        return _compositions(
            CrystalComposition,
            "crystalUUID",
            service.CRYSTAL_COMPOSITION_SPEC,
            CrystalCompositionRead,
            _crystal,
        )

    @ns.expect(models["CrystalCompositionCreate"])
    @ns.response(201, "Created", models["CrystalCompositionRead"])
    @document_errors(ns, models, 403, 415, 422)
    def post(self):
        """Add a component to a core crystal of the component's proposal (ssx:write or
        staff)."""
        return _create_composition(
            CrystalComposition,
            "crystalUUID",
            CrystalCompositionCreate,
            CrystalCompositionRead,
            _crystal,
        )
