"""The user-office push endpoint and the sync records (docs/user-office-sync.md).

Not public: the gateway answers 404 for /user-office (gateway/kong.yml); only machine
clients holding ``core:sync:write`` may push; staff read the records."""

from __future__ import annotations

import json

from flask import request
from flask_restx import Namespace, Resource
from sqlalchemy import func, select

from ispyb_shared.app import document_errors, register_models
from ispyb_shared.auth import CLIENT, Caller, Forbidden, current_caller
from ispyb_shared.db import db_session, get_database
from ispyb_shared.errors import ApiError, NotFound, ValidationFailed

from .engine import DocumentInvalid, run_as_dict, sync_document
from .models import UserOfficeSyncRun
from .schemas import SyncDocument, SyncRunRead

SYNC_SCOPE = "core:sync:write"

ns = Namespace(
    "user-office",
    path="/user-office",
    description="User-office synchronisation (machine clients with core:sync:write; "
    "not exposed by the gateway)",
)
models = register_models(
    ns,
    {"SyncDocument": SyncDocument, "SyncRunRead": SyncRunRead},
    list_of={"SyncRunList": "SyncRunRead"},
)
run_read = SyncRunRead()


def _require_sync_client() -> Caller:
    caller = current_caller()
    if caller.kind != CLIENT or not caller.has_scope(SYNC_SCOPE):
        raise Forbidden(f"Only a machine client with the {SYNC_SCOPE} scope may synchronise.")
    return caller


def _require_reader() -> Caller:
    caller = current_caller()
    if caller.is_staff or (caller.kind == CLIENT and caller.has_scope(SYNC_SCOPE)):
        return caller
    raise Forbidden("Sync records are for facility staff and sync clients.")


@ns.route("/sync")
class Sync(Resource):
    @ns.expect(models["SyncDocument"])
    @ns.response(200, "Applied (counts and conflicts)", models["SyncRunRead"])
    @document_errors(ns, models, 400, 415, 422)
    def post(self):
        """Push the user office's whole document; applied in one transaction or refused."""
        caller = _require_sync_client()
        if request.mimetype != "application/json":
            raise ApiError("The body must be JSON sent with Content-Type: application/json.")
        try:
            document = json.loads(request.get_data() or b"")
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(f"The body is not valid JSON: {exc}") from None
        try:
            run = sync_document(get_database().engine, document, source=f"push:{caller.subject}")
        except DocumentInvalid as exc:
            raise ValidationFailed(
                "The document breaks the sync format; nothing was applied.",
                {"errors": exc.errors, "syncRun": exc.run_id},
            ) from None
        return run_read.dump(run)


@ns.route("/sync-runs")
class SyncRuns(Resource):
    @ns.response(200, "The latest sync runs, newest first", models["SyncRunList"])
    @document_errors(ns, models, 400)
    def get(self):
        """List sync runs, newest first (limit, offset)."""
        _require_reader()
        try:
            limit = min(int(request.args.get("limit", 25)), 1000)
            offset = max(int(request.args.get("offset", 0)), 0)
        except ValueError:
            raise ApiError("limit and offset must be integers.") from None
        session = db_session()
        total = session.scalar(select(func.count()).select_from(UserOfficeSyncRun))
        rows = session.scalars(
            select(UserOfficeSyncRun)
            .order_by(UserOfficeSyncRun.userOfficeSyncRunId.desc())
            .limit(limit)
            .offset(offset)
        )
        return {
            "total": total,
            "limit": limit,
            "offset": offset,
            "results": [run_read.dump(run_as_dict(row)) for row in rows],
        }


@ns.route("/sync-runs/<int:run_id>")
class SyncRunItem(Resource):
    @ns.response(200, "The sync run", models["SyncRunRead"])
    @document_errors(ns, models, 404)
    def get(self, run_id: int):
        """One sync run: when, source, counts, conflicts, errors."""
        _require_reader()
        row = db_session().get(UserOfficeSyncRun, run_id)
        if row is None:
            raise NotFound(f"No sync run {run_id}.")
        return run_read.dump(run_as_dict(row))
