"""Calling core from another service (ssx, em): the one client they share.

Core alone decides who may see and change its rows, so a service asks with the caller's
own ``Authorization`` header and request id (:class:`Credentials`), never with a
credential of its own. What this module does for every service:

- **transport**: a ``requests.Session`` (or anything with its ``request`` method) is
  injectable; tests mount an adapter routing into core's Flask app, or one injecting
  faults, and production uses a plain session;
- **errors**: core's error envelope becomes the shared typed errors (401 Unauthorized,
  403 Forbidden, 404 NotFound, 409 Conflict, 400/422 ValidationFailed, core's code,
  message and details kept); core unreachable, too slow or answering 5xx or nonsense is
  :class:`CoreUnavailable` (503), which says whether a write may have been done anyway;
- **look-ups by UUID**: batched ``uuid.in`` queries that fit in gunicorn's request line,
  values quoted, answers never wider than the question, positive answers cached for
  ``cache_seconds`` per (hash of the token, resource, UUID) in a bounded LRU: never shared
  between two tokens.

Services subclass :class:`CoreClient` with their own look-ups (``ispyb_ssx.core``,
``ispyb_em.core_client``). The same client calls another service than core when given
its ``prefix`` and ``name`` (the compat service calls auth, em and ssx that way).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote, urlencode

import requests
from marshmallow import fields, validate
from urllib3.exceptions import NewConnectionError

from .errors import (
    ERROR_CODES,
    ApiError,
    Conflict,
    CoreUnavailable,
    Forbidden,
    NotFound,
    Unauthorized,
    ValidationFailed,
)
from .metrics import timed_outbound
from .schemas import StrictSchema
from .uuids import parse_uuid

log = logging.getLogger(__name__)

CORE_PREFIX = "/ispyb/api/v1/core"
# gunicorn refuses request lines longer than 4094 bytes (its limit_request_line): 90 UUIDs
# of 36 characters and their commas, with the path, stay within it.
UUIDS_PER_QUERY = 90
# core's api.max_limit: a uuid.in query of 90 never needs a second page.
PAGE_LIMIT = 1000


class CoreSettings(StrictSchema):
    """How a service reaches core (the ``core`` section of its configuration)."""

    url = fields.String(
        load_default="http://127.0.0.1:8001",
        validate=validate.URL(schemes={"http", "https"}, require_tld=False),
        metadata={"description": "Base URL of core (without /ispyb/api/v1/core)."},
    )
    timeout_seconds = fields.Float(
        load_default=5.0,
        validate=validate.Range(min=0.1, max=120),
        metadata={"description": "Time allowed for one answer of core; beyond, 503."},
    )
    cache_seconds = fields.Integer(
        load_default=30,
        validate=validate.Range(min=0, max=3600),
        metadata={
            "description": "How long core's positive answer about a row (looked up by "
            "UUID) is reused for the same access token (0: ask every time)."
        },
    )
    cache_entries = fields.Integer(
        load_default=20000,
        validate=validate.Range(min=1, max=10_000_000),
        metadata={"description": "Most (token, row) answers kept per process."},
    )


@dataclass(frozen=True)
class Credentials:
    """What is forwarded to core: the caller's Authorization header and request id."""

    authorization: str
    request_id: str | None = None

    @classmethod
    def of_request(cls) -> Credentials:
        """The current Flask request's caller."""
        from flask import request

        from .logging import request_id

        return cls(request.headers.get("Authorization", ""), request_id())

    def headers(self) -> dict[str, str]:
        headers = {"Authorization": self.authorization, "Accept": "application/json"}
        if self.request_id:
            headers["X-Request-ID"] = self.request_id
        return headers


class Transport(Protocol):
    """What the client needs of a ``requests.Session``."""

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response: ...


@dataclass(frozen=True)
class Answer:
    """Core's answer: its status and its JSON body (None when it sent no JSON)."""

    status: int
    body: Any


def error_from_envelope(status: int, body: Any, *, what: str) -> ApiError:
    """Core's error answer as the shared typed error, with core's code, message and
    details (a 404 about a row named in the body is the caller's 422: see ``write``)."""
    envelope = body if isinstance(body, dict) else {}
    message = f"Core refused {what}: {envelope.get('message') or status}"
    details = envelope.get("details") if isinstance(envelope.get("details"), dict) else None
    kind: type[ApiError] = {
        401: Unauthorized,
        403: Forbidden,
        404: NotFound,
        409: Conflict,
        422: ValidationFailed,
    }.get(status, ApiError)
    error = kind(message, details)
    code = envelope.get("code")
    if isinstance(code, str) and code in ERROR_CODES:
        error.code = code
    if kind is ApiError:
        error.status = status if 400 <= status < 500 else 400
    return error


class CoreClient:
    """Calls to core for one service; thread-safe; one per process."""

    def __init__(
        self,
        *,
        url: str,
        timeout_seconds: float = 5.0,
        cache_seconds: float = 30,
        cache_entries: int = 20000,
        transport: Transport | None = None,
        clock: Callable[[], float] = time.monotonic,
        prefix: str = CORE_PREFIX,
        name: str = "core",
    ):
        self.base_url = url.rstrip("/")
        # Which service this client calls (core by default; compat also calls auth, em
        # and ssx with the same client): its path prefix and its name in metrics.
        self.prefix = prefix.rstrip("/")
        self.name = name
        self.timeout_seconds = timeout_seconds
        self.cache_seconds = cache_seconds
        self.cache_entries = cache_entries
        self.transport: Transport = transport if transport is not None else requests.Session()
        self.clock = clock
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, str, str], tuple[float, dict]] = OrderedDict()

    @classmethod
    def from_settings(
        cls, settings: Mapping[str, Any], *, transport: Transport | None = None, **extra: Any
    ):
        return cls(
            url=settings["url"],
            timeout_seconds=settings["timeout_seconds"],
            cache_seconds=settings["cache_seconds"],
            cache_entries=settings["cache_entries"],
            transport=transport,
            **extra,
        )

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def readiness(self) -> tuple[bool, str]:
        """Does core answer? Its liveness probe, with this client's timeout (at most 2 s):
        a dependency check for this service's /ready."""
        url = f"{self.base_url}{self.prefix}/health"
        try:
            response = timed_outbound(
                self.name, self.transport.request, "GET", url, timeout=min(self.timeout_seconds, 2)
            )
        except requests.RequestException as exc:
            return False, f"{self.base_url} cannot be reached ({exc.__class__.__name__})"
        if response.status_code != 200:
            return False, f"{self.base_url} answered {response.status_code}"
        return True, f"{self.base_url} answers"

    # --- one request ---------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        credentials: Credentials,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
    ) -> Answer:
        """One call to core. 401 is Unauthorized; 5xx, no answer or an answer that is not
        JSON is CoreUnavailable; any other status is returned for the caller to read."""
        url = f"{self.base_url}{self.prefix}{path}"
        if params:
            url += "?" + urlencode(params, safe=",")
        writes = method not in {"GET", "HEAD"}
        try:
            response = timed_outbound(
                self.name,
                self.transport.request,
                method,
                url,
                headers=credentials.headers(),
                json=body,
                timeout=self.timeout_seconds,
            )
        except requests.RequestException as exc:
            log.error("core unreachable: %s %s: %s", method, path, exc.__class__.__name__)
            # A connection refused never reached core; a timeout or a reset may have.
            maybe_done = writes and not isinstance(exc, requests.ConnectTimeout)
            if isinstance(exc, requests.ConnectionError) and _refused(exc):
                maybe_done = False
            raise CoreUnavailable(
                f"{self.name.capitalize()} cannot be reached"
                + ("" if maybe_done else "; nothing was done")
                + ".",
                maybe_done=maybe_done,
            ) from None
        status = response.status_code
        try:
            payload = response.json() if response.content else None
        except ValueError:
            payload = None
        if status >= 500 or (payload is None and status not in (204,)):
            log.error("core answered %s to %s %s", status, method, path)
            # 5xx from core itself means its transaction was rolled back; a gateway's 502/504
            # or an answer that is not JSON says nothing about what happened.
            maybe_done = writes and (status in (502, 504) or payload is None)
            raise CoreUnavailable(
                f"{self.name.capitalize()} answered {status}"
                + ("" if maybe_done else "; nothing was done")
                + ".",
                maybe_done=maybe_done,
            )
        if status == 401:
            raise Unauthorized(f"{self.name.capitalize()} refused the access token.")
        return Answer(status, payload)

    # --- reads ---------------------------------------------------------------------------

    def get_one(
        self,
        resource: str,
        ref: str,
        credentials: Credentials,
        *,
        forbidden: str,
        params: Mapping[str, Any] | None = None,
    ) -> dict | None:
        """``GET /<resource>/<ref>``: the row if the caller may see it, None if core says
        404; ``forbidden`` is the message when core refuses the caller (403); ``params``:
        the query (``expand=``...)."""
        answer = self.request(
            "GET", f"/{resource}/{quote(str(ref), safe='')}", credentials, params=params
        )
        if answer.status == 404:
            return None
        if answer.status == 403:
            raise Forbidden(forbidden)
        if answer.status != 200 or not isinstance(answer.body, dict):
            raise CoreUnavailable(
                f"Core answered {answer.status} to a look-up; nothing was done.", maybe_done=False
            )
        return answer.body

    def get_list(
        self,
        resource: str,
        params: Mapping[str, Any],
        credentials: Credentials,
        *,
        forbidden: str,
    ) -> list[dict]:
        """The ``results`` of one page of ``GET /<resource>?<params>``."""
        answer = self.request("GET", f"/{resource}", credentials, params=params)
        if answer.status == 403:
            raise Forbidden(forbidden)
        results = answer.body.get("results") if isinstance(answer.body, dict) else None
        if answer.status != 200 or not isinstance(results, list):
            raise CoreUnavailable(
                f"Core's answer listing {resource} cannot be read; nothing was done.",
                maybe_done=False,
            )
        return [row for row in results if isinstance(row, dict)]

    def find_by_uuids(
        self,
        resource: str,
        uuids: Iterable[str],
        credentials: Credentials,
        *,
        forbidden: str,
    ) -> dict[str, dict]:
        """Those of ``uuids`` the caller may see, by canonical UUID: one ``uuid.in`` call
        per 90 UUIDs not cached. Only what was asked is returned."""
        wanted = sorted({canonical for canonical in map(parse_uuid, uuids) if canonical})
        token = hashlib.sha256(credentials.authorization.encode()).hexdigest()
        found: dict[str, dict] = {}
        missing: list[str] = []
        now = self.clock()
        with self._lock:
            for uuid in wanted:
                entry = self._cache.get((token, resource, uuid))
                if entry is not None and entry[0] > now:
                    found[uuid] = entry[1]
                else:
                    missing.append(uuid)
        for start in range(0, len(missing), UUIDS_PER_QUERY):
            chunk = missing[start : start + UUIDS_PER_QUERY]
            rows = self.get_list(
                resource,
                {"uuid.in": ",".join(chunk), "limit": PAGE_LIMIT},
                credentials,
                forbidden=forbidden,
            )
            try:
                by_uuid = {parse_uuid(row["uuid"]): row for row in rows}
            except (KeyError, TypeError):
                raise CoreUnavailable(
                    f"Core's answer about {resource} cannot be read; nothing was done.",
                    maybe_done=False,
                ) from None
            answered = {uuid: by_uuid[uuid] for uuid in chunk if uuid in by_uuid}
            found.update(answered)
            self._remember(token, resource, answered)
        return found

    def _remember(self, token: str, resource: str, answered: dict[str, dict]) -> None:
        if self.cache_seconds <= 0 or not answered:
            return
        expires = self.clock() + self.cache_seconds
        with self._lock:
            for uuid, record in answered.items():
                key = (token, resource, uuid)
                self._cache[key] = (expires, record)
                self._cache.move_to_end(key)
            while len(self._cache) > self.cache_entries:
                self._cache.popitem(last=False)

    # --- writes --------------------------------------------------------------------------

    def write(
        self,
        method: str,
        path: str,
        credentials: Credentials,
        *,
        body: Any = None,
        what: str,
        forbidden: str,
    ) -> Answer:
        """A write (POST, PUT, PATCH, DELETE). A 2xx is returned; core's refusals are
        raised as typed errors (a 404 is a 422: the body named a row core does not show)."""
        answer = self.request(method, path, credentials, body=body)
        if 200 <= answer.status < 300:
            return answer
        if answer.status == 403:
            raise Forbidden(forbidden)
        status = 422 if answer.status == 404 else answer.status
        raise error_from_envelope(status, answer.body, what=what)


def _refused(exc: requests.ConnectionError) -> bool:
    """No connection could be made (nothing listening): the request never left."""
    reason = exc.args[0] if exc.args else None
    return isinstance(getattr(reason, "reason", reason), NewConnectionError)
