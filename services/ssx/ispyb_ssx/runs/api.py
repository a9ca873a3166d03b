"""SSX runs: registration in one request, the full description of a run, a session's
runs."""

from __future__ import annotations

from flask import current_app
from flask_restx import Namespace, Resource

from ispyb_shared.app import document_errors, list_params, load_body, register_models
from ispyb_shared.auth import current_caller
from ispyb_shared.core_client import Credentials
from ispyb_shared.db import db_session
from ispyb_shared.listing import list_params_doc

from ..access import require_reader, require_writer
from ..core import core
from . import service
from .schemas import RunCreate, RunDetailRead, RunRead, SessionRunRead

ns = Namespace("runs", path="/runs", description="SSX runs: registration and description")
models = register_models(
    ns, {"RunCreate": RunCreate, "RunRead": RunRead, "RunDetailRead": RunDetailRead}
)
sessions_ns = Namespace("sessions", path="/sessions", description="A session's SSX runs")
session_models = register_models(
    sessions_ns, {"SessionRunRead": SessionRunRead}, list_of={"SessionRunList": "SessionRunRead"}
)
run_read = RunRead()
detail_read = RunDetailRead()


@ns.route("")
class Runs(Resource):
    @ns.expect(models["RunCreate"])
    @ns.response(201, "Registered", models["RunRead"])
    @ns.response(200, "Already registered (same clientRequestId): the same run", models["RunRead"])
    @document_errors(ns, models, 400, 403, 409, 415, 422, 503)
    def post(self):
        """Register one SSX run in one request.

        Core's DataCollectionGroup (SSX-Chip / SSX-Jet) and DataCollection are created in
        one idempotent call with the caller's token, then the SSX rows (parameters, event
        chains, compositions) in one transaction. Any failure after core was asked has
        core undo the registration by its key; a 503 says whether that is done ("nothing
        was done") or still pending (details.registration). ``clientRequestId`` makes a
        retry return the same run. Needs ssx:write + core:acquisition:write (+ core:read)
        for clients, or staff.
        """
        caller = current_caller()
        require_writer(caller)
        data = load_body(RunCreate())
        done = service.register_run(
            db_session=db_session(),
            data=data,
            caller=caller,
            core=core(),
            credentials=Credentials.of_request(),
            write_retries=current_app.config["ISPYB_CONFIG"]["core"]["write_retries"],
        )
        return run_read.dump(done.run), 201 if done.created else 200


@ns.route("/<string:ref>")
@ns.param("ref", "Run UUID")
class Run(Resource):
    @ns.response(200, "The run", models["RunDetailRead"])
    @document_errors(ns, models, 403, 404, 503)
    def get(self, ref):
        """A run's full description: parameters, core data collection, event timeline
        (sorted by offset), sample composition, results history."""
        require_reader(current_caller())
        db = db_session()
        view = service.get_run(
            db_session=db, ref=ref, core=core(), credentials=Credentials.of_request()
        )
        return detail_read.dump(service.describe_run(db_session=db, view=view))


@sessions_ns.route("/<string:ref>/runs")
@sessions_ns.param("ref", "Core session: UUID or visit name (e.g. mx1001-3)")
class SessionRuns(Resource):
    @sessions_ns.doc(params=list_params_doc(service.SESSION_RUN_SPEC))
    @sessions_ns.response(200, "A page of the session's runs", session_models["SessionRunList"])
    @document_errors(sessions_ns, session_models, 400, 403, 404, 503)
    def get(self, ref):
        """A session's SSX runs with their latest result, enriched from core (start time,
        images, sample name) in a fixed number of calls."""
        require_reader(current_caller())
        page = service.session_runs(
            db_session=db_session(),
            ref=ref,
            params=list_params(service.SESSION_RUN_SPEC),
            core=core(),
            credentials=Credentials.of_request(),
        )
        return page.envelope(SessionRunRead(many=True).dump)
