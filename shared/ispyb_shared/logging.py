"""Structured JSON logs that carry the request id.

The gateway gives every request an ``X-Request-ID``; the service keeps it (or makes one
when called directly), puts it in every log line written while serving the request and
echoes it in the response, so one id follows a request through gateway and services.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, request

REQUEST_ID_HEADER = "X-Request-ID"
# A client-supplied id is kept only when it is short and printable, so it cannot inject
# fake fields or lines into the logs.
_ACCEPTABLE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")

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


def init_request_logging(app: Flask) -> None:
    """Keep or create the request id, echo it, and write one access line per request."""
    access_log = logging.getLogger("ispyb.access")

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
        access_log.info(
            "%s %s %s",
            request.method,
            request.full_path.rstrip("?"),
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "durationMs": round((time.perf_counter() - started) * 1000, 2) if started else None,
                "responseSize": response.calculate_content_length(),
                "remoteAddr": request.headers.get("X-Forwarded-For", request.remote_addr),
            },
        )
        return response

    @app.teardown_request
    def _forget_request(_exc) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            current_request_id.reset(token)


def request_id() -> str | None:
    """The id of the request being served, for envelopes and outgoing calls."""
    return current_request_id.get()
