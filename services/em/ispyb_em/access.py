"""Who may read and write what in em. The rules are in docs/authorization.md (EM section).

Everything in em belongs to one of core's data collections, and core decides who may see
a data collection: em asks it with the caller's own token (core_client.py). On top of
that visibility:

- reading needs a person's token (users, staff, admin) or a machine client with
  ``em:read``;
- writing needs a machine client with ``em:write`` (pipelines, microscope control) or a
  staff or admin person; users read their sessions' data but do not write results.

A row whose data collection the caller may not see answers 404, like a row that does not
exist; a reference to one in a body is a 422 naming the field, like a missing row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import current_app

from ispyb_shared.auth import CLIENT, Caller, Forbidden, current_caller
from ispyb_shared.core_client import Credentials
from ispyb_shared.db import db_session
from ispyb_shared.errors import NotFound

from .core_client import DataCollection, EMCoreClient

READ_SCOPE = "em:read"
WRITE_SCOPE = "em:write"


def require_reader(caller: Caller) -> None:
    if caller.kind == CLIENT and not caller.has_scope(READ_SCOPE):
        raise Forbidden(f"Reading cryo-EM data needs the {READ_SCOPE!r} scope.")


def require_writer(caller: Caller) -> None:
    if caller.kind == CLIENT:
        if not caller.has_scope(WRITE_SCOPE):
            raise Forbidden(f"Writing cryo-EM data needs the {WRITE_SCOPE!r} scope.")
        return
    if not caller.is_staff:
        raise Forbidden("Cryo-EM results are written by pipelines (em:write) and facility staff.")


class DataCollections:
    """The data collections one caller may see, as core says (memoised per request)."""

    def __init__(self, lookup: Callable[[Iterable[str]], dict[str, DataCollection]]):
        self._lookup = lookup
        self._known: dict[str, DataCollection | None] = {}

    def visible(self, uuids: Iterable[str]) -> dict[str, DataCollection]:
        """Those of ``uuids`` the caller may see, by UUID (one call to core at most)."""
        wanted = set(uuids)
        unknown = wanted - self._known.keys()
        if unknown:
            found = self._lookup(unknown)
            for uuid in unknown:
                self._known[uuid] = found.get(uuid)
        return {uuid: self._known[uuid] for uuid in wanted if self._known[uuid] is not None}

    def get(self, uuid: str, *, what: str, ref: object) -> DataCollection:
        """The data collection ``uuid``; NotFound (about ``what`` ``ref``) if not visible."""
        record = self.visible([uuid]).get(uuid)
        if record is None:
            raise NotFound(f"{what} {ref!s} does not exist.", {"ref": [str(ref)]})
        return record


def caller_data_collections() -> DataCollections:
    """The current request's view of core's data collections, with the caller's token."""
    client: EMCoreClient = current_app.extensions["em_core_client"]
    credentials = Credentials.of_request()

    def lookup(uuids: Iterable[str]) -> dict[str, DataCollection]:
        return client.data_collections(uuids, credentials)

    return DataCollections(lookup)


def authorize_reader() -> None:
    """``authorize=`` of em's reads: who may call is checked before anything is read."""
    require_reader(current_caller())


def authorize_writer() -> None:
    """``authorize=`` of em's writes: a reader posting a bad body is told 403 first."""
    require_writer(current_caller())


def request_scope() -> dict[str, Any]:
    """The keyword arguments every em service function takes from the current request."""
    return {
        "db_session": db_session(),
        "caller": current_caller(),
        "data_collections": caller_data_collections(),
    }
