"""What em learns from core about data collections, always asked with the caller's token.

Core alone decides who may see a data collection (session membership, staff beamlines,
admin, machine clients with ``core:read``). em forwards the caller's own ``Authorization``
header, never a credential of its own, so em can never show or change more than core
would let that caller see.

Answers are reused for ``core.cache_seconds``, keyed by (hash of the access token, UUID):
never shared between two tokens, so never between two people. Only positive answers are
kept, so a data collection created in core a moment ago is found at once. One request
needs one call to core whatever the number of data collections involved (``uuid.in``),
split only when the UUIDs would not fit in one request line.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

import requests

from ispyb_shared.auth import Forbidden, Unauthorized
from ispyb_shared.errors import ServiceUnavailable
from ispyb_shared.uuids import parse_uuid

log = logging.getLogger(__name__)

DATA_COLLECTIONS_PATH = "/ispyb/api/v1/core/data-collections"
# gunicorn refuses request lines longer than 4094 bytes (its limit_request_line): 90 UUIDs
# of 36 characters and their commas, with the path, stay within it.
UUIDS_PER_QUERY = 90

DataCollection = dict[str, Any]


class CoreClient:
    """Looks data collections up in core for a caller; thread-safe; one per process."""

    def __init__(
        self,
        *,
        url: str,
        timeout_seconds: float,
        cache_seconds: float,
        cache_entries: int = 20000,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.base_url = url.rstrip("/")
        self.timeout_seconds = timeout_seconds
        self.cache_seconds = cache_seconds
        self.cache_entries = cache_entries
        self.clock = clock
        self._http = requests.Session()
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, str], tuple[float, DataCollection]] = OrderedDict()

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> CoreClient:
        return cls(
            url=settings["url"],
            timeout_seconds=settings["timeout_seconds"],
            cache_seconds=settings["cache_seconds"],
            cache_entries=settings["cache_entries"],
        )

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def data_collections(
        self, uuids: Iterable[str], *, authorization: str, request_id: str | None = None
    ) -> dict[str, DataCollection]:
        """The data collections among ``uuids`` that the token's holder may see, by UUID.

        Raises ServiceUnavailable (core unreachable, slow or answering nonsense),
        Forbidden (core refuses the caller, e.g. a client without ``core:read``) or
        Unauthorized (core refuses the token).
        """
        wanted = sorted({canonical for canonical in map(parse_uuid, uuids) if canonical})
        token_key = hashlib.sha256(authorization.encode()).hexdigest()
        found: dict[str, DataCollection] = {}
        missing: list[str] = []
        now = self.clock()
        with self._lock:
            for uuid in wanted:
                entry = self._cache.get((token_key, uuid))
                if entry is not None and entry[0] > now:
                    found[uuid] = entry[1]
                else:
                    missing.append(uuid)
        for start in range(0, len(missing), UUIDS_PER_QUERY):
            chunk = missing[start : start + UUIDS_PER_QUERY]
            answered = self._query(chunk, authorization=authorization, request_id=request_id)
            found.update(answered)
            self._remember(token_key, answered)
        return found

    def _remember(self, token_key: str, answered: dict[str, DataCollection]) -> None:
        if self.cache_seconds <= 0 or not answered:
            return
        expires = self.clock() + self.cache_seconds
        with self._lock:
            for uuid, record in answered.items():
                self._cache[(token_key, uuid)] = (expires, record)
                self._cache.move_to_end((token_key, uuid))
            while len(self._cache) > self.cache_entries:
                self._cache.popitem(last=False)

    def _query(
        self, uuids: list[str], *, authorization: str, request_id: str | None
    ) -> dict[str, DataCollection]:
        url = (
            f"{self.base_url}{DATA_COLLECTIONS_PATH}"
            f"?uuid.in={quote(','.join(uuids), safe=',')}&limit=1000"
        )
        headers = {"Authorization": authorization, "Accept": "application/json"}
        if request_id:
            headers["X-Request-ID"] = request_id
        try:
            response = self._http.get(url, headers=headers, timeout=self.timeout_seconds)
        except requests.RequestException as exc:
            log.error("core unreachable: %s: %s", exc.__class__.__name__, exc)
            raise ServiceUnavailable(
                "Core cannot be reached to check the data collections; nothing was done."
            ) from None
        if response.status_code == 401:
            raise Unauthorized("Core refused the access token.")
        if response.status_code == 403:
            raise Forbidden(
                "Core refuses to show data collections to this caller: a machine client "
                "needs the core:read scope besides its em scopes."
            )
        if response.status_code != 200:
            log.error("core answered %s to %s", response.status_code, DATA_COLLECTIONS_PATH)
            raise ServiceUnavailable(
                f"Core answered {response.status_code} when asked about data collections; "
                "nothing was done."
            )
        try:
            results = response.json()["results"]
            records = {parse_uuid(record["uuid"]): record for record in results}
        except (ValueError, KeyError, TypeError):
            log.error("core's answer about data collections is not a list envelope")
            raise ServiceUnavailable(
                "Core's answer about data collections cannot be read; nothing was done."
            ) from None
        # Only what was asked: an answer never widens what the caller may reach.
        return {uuid: records[uuid] for uuid in uuids if uuid in records}
