"""SSX runs: registration in one request, the full description of a run, a session's
runs."""

from __future__ import annotations

from flask import current_app
from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.core_client import Credentials
from ispyb_shared.db import db_session
from ispyb_shared.operations import Reply, model_for, operation

from ..access import authorize_reader, authorize_writer
from ..core import core
from . import service
from .schemas import RunCreate, RunDetailRead, RunRead, SessionRunRead

ns = Namespace("runs", path="/runs", description="SSX runs: registration and description")
sessions_ns = Namespace("sessions", path="/sessions", description="A session's SSX runs")


@ns.route("")
class Runs(Resource):
    @ns.response(
        200, "Already registered (same clientRequestId): the same run", model_for(ns, RunRead)
    )
    @operation(
        ns,
        body=RunCreate,
        response=RunRead,
        status=201,
        description="Registered",
        errors=(409, 503),
        authorize=authorize_writer,
    )
    def post(self, *, body):
        """Register one SSX run in one request.

        Core's DataCollectionGroup (SSX-Chip / SSX-Jet) and DataCollection are created in
        one idempotent call with the caller's token, then the SSX rows (parameters, event
        chains, compositions) in one transaction. Any failure after core was asked has
        core undo the registration by its key; a 503 says whether that is done ("nothing
        was done") or still pending (details.registration). ``clientRequestId`` makes a
        retry return the same run. Needs ssx:write + core:acquisition:write (+ core:read)
        for clients, or staff.
        """
        done = service.register_run(
            db_session=db_session(),
            data=body,
            caller=current_caller(),
            core=core(),
            credentials=Credentials.of_request(),
            write_retries=current_app.config["ISPYB_CONFIG"]["core"]["write_retries"],
        )
        return Reply(done.run, 201 if done.created else 200)


@ns.route("/<string:ref>")
@ns.param("ref", "Run UUID")
class Run(Resource):
    @operation(ns, response=RunDetailRead, errors=(404, 503), authorize=authorize_reader)
    def get(self, ref):
        """A run's full description: parameters, core data collection, event timeline
        (sorted by offset), sample composition, results history."""
        db = db_session()
        view = service.get_run(
            db_session=db, ref=ref, core=core(), credentials=Credentials.of_request()
        )
        return service.describe_run(db_session=db, view=view)


@sessions_ns.route("/<string:ref>/runs")
@sessions_ns.param("ref", "Core session: UUID or visit name (e.g. mx1001-3)")
class SessionRuns(Resource):
    @operation(
        sessions_ns,
        response=SessionRunRead,
        list_spec=service.SESSION_RUN_SPEC,
        errors=(404, 503),
        authorize=authorize_reader,
    )
    def get(self, ref, *, params):
        """A session's SSX runs with their latest result, enriched from core (start time,
        images, sample name) in a fixed number of calls."""
        return service.session_runs(
            db_session=db_session(),
            ref=ref,
            params=params,
            core=core(),
            credentials=Credentials.of_request(),
        )
