"""The user-office push endpoint and the sync records (docs/user-office-sync.md).

Not public: the gateway answers 404 for /user-office (gateway/kong.yml); only machine
clients holding ``core:sync:write`` may push; staff read the records."""

from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session, get_database
from ispyb_shared.errors import ValidationFailed
from ispyb_shared.operations import operation

from . import service
from .engine import DocumentInvalid, sync_document
from .schemas import SyncDocument, SyncRunRead

ns = Namespace(
    "user-office",
    path="/user-office",
    description="User-office synchronisation (machine clients with core:sync:write; "
    "not exposed by the gateway)",
)


def _sync_client() -> None:
    service.require_sync_client(current_caller())


def _reader() -> None:
    service.require_reader(current_caller())


@ns.route("/sync")
class Sync(Resource):
    # As sent: the engine checks the document, names every problem by JSON path and
    # records the refusal.
    @operation(
        ns,
        body=SyncDocument,
        as_sent=True,
        authorize=_sync_client,
        response=SyncRunRead,
        description="Applied (counts and conflicts)",
    )
    def post(self, *, body):
        """Push the user office's whole document; applied in one transaction or refused."""
        try:
            return sync_document(
                get_database().engine, body, source=f"push:{current_caller().subject}"
            )
        except DocumentInvalid as exc:
            raise ValidationFailed(
                "The document breaks the sync format; nothing was applied.",
                {"errors": exc.errors, "syncRun": exc.run_id},
            ) from None


@ns.route("/sync-runs")
class SyncRuns(Resource):
    @operation(ns, response=SyncRunRead, list_spec=service.LIST_SPEC, authorize=_reader)
    def get(self, *, params):
        """List sync runs, newest first (filter by status, source, start time)."""
        return service.list_sync_runs(db_session=db_session(), params=params)


@ns.route("/sync-runs/<int:run_id>")
class SyncRunItem(Resource):
    @operation(ns, response=SyncRunRead, authorize=_reader, errors=(404,))
    def get(self, run_id: int):
        """One sync run: when, source, counts, conflicts, errors."""
        return service.get_sync_run(db_session=db_session(), run_id=run_id)
