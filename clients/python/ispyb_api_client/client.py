"""One client for every ISPyB service behind the gateway (http://host:8000).

    from ispyb_api_client import Client
    client = Client("http://localhost:8000", client_id="demo-pipeline",
                    client_secret="demo-pipeline-secret")
    for session in client.sessions(proposal="mx1001"):
        print(session["visit"])

Tokens are obtained and renewed by themselves; 429/502/503/504 and lost connections are
retried with exponential backoff (``Retry-After`` honoured) for reads, PUT and DELETE,
and for POST/PATCH only when they carry an ``Idempotency-Key`` (``idempotency_key=True``
makes one per logical call, reused by its retries), as is a keyed write's 409
``IDEMPOTENCY_KEY_IN_USE`` (its first attempt still running). Errors are :class:`ApiError`; the
request id, attempts and replay flag of the last call are in ``client.last_call``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast
from urllib.parse import parse_qs, quote, urlsplit

import requests

from .auth import LOGIN, TOKEN, ClientCredentials, PasswordLogin, TokenSource
from .errors import ApiError, AuthenticationError, IspybError
from .types import (
    DataCollection,
    DataCollectionGroup,
    DataCollectionRegistration,
    EmSummary,
    IngestReport,
    Me,
    Movie,
    ProcessingProgram,
    ProcessingRun,
    Proposal,
    Session,
    SessionDataCollection,
    SessionSummary,
    Shipment,
)

API_PREFIX = "/ispyb/api/v1"
# DataCollectionGroup.experimentType values of cryo-EM (ISPyB's enum).
EM_EXPERIMENT_TYPES = frozenset({"EM", "single particle", "tomo"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
# Methods whose repetition has the effect of one request (RFC 9110, 9.2.2).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@dataclass
class RetryPolicy:
    """``retries`` further attempts after the first; the n-th waits ``backoff * 2**n``
    seconds (at most ``max_backoff``, with jitter), or what ``Retry-After`` says as long
    as that is at most ``max_retry_after`` (else the error is raised at once)."""

    retries: int = 5
    backoff: float = 0.5
    max_backoff: float = 10.0
    max_retry_after: float = 120.0
    statuses: frozenset[int] = RETRY_STATUSES

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        base = min(self.max_backoff, self.backoff * 2**attempt)
        return base * (0.5 + random.random() / 2)


@dataclass
class CallInfo:
    """What happened to one logical call (all its attempts)."""

    method: str
    url: str
    request_id: str
    status: int | None = None
    attempts: int = 0
    # True when the service answered a retried write from its idempotency record.
    replayed: bool = False
    idempotency_key: str | None = None
    waits: list[float] = field(default_factory=list)


class Client:
    """The ISPyB API at one gateway URL, as a person or as a machine client.

    Give ``username``/``password`` (``plugin``, default ``local``) or
    ``client_id``/``client_secret`` (``scope`` optional), or neither for public
    endpoints only. ``renew_margin``: seconds before expiry at which the token is renewed
    (default a fifth of its lifetime, at most 60 s).
    """

    def __init__(
        self,
        url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        plugin: str = "local",
        client_id: str | None = None,
        client_secret: str | None = None,
        scope: str | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 60.0,
        renew_margin: float | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        base = url.rstrip("/")
        if base.endswith(API_PREFIX):
            base = base[: -len(API_PREFIX)]
        self.base_url = base
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self.http = session or requests.Session()
        self.http.headers["User-Agent"] = "ispyb-api-client/0.1"
        self._sleep = sleep
        self._local = threading.local()
        credentials: PasswordLogin | ClientCredentials | None = None
        if username is not None and client_id is not None:
            raise ValueError("Give username/password or client_id/client_secret, not both.")
        if username is not None:
            if password is None:
                raise ValueError("A username needs its password.")
            credentials = PasswordLogin(username, password, plugin)
        elif client_id is not None:
            if client_secret is None:
                raise ValueError("A client_id needs its client_secret.")
            credentials = ClientCredentials(client_id, client_secret, scope)
        self.tokens = TokenSource(self, credentials, renew_margin) if credentials else None

    # -- the last call ------------------------------------------------------------------

    @property
    def last_call(self) -> CallInfo | None:
        """The last call made by this thread."""
        return getattr(self._local, "last_call", None)

    @property
    def last_request_id(self) -> str | None:
        call = self.last_call
        return call.request_id if call else None

    # -- HTTP ---------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        data: bytes | str | None = None,
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: bool | str | None = None,
        request_id: str | None = None,
        authenticated: bool = True,
        retry: bool = True,
        repeatable: bool = False,
    ) -> Any:
        """One logical call: ``path`` under ``/ispyb/api/v1`` (``/core/proposals``).

        Returns the decoded JSON (or text for other types, None for 204). ``idempotency_key``
        True makes a key (a UUID4), a string is used as it is; the same key and request id
        are sent on every attempt. ``retry=False``: one attempt only; ``repeatable``: a
        POST/PATCH known to be safe to repeat without a key (a login).
        """
        method = method.upper()
        url = self._url(path)
        sent = dict(headers or {})
        call = CallInfo(method, url, request_id or str(uuid.uuid4()))
        sent["X-Request-ID"] = call.request_id
        if idempotency_key:
            key = str(uuid.uuid4()) if idempotency_key is True else str(idempotency_key)
            sent["Idempotency-Key"] = call.idempotency_key = key
        body: bytes | None = None
        if json_body is not None:
            body = json.dumps(json_body, default=_json_default).encode()
            sent["Content-Type"] = "application/json"
        elif data is not None:
            body = data.encode() if isinstance(data, str) else data
            sent["Content-Type"] = content_type or "application/octet-stream"
        query = _query(params)
        may_retry = retry and (
            repeatable or method in IDEMPOTENT_METHODS or "Idempotency-Key" in sent
        )
        self._local.last_call = call
        renewed = False
        while True:
            token = None
            if authenticated and self.tokens is not None:
                token = self.tokens.access_token()
                sent["Authorization"] = f"Bearer {token}"
            # (A login made for the token was a call of its own.)
            self._local.last_call = call
            call.attempts += 1
            try:
                response = self.http.request(
                    method, url, params=query, data=body, headers=sent, timeout=self.timeout
                )
            except (requests.ConnectionError, requests.Timeout) as error:
                if may_retry and call.attempts <= self.retry.retries:
                    self._wait(call, self.retry.delay(call.attempts - 1, None))
                    continue
                raise IspybError(
                    f"{method} {url}: no answer after {call.attempts} attempt(s) "
                    f"(request id {call.request_id}): {error}"
                ) from error
            call.status = response.status_code
            call.request_id = response.headers.get("X-Request-ID", call.request_id)
            call.replayed = response.headers.get("Idempotent-Replayed", "").lower() == "true"
            if response.status_code < 400:
                return _decode(response)
            if (
                response.status_code == 401
                and token is not None
                and not renewed
                and self.tokens is not None
            ):
                # Expired early (clock skew), revoked, or a key rotated: one new token.
                self.tokens.invalidate(token)
                renewed = True
                continue
            retry_after = _retry_after(response.headers.get("Retry-After"))
            # The first request with this key is still being processed: ask again later.
            in_use = "Idempotency-Key" in sent and _code(response) == "IDEMPOTENCY_KEY_IN_USE"
            if (
                may_retry
                and (response.status_code in self.retry.statuses or in_use)
                and call.attempts <= self.retry.retries
                and (retry_after is None or retry_after <= self.retry.max_retry_after)
            ):
                self._wait(call, self.retry.delay(call.attempts - 1, retry_after))
                continue
            refused = path in (LOGIN, TOKEN) and response.status_code in (400, 401, 403, 422)
            error_class = AuthenticationError if refused else ApiError
            raise error_class.from_response(response, retry_after)

    def get(self, path: str, **kwargs) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json_body: Any = None, **kwargs) -> Any:
        return self.request("POST", path, json_body=json_body, **kwargs)

    def patch(self, path: str, json_body: Any = None, **kwargs) -> Any:
        return self.request("PATCH", path, json_body=json_body, **kwargs)

    def put(self, path: str, json_body: Any = None, **kwargs) -> Any:
        return self.request("PUT", path, json_body=json_body, **kwargs)

    def delete(self, path: str, **kwargs) -> Any:
        return self.request("DELETE", path, **kwargs)

    def _call_auth(self, path: str, body: dict, retry: bool = True) -> dict:
        # Logins and client tokens are safe to repeat; a refresh is not (its token is
        # rotated: a lost answer then means logging in again).
        return self.request(
            "POST", path, json_body=body, authenticated=False, retry=retry, repeatable=retry
        )

    def _url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        if not path.startswith("/"):
            path = "/" + path
        if path.startswith(API_PREFIX + "/"):
            return self.base_url + path
        return self.base_url + API_PREFIX + path

    def _wait(self, call: CallInfo, seconds: float) -> None:
        call.waits.append(seconds)
        self._sleep(seconds)

    # -- lists --------------------------------------------------------------------------

    def pages(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        page_size: int = 100,
        cursor: bool = True,
    ) -> Iterator[dict]:
        """Every page of a list, in order. ``cursor``: follow each page's ``links.next``
        (keyset, constant cost at any depth, no ``total``); else ``offset`` pages."""
        query = {k: v for k, v in dict(params or {}).items() if k not in {"offset", "after"}}
        query["limit"] = page_size
        offset = int(dict(params or {}).get("offset") or 0)
        after = dict(params or {}).get("after")
        if not cursor:
            query["offset"] = offset
        elif after:
            query["after"] = after
        while True:
            page = self.get(path, params=query)
            yield page
            results = page.get("results") or []
            if cursor:
                following = _after_of((page.get("links") or {}).get("next"))
                if not following or not results:
                    return
                query["after"] = following
            else:
                offset += len(results)
                total = page.get("total")
                if not results or (total is not None and offset >= total):
                    return
                query["offset"] = offset

    def paginate(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        page_size: int = 100,
        cursor: bool = True,
    ) -> Iterator[Any]:
        """Every row of a list, fetching page after page as the iteration needs them."""
        for page in self.pages(path, params, page_size=page_size, cursor=cursor):
            yield from page.get("results") or []

    # -- auth ---------------------------------------------------------------------------

    def me(self) -> Me:
        return cast(Me, self.get("/auth/me"))

    def logout(self) -> None:
        """End a person's session at auth (its refresh token); a no-op for clients."""
        if self.tokens is not None:
            self.tokens.logout()

    # -- core: proposals and sessions ---------------------------------------------------

    def proposals(self, filters: Mapping[str, Any] | None = None, **kw) -> Iterator[Proposal]:
        """Proposals the caller may see; filters as in Swagger (``proposalCode="mx"``,
        or ``{"title.contains": "lysozyme"}``)."""
        return self.paginate("/core/proposals", {**(filters or {}), **kw})

    def proposal(self, ref: str | int) -> Proposal:
        return cast(Proposal, self.get(f"/core/proposals/{_ref(ref)}"))

    def sessions(self, filters: Mapping[str, Any] | None = None, **kw) -> Iterator[Session]:
        return self.paginate("/core/sessions", {**(filters or {}), **kw})

    def session(self, ref: str | int) -> Session:
        return cast(Session, self.get(f"/core/sessions/{_ref(ref)}"))

    def session_data_collections(
        self, ref: str | int, filters: Mapping[str, Any] | None = None, **kw
    ) -> Iterator[SessionDataCollection]:
        """A session's sweeps, each with its best processing result (``bestResult``)."""
        return self.paginate(
            f"/core/sessions/{_ref(ref)}/data-collections", {**(filters or {}), **kw}
        )

    def session_summary(self, ref: str | int, *, em: bool = True) -> SessionSummary:
        """A session, its sweeps with their best results and, with ``em``, the live
        summary of each cryo-EM data collection (from the em service, when deployed)."""
        session = self.session(ref)
        collections = list(self.session_data_collections(session["sessionId"]))
        summaries: dict[str, EmSummary] = {}
        for collection in collections:
            if em and collection.get("experimentType") in EM_EXPERIMENT_TYPES:
                try:
                    summaries[collection["uuid"]] = self.em_summary(collection["uuid"])
                except ApiError as error:
                    if error.status != 404:  # 404: no em service here (or no access)
                        raise
        return SessionSummary(session=session, data_collections=collections, em=summaries)

    # -- core: data collections and processing -------------------------------------------

    def data_collections(
        self, filters: Mapping[str, Any] | None = None, **kw
    ) -> Iterator[DataCollection]:
        return self.paginate("/core/data-collections", {**(filters or {}), **kw})

    def data_collection(self, ref: str | int) -> DataCollection:
        return cast(DataCollection, self.get(f"/core/data-collections/{_ref(ref)}"))

    def data_collection_group(self, ref: str | int) -> DataCollectionGroup:
        return cast(DataCollectionGroup, self.get(f"/core/data-collection-groups/{_ref(ref)}"))

    def register_data_collection(
        self, key: str, group: Mapping[str, Any], collection: Mapping[str, Any]
    ) -> DataCollectionRegistration:
        """A group and its sweep in one idempotent call under ``key`` (a PUT: retried
        safely; the same key and body again answer the same rows)."""
        body = {"dataCollectionGroup": dict(group), "dataCollection": dict(collection)}
        return cast(
            DataCollectionRegistration,
            self.put(f"/core/data-collection-registrations/{_ref(key)}", body),
        )

    def cancel_registration(self, key: str) -> DataCollectionRegistration:
        return cast(
            DataCollectionRegistration,
            self.delete(f"/core/data-collection-registrations/{_ref(key)}"),
        )

    def create_processing_program(
        self,
        body: Mapping[str, Any],
        *,
        idempotency_key: bool | str = True,
    ) -> ProcessingProgram:
        """Register a processing run (``processingPrograms``, ``dataCollections``...),
        optionally with its whole ``result`` document."""
        return cast(
            ProcessingProgram,
            self.post("/core/processing-programs", dict(body), idempotency_key=idempotency_key),
        )

    def update_processing_program(self, ref: str | int, changes: Mapping[str, Any]) -> Any:
        return self.patch(f"/core/processing-programs/{_ref(ref)}", dict(changes))

    def post_processing_result(
        self,
        program: str | int,
        document: Mapping[str, Any],
        *,
        idempotency_key: bool | str = True,
    ) -> ProcessingRun:
        """A run's complete result document (docs/data-collections.md), one transaction."""
        return cast(
            ProcessingRun,
            self.post(
                f"/core/processing-programs/{_ref(program)}/results",
                dict(document),
                idempotency_key=idempotency_key,
            ),
        )

    def processing(self, data_collection: str | int) -> Any:
        """Every run of a sweep with all its results and shells (the list, from the
        envelope core answers it in)."""
        return self.get(f"/core/data-collections/{_ref(data_collection)}/processing")["results"]

    # -- core: shipments ----------------------------------------------------------------

    def shipments(self, filters: Mapping[str, Any] | None = None, **kw) -> Iterator[Shipment]:
        return self.paginate("/core/shipments", {**(filters or {}), **kw})

    def find_shipment(self, proposal: str, name: str) -> Shipment:
        """The shipment of that name in the proposal (``mx1002``)."""
        found = list(self.shipments(proposal=proposal, shippingName=name))
        if len(found) != 1:
            raise IspybError(
                f"{len(found)} shipments named {name!r} in {proposal} (give its id or UUID)."
            )
        return found[0]

    def import_shipment_csv(self, shipment: str | int, csv: str | bytes) -> Any:
        """The users' spreadsheet into a shipment, all rows or none (docs/shipments.md);
        returns the shipment with its contents. Not retried: a repeated import is refused
        for its dewar names, nothing twice."""
        return self.request(
            "POST",
            f"/core/shipments/{_ref(shipment)}/import-csv",
            data=csv,
            content_type="text/csv; charset=utf-8",
        )

    # -- em -----------------------------------------------------------------------------

    def em_programs(self, data_collection_uuid: str) -> Iterator[Any]:
        return self.paginate("/em/programs", {"dataCollectionUUID": data_collection_uuid})

    def ingest_movies(
        self,
        records: Iterable[Mapping[str, Any]],
        *,
        batch_size: int = 500,
        progress: Callable[[int], None] | None = None,
    ) -> IngestReport:
        """Movies with their results, ``batch_size`` records per ``POST /em/movies/batch``.
        A batch is idempotent by its content (an identical resend stores nothing), so each
        carries an Idempotency-Key and is retried; ``progress(n)`` after each batch."""
        report = IngestReport()
        batch: list[Mapping[str, Any]] = []

        def send() -> None:
            answer = self.post("/em/movies/batch", {"records": batch}, idempotency_key=True)
            report.add(answer)
            if progress is not None:
                progress(len(batch))
            batch.clear()

        for record in records:
            batch.append(record)
            if len(batch) >= batch_size:
                send()
        if batch:
            send()
        return report

    def em_summary(self, data_collection_uuid: str) -> EmSummary:
        return cast(
            EmSummary, self.get(f"/em/data-collections/{_ref(data_collection_uuid)}/summary")
        )

    def em_movies(self, data_collection_uuid: str, *, page_size: int = 100) -> Iterator[Movie]:
        """The per-movie series in acquisition order (em's own keyset: ``next.after``)."""
        path = f"/em/data-collections/{_ref(data_collection_uuid)}/movies"
        query: dict[str, Any] = {"limit": page_size}
        while True:
            page = self.get(path, params=query)
            yield from page.get("results") or []
            following = page.get("next") or {}
            if "after" not in following:
                return
            query["after"] = following["after"]


def _ref(value: str | int) -> str:
    return quote(str(value), safe="")


def _query(params: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    query = []
    for name, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, (list, tuple, set)):
            value = ",".join(str(v) for v in value)
        elif isinstance(value, (dt.date, dt.datetime)):
            value = value.isoformat()
        query.append((name, str(value)))
    return query


def _after_of(next_link: str | None) -> str | None:
    """The cursor of a ``links.next`` URL (its host may be a service's internal one, so
    only the cursor is taken)."""
    if not next_link:
        return None
    values = parse_qs(urlsplit(next_link).query).get("after")
    return values[0] if values else None


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _code(response: requests.Response) -> str | None:
    """The error envelope's code, if the answer is one."""
    if response.status_code != 409:  # the only status whose code changes the retry
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None


def _decode(response: requests.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    if "json" in response.headers.get("Content-Type", ""):
        return response.json()
    return response.text


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
