"""The ssx HTTP API: runs (registration, description, results, chunks) and sessions."""

from __future__ import annotations

from flask import current_app, request
from flask_restx import Namespace, Resource

from ispyb_shared.app import document_errors, load_body, register_models
from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.errors import NotFound
from ispyb_shared.logging import request_id

from . import service
from .core_client import CoreClient
from .schemas import ChunkCreate, ResultCreate, RunCreate

runs = Namespace("runs", path="/runs", description="SSX runs: registration, results, chunks")
sessions = Namespace("sessions", path="/sessions", description="A session's SSX runs")
run_models = register_models(
    runs, {"RunCreate": RunCreate, "ResultCreate": ResultCreate, "ChunkCreate": ChunkCreate}
)
session_models = register_models(sessions, {})

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
