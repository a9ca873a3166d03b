"""What ssx asks of core, always with the caller's own token and request id.

Core alone decides who may see a session, a data collection or a sample; ssx forwards the
caller's ``Authorization`` header, never a credential of its own. Positive answers about
data collections are reused for ``core.cache_seconds``, keyed by (hash of the token,
UUID): never shared between two tokens. Core unreachable, slow or answering 5xx →
ServiceUnavailable (503).

``transport`` is injectable: tests route calls to an in-process core app.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

import requests

from ispyb_shared.auth import Forbidden, Unauthorized
from ispyb_shared.errors import ApiError, ServiceUnavailable, ValidationFailed
from ispyb_shared.uuids import parse_uuid

log = logging.getLogger(__name__)

CORE = "/ispyb/api/v1/core"
UUIDS_PER_QUERY = 90  # keeps the request line under gunicorn's 4094 bytes

# (method, url, headers, json body, timeout) -> (status, parsed JSON or None)
Transport = Callable[[str, str, dict, Any, float], tuple[int, Any]]


class CoreRefused(ApiError):
    """Core refused a write (its status and envelope are passed on)."""

    def __init__(self, status: int, body: Any):
        body = body if isinstance(body, dict) else {}
        super().__init__(
            f"Core refused: {body.get('message', status)}", body.get("details") or None
        )
        self.status = status
        self.code = body.get("code", "VALIDATION_ERROR")


def requests_transport() -> Transport:
    http = requests.Session()

    def send(method, url, headers, body, timeout):
        response = http.request(method, url, headers=headers, json=body, timeout=timeout)
        try:
            payload = response.json()
        except ValueError:
            payload = None
        return response.status_code, payload

    return send


class CoreClient:
    def __init__(
        self,
        *,
        url: str,
        timeout_seconds: float = 5.0,
        cache_seconds: float = 30,
        transport: Transport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.base_url = url.rstrip("/")
        self.timeout_seconds = timeout_seconds
        self.cache_seconds = cache_seconds
        self.transport = transport or requests_transport()
        self.clock = clock
        self.calls = 0  # for tests: how many calls were made to core
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], tuple[float, dict]] = {}

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> CoreClient:
        return cls(
            url=settings["url"],
            timeout_seconds=settings["timeout_seconds"],
            cache_seconds=settings["cache_seconds"],
        )

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    # -- plumbing --------------------------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        *,
        authorization: str,
        request_id: str | None,
        body: Any = None,
    ) -> tuple[int, Any]:
        headers = {"Authorization": authorization, "Accept": "application/json"}
        if request_id:
            headers["X-Request-ID"] = request_id
        self.calls += 1
        try:
            status, payload = self.transport(
                method, f"{self.base_url}{CORE}{path}", headers, body, self.timeout_seconds
            )
        except requests.RequestException as exc:
            log.error("core unreachable: %s: %s", exc.__class__.__name__, exc)
            raise ServiceUnavailable("Core cannot be reached; nothing was done.") from None
        if status == 401:
            raise Unauthorized("Core refused the access token.")
        if status >= 500:
            log.error("core answered %s to %s %s", status, method, path)
            raise ServiceUnavailable(f"Core answered {status}; nothing was done.")
        return status, payload

    def _get_one(self, path: str, **auth) -> dict | None:
        status, payload = self.call("GET", path, **auth)
        if status == 404:
            return None
        if status == 403:
            raise Forbidden("Core refuses this look-up to the caller (core:read needed).")
        if status != 200 or not isinstance(payload, dict):
            raise ServiceUnavailable(f"Core answered {status} to a look-up; nothing was done.")
        return payload

    # -- look-ups --------------------------------------------------------------------------

    def session(self, ref: str, **auth) -> dict | None:
        """The session (UUID or visit name) if the caller may see it."""
        return self._get_one(f"/sessions/{quote(ref, safe='')}", **auth)

    def proposal(self, ref: str, **auth) -> dict | None:
        """The proposal (UUID, id or name) if the caller may see it."""
        return self._get_one(f"/proposals/{quote(ref, safe='')}", **auth)

    def sample(self, uuid: str, **auth) -> dict | None:
        return self._get_one(f"/samples/{quote(uuid, safe='')}", **auth)

    def crystal(self, uuid: str, **auth) -> dict | None:
        return self._get_one(f"/crystals/{quote(uuid, safe='')}", **auth)

    def samples_of_proposal(self, proposal_id: int, **auth) -> list[dict]:
        """Every sample of a proposal the caller may see (one call; core has no uuid.in
        filter on samples)."""
        status, payload = self.call(
            "GET", f"/samples?proposalId={int(proposal_id)}&limit=1000", **auth
        )
        if status == 403:
            raise Forbidden("Core refuses to list samples to the caller (core:read needed).")
        if status != 200 or not isinstance(payload, dict):
            raise ServiceUnavailable(f"Core answered {status} listing samples.")
        return list(payload.get("results", []))

    def data_collections(self, uuids: Iterable[str], *, authorization: str, request_id=None):
        """Those of ``uuids`` the caller may see, by UUID: one call per 90 uncached UUIDs."""
        wanted = sorted({u for u in map(parse_uuid, uuids) if u})
        key = hashlib.sha256(authorization.encode()).hexdigest()
        found: dict[str, dict] = {}
        missing = []
        now = self.clock()
        with self._lock:
            for uuid in wanted:
                entry = self._cache.get((key, uuid))
                if entry and entry[0] > now:
                    found[uuid] = entry[1]
                else:
                    missing.append(uuid)
        for start in range(0, len(missing), UUIDS_PER_QUERY):
            chunk = missing[start : start + UUIDS_PER_QUERY]
            status, payload = self.call(
                "GET",
                f"/data-collections?uuid.in={','.join(chunk)}&limit=1000",
                authorization=authorization,
                request_id=request_id,
            )
            if status == 403:
                raise Forbidden(
                    "Core refuses to show data collections to this caller: a machine client "
                    "needs core:read besides its ssx scopes."
                )
            if status != 200 or not isinstance(payload, dict):
                raise ServiceUnavailable(f"Core answered {status} about data collections.")
            answered = {parse_uuid(r["uuid"]): r for r in payload.get("results", []) if "uuid" in r}
            answered = {u: answered[u] for u in chunk if u in answered}
            found.update(answered)
            if self.cache_seconds > 0:
                expires = self.clock() + self.cache_seconds
                with self._lock:
                    for uuid, record in answered.items():
                        self._cache[(key, uuid)] = (expires, record)
        return found

    # -- writes ----------------------------------------------------------------------------

    def create(self, path: str, body: dict, **auth) -> dict:
        status, payload = self.call("POST", path, body=body, **auth)
        if status == 403:
            raise Forbidden(
                "Core refuses the acquisition write to this caller "
                "(core:acquisition:write or staff of the beamline needed)."
            )
        if status in (400, 404, 409, 422):
            raise CoreRefused(422 if status == 404 else status, payload)
        if status not in (200, 201) or not isinstance(payload, dict):
            raise ServiceUnavailable(f"Core answered {status} to a write; nothing was kept.")
        return payload

    def delete(self, path: str, **auth) -> bool:
        """Compensation: True when core deleted (or no longer has) the row."""
        try:
            status, _ = self.call("DELETE", path, **auth)
        except ApiError:
            log.exception("compensation failed: DELETE %s", path)
            return False
        if status not in (200, 204, 404):
            log.error("compensation failed: DELETE %s answered %s", path, status)
            return False
        return True


def require_valid(details: dict[str, list[str]]) -> None:
    if details:
        raise ValidationFailed("The request body is invalid; nothing was stored.", details)
