"""Structured JSON logs that carry the request id, and never a credential.

The gateway gives every request an ``X-Request-ID``; the service keeps it (or makes one
when called directly), puts it in every log line written while serving the request and
echoes it in the response, so one id follows a request through gateway and services.

The access line names the path and query string with the values of credential-like
parameters replaced (:func:`redact_query`), a token carried in the path
(``/compat/java/{token}/...``, :func:`redact_path`) replaced too, and the client's address
as the trusted proxies report it (:func:`client_address`): ``X-Forwarded-For`` is believed
only from the addresses in the ``api.trusted_proxies`` config key.
"""

from __future__ import annotations

import contextvars
import ipaddress
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from urllib.parse import unquote_plus

from flask import Flask, current_app, g, request

REQUEST_ID_HEADER = "X-Request-ID"
# A client-supplied id is kept only when it is short and printable, so it cannot inject
# fake fields or lines into the logs.
_ACCEPTABLE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")

# Query parameters whose values are credentials (names compared lower-cased, with - as _):
# these, and any name ending in one of CREDENTIAL_SUFFIXES.
CREDENTIAL_NAMES = frozenset(
    {"password", "secret", "token", "access_token", "refresh_token", "client_secret", "code"}
    | {"api_key", "apikey", "passwd", "id_token", "assertion", "client_assertion"}
)
CREDENTIAL_SUFFIXES = ("password", "passwd", "secret", "token", "api_key", "apikey")
REDACTED = "[REDACTED]"

current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_request_id", default=None
)

# Attributes every LogRecord has; anything else was passed through ``extra=`` and is
# written as a field of its own.
_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
}


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
            "requestId": current_request_id.get(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class _PlainFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        base = super().format(record)
        return f"{base} [request_id={current_request_id.get()}]"


def configure_logging(service: str, *, level: str = "INFO", as_json: bool = True) -> None:
    """Send every log record of the process to stdout, one JSON object a line."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        JsonFormatter(service)
        if as_json
        else _PlainFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_ispyb_handler", False):
            root.removeHandler(existing)
    handler._ispyb_handler = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)


def is_credential_name(name: str) -> bool:
    """Whether a parameter named ``name`` carries a credential (its value is never logged)."""
    normalised = name.strip().lower().replace("-", "_")
    return normalised in CREDENTIAL_NAMES or normalised.endswith(CREDENTIAL_SUFFIXES)


def redact_query(query: str) -> str:
    """``query`` (``a=1&password=x``) with the values of credential parameters replaced."""
    if not query:
        return query
    parts = []
    for part in query.split("&"):
        name, equals, _value = part.partition("=")
        if is_credential_name(unquote_plus(name)):
            part = f"{name}={REDACTED}" if equals else part
        parts.append(part)
    return "&".join(parts)


# The Java dialect carries its token in the path (/compat/java/{token}/...): the segment
# after /compat/java/ is never logged, whatever it is (but the login route's name).
_PATH_TOKEN = re.compile(r"(/compat/java/)(?!authenticate(?:$|[/?]))[^/?#]+", re.IGNORECASE)


def redact_path(path: str) -> str:
    """``path`` with a token carried in it (``/compat/java/{token}/...``) replaced."""
    return _PATH_TOKEN.sub(lambda m: m.group(1) + REDACTED, path) if path else path


def loggable_path(path: str, query_string: bytes | str) -> str:
    """A request's path and query string as the logs show them (credentials redacted, in
    the query string and in the path)."""
    query = (
        query_string.decode("utf-8", "replace") if isinstance(query_string, bytes) else query_string
    )
    path = redact_path(path)
    return f"{path}?{redact_query(query)}" if query else path


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(addresses: Iterable[str]) -> tuple[Network, ...]:
    """The ``api.trusted_proxies`` config value (validated at start-up) as networks."""
    return tuple(ipaddress.ip_network(address, strict=False) for address in addresses)


def _parse_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_address(
    remote_addr: str | None, forwarded_for: Sequence[str], trusted: Sequence[Network]
) -> str | None:
    """The client's address: the peer, unless it is a trusted proxy, in which case the hops
    of ``X-Forwarded-For`` are read from the right (each proxy appends the address it saw)
    until one that is not a trusted proxy. Anything a client wrote further left is ignored.
    """
    address = remote_addr
    if not trusted or not forwarded_for:
        return address
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
    while hops:
        current = _parse_address(address or "")
        if current is None or not any(current in network for network in trusted):
            break
        previous = _parse_address(hops.pop())
        if previous is None:  # a malformed hop: the trusted proxy is what is known
            break
        address = str(previous)
    return address


def request_client_address() -> str | None:
    """The address of the client of the current request (see :func:`client_address`)."""
    trusted = current_app.extensions.get("ispyb_trusted_proxies", ())
    return client_address(request.remote_addr, request.headers.getlist("X-Forwarded-For"), trusted)


def init_request_logging(app: Flask) -> None:
    """Keep or create the request id, echo it, and write one access line per request."""
    access_log = logging.getLogger("ispyb.access")
    api_config = app.config.get("ISPYB_CONFIG", {}).get("api", {})
    app.extensions["ispyb_trusted_proxies"] = trusted_networks(
        api_config.get("trusted_proxies", ())
    )

    @app.before_request
    def _start_request() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _ACCEPTABLE_REQUEST_ID.match(incoming) else str(uuid.uuid4())
        g.request_id = request_id
        g.request_started = time.perf_counter()
        g.request_id_token = current_request_id.set(request_id)

    @app.after_request
    def _finish_request(response):
        request_id = g.get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        started = g.get("request_started")
        caller = g.get("caller")
        if caller is not None:
            # For the gateway's central log (it logs and drops these headers).
            response.headers[SUBJECT_HEADER] = _header_safe(caller.subject)
            response.headers[SUBJECT_KIND_HEADER] = _header_safe(caller.kind)
        access_log.info(
            "%s %s %s",
            request.method,
            loggable_path(request.path, request.query_string),
            response.status_code,
            extra={
                "method": request.method,
                "path": redact_path(request.path),
                "status": response.status_code,
                "durationMs": round((time.perf_counter() - started) * 1000, 2) if started else None,
                "responseSize": response.calculate_content_length(),
                "remoteAddr": request_client_address(),
                # Who did it: the verified token's subject (a login, or a client's id), its
                # kind and roles; the route template, to group requests by operation.
                "subject": getattr(caller, "subject", None),
                "subjectKind": getattr(caller, "kind", None),
                "roles": sorted(getattr(caller, "roles", ())) or None,
                "route": request.url_rule.rule if request.url_rule is not None else None,
            },
        )
        return response

    @app.teardown_request
    def _forget_request(_exc) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            current_request_id.reset(token)


SUBJECT_HEADER = "X-ISPyB-Subject"
SUBJECT_KIND_HEADER = "X-ISPyB-Subject-Kind"


def _header_safe(value: object) -> str:
    """Printable ASCII only: a subject comes from a token and must not split the header."""
    text = "" if value is None else str(value)
    return "".join(c if " " <= c <= "~" else "?" for c in text)[:200]


def request_id() -> str | None:
    """The id of the request being served, for envelopes and outgoing calls."""
    return current_request_id.get()
