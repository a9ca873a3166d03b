"""Who may synchronise and read the sync records, and the records (docs/user-office-sync.md)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ispyb_shared.auth import CLIENT, Caller, Forbidden
from ispyb_shared.errors import NotFound
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate

from .engine import run_as_dict
from .models import UserOfficeSyncRun

SYNC_SCOPE = "core:sync:write"

LIST_SPEC = ListSpec(
    filters={
        "status": Filter(UserOfficeSyncRun.status, ("eq", "in"), "Outcome"),
        "source": Filter(UserOfficeSyncRun.source, ("eq", "contains"), "Source"),
        "startedAt": Filter(UserOfficeSyncRun.startedAt, ("gte", "lt"), "When the sync started"),
    },
    sortable={
        "userOfficeSyncRunId": UserOfficeSyncRun.userOfficeSyncRunId,
        "startedAt": UserOfficeSyncRun.startedAt,
    },
    default_sort=("-userOfficeSyncRunId",),
    tiebreak=(UserOfficeSyncRun.userOfficeSyncRunId,),
)


def require_sync_client(caller: Caller) -> Caller:
    if caller.kind != CLIENT or not caller.has_scope(SYNC_SCOPE):
        raise Forbidden(f"Only a machine client with the {SYNC_SCOPE} scope may synchronise.")
    return caller


def require_reader(caller: Caller) -> Caller:
    if caller.is_staff or (caller.kind == CLIENT and caller.has_scope(SYNC_SCOPE)):
        return caller
    raise Forbidden("Sync records are for facility staff and sync clients.")


def list_sync_runs(*, db_session: Session, params: ListParams) -> Page:
    """Sync runs, newest first by default (one statement: the page and its total)."""
    page = paginate(db_session, select(UserOfficeSyncRun), params, LIST_SPEC)
    page.results = [run_as_dict(row) for row in page.results]
    return page


def get_sync_run(*, db_session: Session, run_id: int) -> dict[str, Any]:
    row = db_session.get(UserOfficeSyncRun, run_id)
    if row is None:
        raise NotFound(f"No sync run {run_id}.")
    return run_as_dict(row)
