"""The ssx HTTP API: runs (registration, description, results, chunks), sessions, and
components with the sample/crystal compositions that use them."""

from __future__ import annotations

from flask import current_app, request
from flask_restx import Namespace, Resource

from ispyb_shared.app import document_errors, list_params, load_body, register_models
from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.errors import NotFound
from ispyb_shared.listing import list_params_doc
from ispyb_shared.logging import request_id

from . import service
from .core_client import CoreClient
from .models import ComponentType, ConcentrationType, CrystalComposition, SampleComposition
from .schemas import (
    ChunkCreate,
    ComponentPost,
    ComponentRead,
    ComponentTypeRead,
    ComponentUpdate,
    ConcentrationTypeRead,
    CrystalCompositionPost,
    CrystalCompositionRead,
    ResultCreate,
    RunCreate,
    SampleCompositionPost,
    SampleCompositionRead,
)

runs = Namespace("runs", path="/runs", description="SSX runs: registration, results, chunks")
sessions = Namespace("sessions", path="/sessions", description="A session's SSX runs")
run_models = register_models(
    runs, {"RunCreate": RunCreate, "ResultCreate": ResultCreate, "ChunkCreate": ChunkCreate}
)
session_models = register_models(sessions, {})
components = Namespace(
    "components",
    path="/",
    description="Components of a proposal, their vocabularies, sample and crystal compositions",
)
component_models = register_models(
    components,
    {
        "ComponentTypeRead": ComponentTypeRead,
        "ConcentrationTypeRead": ConcentrationTypeRead,
        "ComponentRead": ComponentRead,
        "ComponentCreate": ComponentPost,
        "ComponentUpdate": ComponentUpdate,
        "SampleCompositionRead": SampleCompositionRead,
        "SampleCompositionCreate": SampleCompositionPost,
        "CrystalCompositionRead": CrystalCompositionRead,
        "CrystalCompositionCreate": CrystalCompositionPost,
    },
    list_of={
        "ComponentTypeList": "ComponentTypeRead",
        "ConcentrationTypeList": "ConcentrationTypeRead",
        "ComponentList": "ComponentRead",
        "SampleCompositionList": "SampleCompositionRead",
        "CrystalCompositionList": "CrystalCompositionRead",
    },
)

INJECT_HEADER = "X-SSX-Inject-Failure"


def core() -> CoreClient:
    return current_app.extensions["ssx_core_client"]


def auth() -> dict:
    """The caller's own credentials and request id, forwarded to core."""
    return {"authorization": request.headers.get("Authorization", ""), "request_id": request_id()}


@runs.route("")
class Runs(Resource):
    @runs.expect(run_models["RunCreate"])
    @runs.response(201, "Registered")
    @runs.response(200, "Already registered with this clientRequestId: the same run")
    @document_errors(runs, run_models, 400, 403, 415, 422)
    def post(self):
        """Register one SSX run in one request.

        Creates core's DataCollectionGroup (SSX-Chip / SSX-Jet) and DataCollection with the
        caller's token, then the SSX rows (parameters, event chains, compositions) in one
        transaction. On any failure after core's writes, the core data collection and group
        are deleted again. ``clientRequestId`` makes a retry return the same run. Needs
        ssx:write + core:acquisition:write (+ core:read) for clients, or staff.
        """
        caller = current_caller()
        service.require_writer(caller)
        body = load_body(RunCreate())
        testing = current_app.config["ISPYB_CONFIG"]["testing"]
        fail = testing["failure_injection"] and request.headers.get(INJECT_HEADER) == "after-core"
        return service.register_run(
            db=db_session(),
            body=body,
            caller=caller,
            core=core(),
            auth=auth(),
            fail_after_core=fail,
        )


@runs.route("/<string:ref>")
class Run(Resource):
    @document_errors(runs, run_models, 403, 404)
    def get(self, ref):
        """A run's full description: parameters, core data collection, event timeline
        (sorted by offset), sample composition, results history."""
        caller = current_caller()
        service.require_reader(caller)
        db = db_session()
        run, collection = service.visible_run(db, ref, core(), auth())
        return service.describe_run(db, run, collection)


@runs.route("/<string:ref>/results")
class Results(Resource):
    @runs.expect(run_models["ResultCreate"])
    @runs.response(201, "Stored")
    @document_errors(runs, run_models, 403, 404, 415, 422)
    def post(self, ref):
        """Post a processing result (Preliminary or Final) of a run (ssx:write or staff)."""
        caller = current_caller()
        service.require_writer(caller)
        body = load_body(ResultCreate())
        db = db_session()
        run, _ = service.visible_run(db, ref, core(), auth())
        return service.add_result(db=db, run=run, body=body, caller=caller), 201

    @document_errors(runs, run_models, 403, 404)
    def get(self, ref):
        """Every result of a run, oldest first."""
        caller = current_caller()
        service.require_reader(caller)
        db = db_session()
        run, collection = service.visible_run(db, ref, core(), auth())
        return {"results": service.describe_run(db, run, collection)["results"]}


@runs.route("/<string:ref>/chunks")
class Chunks(Resource):
    @runs.expect(run_models["ChunkCreate"])
    @runs.response(201, "Stored")
    @document_errors(runs, run_models, 403, 404, 409, 415, 422)
    def post(self, ref):
        """Hits and indexed images of one range of images (live monitoring)."""
        caller = current_caller()
        service.require_writer(caller)
        body = load_body(ChunkCreate())
        db = db_session()
        run, _ = service.visible_run(db, ref, core(), auth())
        return service.add_chunk(db=db, run=run, body=body), 201

    @document_errors(runs, run_models, 403, 404)
    def get(self, ref):
        """The run's time series of hit and indexing rates, by first image."""
        caller = current_caller()
        service.require_reader(caller)
        db = db_session()
        run, _ = service.visible_run(db, ref, core(), auth())
        return {"results": service.chunks_of(db, run)}


@sessions.route("/<string:ref>/runs")
class SessionRuns(Resource):
    @document_errors(sessions, session_models, 403, 404)
    def get(self, ref):
        """A session's SSX runs with their latest result, enriched from core (start time,
        images, sample name) in a fixed number of calls."""
        caller = current_caller()
        service.require_reader(caller)
        client, credentials = core(), auth()
        session = client.session(ref, **credentials)
        if session is None:
            raise NotFound(f"Session {ref} does not exist.", {"ref": [ref]})
        results = service.session_summary(
            db_session(),
            session,
            client,
            credentials,
            lambda: client.samples_of_proposal(session["proposalId"], **credentials),
        )
        return {"session": session.get("visit"), "sessionUUID": session["uuid"], "results": results}


# --- components and compositions ------------------------------------------------------------


def _vocabulary(model, spec, schema):
    service.require_reader(current_caller())
    page = service.list_vocabulary(
        db=db_session(), model=model, params=list_params(spec), spec=spec
    )
    return page.envelope(schema(many=True).dump)


@components.route("/component-types")
class ComponentTypes(Resource):
    @components.doc(params=list_params_doc(service.COMPONENT_TYPE_SPEC))
    @components.response(200, "The component types", component_models["ComponentTypeList"])
    @document_errors(components, component_models, 400, 403)
    def get(self):
        """The kinds of component (fixed vocabulary: Ligand, Buffer, JetMaterial, ...)."""
        return _vocabulary(ComponentType, service.COMPONENT_TYPE_SPEC, ComponentTypeRead)


@components.route("/concentration-types")
class ConcentrationTypes(Resource):
    @components.doc(params=list_params_doc(service.CONCENTRATION_TYPE_SPEC))
    @components.response(200, "The units", component_models["ConcentrationTypeList"])
    @document_errors(components, component_models, 400, 403)
    def get(self):
        """The units of abundance (fixed vocabulary: M, mM, uM, mg/ml, %w/v, %v/v)."""
        return _vocabulary(
            ConcentrationType, service.CONCENTRATION_TYPE_SPEC, ConcentrationTypeRead
        )


@components.route("/components")
class Components(Resource):
    @components.doc(params=list_params_doc(service.COMPONENT_SPEC))
    @components.response(200, "A page of components", component_models["ComponentList"])
    @document_errors(components, component_models, 400, 403, 404, 422)
    def get(self):
        """A proposal's components (proposalUUID required: one core check of the proposal)."""
        service.require_reader(current_caller())
        page = service.list_components(
            db=db_session(), params=list_params(service.COMPONENT_SPEC), core=core(), auth=auth()
        )
        return page.envelope(ComponentRead(many=True).dump)

    @components.expect(component_models["ComponentCreate"])
    @components.response(201, "Created", component_models["ComponentRead"])
    @document_errors(components, component_models, 403, 409, 415, 422)
    def post(self):
        """Create a component of a proposal visible to the caller (ssx:write or staff)."""
        service.require_writer(current_caller())
        body = load_body(ComponentPost())
        component = service.create_component(db=db_session(), body=body, core=core(), auth=auth())
        return ComponentRead().dump(component), 201


@components.route("/components/<string:ref>")
@components.param("ref", "Component id or UUID")
class ComponentItem(Resource):
    @components.response(200, "The component", component_models["ComponentRead"])
    @document_errors(components, component_models, 403, 404)
    def get(self, ref):
        """A component (its proposal must be visible to the caller)."""
        service.require_reader(current_caller())
        component, _ = service.visible_component(db_session(), ref, core(), auth())
        return ComponentRead().dump(component)

    @components.expect(component_models["ComponentUpdate"])
    @components.response(200, "Updated", component_models["ComponentRead"])
    @document_errors(components, component_models, 403, 404, 409, 415, 422)
    def patch(self, ref):
        """Change a component's name, type or composition (ssx:write or staff)."""
        service.require_writer(current_caller())
        body = load_body(ComponentUpdate(), partial=True)
        db = db_session()
        component, _ = service.visible_component(db, ref, core(), auth())
        return ComponentRead().dump(service.update_component(db=db, component=component, body=body))


def _compositions(model, field, spec, schema, lookup):
    service.require_reader(current_caller())
    page = service.list_compositions(
        db=db_session(),
        model=model,
        field=field,
        params=list_params(spec),
        spec=spec,
        lookup=lookup,
    )
    return page.envelope(schema(many=True).dump)


def _create_composition(model, field, body_schema, schema, lookup):
    service.require_writer(current_caller())
    body = load_body(body_schema())
    row = service.create_composition(
        db=db_session(),
        model=model,
        field=field,
        body=body,
        core=core(),
        auth=auth(),
        lookup=lookup,
    )
    return schema().dump(row), 201


@components.route("/sample-compositions")
class SampleCompositions(Resource):
    @components.doc(params=list_params_doc(service.SAMPLE_COMPOSITION_SPEC))
    @components.response(200, "A page", component_models["SampleCompositionList"])
    @document_errors(components, component_models, 400, 403, 404, 422)
    def get(self):
        """A core sample's composition, components nested (blSampleUUID required)."""
        return _compositions(
            SampleComposition,
            "blSampleUUID",
            service.SAMPLE_COMPOSITION_SPEC,
            SampleCompositionRead,
            lambda uuid: core().sample(uuid, **auth()),
        )

    @components.expect(component_models["SampleCompositionCreate"])
    @components.response(201, "Created", component_models["SampleCompositionRead"])
    @document_errors(components, component_models, 403, 415, 422)
    def post(self):
        """Add a component to a core sample of the component's proposal (ssx:write or staff)."""
        return _create_composition(
            SampleComposition,
            "blSampleUUID",
            SampleCompositionPost,
            SampleCompositionRead,
            lambda uuid: core().sample(uuid, **auth()),
        )


@components.route("/crystal-compositions")
class CrystalCompositions(Resource):
    @components.doc(params=list_params_doc(service.CRYSTAL_COMPOSITION_SPEC))
    @components.response(200, "A page", component_models["CrystalCompositionList"])
    @document_errors(components, component_models, 400, 403, 404, 422)
    def get(self):
        """A core crystal's composition, components nested (crystalUUID required)."""
        return _compositions(
            CrystalComposition,
            "crystalUUID",
            service.CRYSTAL_COMPOSITION_SPEC,
            CrystalCompositionRead,
            lambda uuid: core().crystal(uuid, **auth()),
        )

    @components.expect(component_models["CrystalCompositionCreate"])
    @components.response(201, "Created", component_models["CrystalCompositionRead"])
    @document_errors(components, component_models, 403, 415, 422)
    def post(self):
        """Add a component to a core crystal of the component's proposal (ssx:write or
        staff)."""
        return _create_composition(
            CrystalComposition,
            "crystalUUID",
            CrystalCompositionPost,
            CrystalCompositionRead,
            lambda uuid: core().crystal(uuid, **auth()),
        )
