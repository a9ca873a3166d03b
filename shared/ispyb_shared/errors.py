"""One error envelope for every error of every service.

Every error response is ``{"code", "message", "details", "requestId"}`` with a stable,
documented ``code``; clients branch on ``code`` and show ``message``. ``details`` names the
offending fields by JSON path (``{"field": [...], "dewars[0].code": [...]}``, every problem
of the request at once) or is ``null``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Flask, jsonify
from marshmallow import ValidationError
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from .logging import request_id

log = logging.getLogger(__name__)

# Stable codes: clients may rely on these strings. Documented in docs/errors.md.
ERROR_CODES = {
    "BAD_REQUEST": "The request is malformed (for instance the body is not valid JSON).",
    "VALIDATION_ERROR": "The body or a parameter does not satisfy the schema; details names "
    "each field.",
    "INVALID_PARAMETER": "A query parameter is unknown or has a bad value; details names it.",
    "UNAUTHORIZED": "No valid credentials were presented.",
    "FORBIDDEN": "The caller may not do this.",
    "NOT_FOUND": "The resource or route does not exist.",
    "METHOD_NOT_ALLOWED": "The route exists but not with this HTTP method.",
    "CONFLICT": "The request conflicts with existing data (a duplicate unique key, a row "
    "still referenced, a forbidden state change).",
    "IDEMPOTENCY_KEY_IN_USE": "A request with the same Idempotency-Key is still being "
    "processed; retry later.",
    "IDEMPOTENCY_KEY_REUSED": "The Idempotency-Key was already used by this caller for another "
    "request (another body or target); use a new key.",
    "PAYLOAD_TOO_LARGE": "The request body is larger than the service accepts.",
    "UNSUPPORTED_MEDIA_TYPE": "The body must be JSON (Content-Type: application/json).",
    "RATE_LIMITED": "Too many requests (gateway) or failed credential checks (auth service) "
    "from this client; retry after Retry-After seconds.",
    "LOGIN_LOCKED": "Too many failed logins for this login name from this source; retry after "
    "Retry-After seconds (auth service).",
    "FILE_UNREADABLE": "A file the answer is read from (a detector image) is there but cannot "
    "be read: corrupt, truncated, or of a layout the service does not know.",
    "SERVICE_UNAVAILABLE": "A dependency (database, another service) is unreachable.",
    "INTERNAL_ERROR": "An unexpected error; the log line with the same requestId has details.",
}

_HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


class ApiError(Exception):
    """An error the client can act on. Raise a subclass from service functions."""

    status = 400
    code = "BAD_REQUEST"

    def __init__(self, message: str, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details


class Unauthorized(ApiError):
    """No valid credentials: the answer carries ``WWW-Authenticate: Bearer``."""

    status = 401
    code = "UNAUTHORIZED"


class Forbidden(ApiError):
    status = 403
    code = "FORBIDDEN"


class NotFound(ApiError):
    status = 404
    code = "NOT_FOUND"


class Conflict(ApiError):
    status = 409
    code = "CONFLICT"


class ValidationFailed(ApiError):
    status = 422
    code = "VALIDATION_ERROR"


class InvalidParameter(ApiError):
    status = 400
    code = "INVALID_PARAMETER"


class UnsupportedMediaType(ApiError):
    status = 415
    code = "UNSUPPORTED_MEDIA_TYPE"


class FileUnreadable(ApiError):
    """A file named by a row is there but cannot be read as what it claims to be."""

    status = 422
    code = "FILE_UNREADABLE"


class ServiceUnavailable(ApiError):
    status = 503
    code = "SERVICE_UNAVAILABLE"


class CoreUnavailable(ServiceUnavailable):
    """Core could not be reached, was too slow, or answered 5xx or nonsense.

    ``maybe_done``: the request may have reached core and been carried out (a write that
    timed out or whose answer was lost). A caller undoing such a write must do so by a key
    core can recognise, since it does not know what was created.
    """

    def __init__(self, message: str, *, maybe_done: bool):
        super().__init__(message)
        self.maybe_done = maybe_done


def field_paths(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as the one details shape: each JSON path of a bad
    value (``dewars[1].containers[0].code``, ``_body`` for the body as a whole) -> its
    messages."""
    if not isinstance(messages, dict):
        return {prefix or "_body": list(messages) if isinstance(messages, list) else [messages]}
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        if isinstance(key, int):
            path = f"{prefix}[{key}]"
        elif key == "_schema":
            path = prefix or "_body"
        else:
            path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            for nested_path, nested in field_paths(value, path).items():
                flat.setdefault(nested_path, []).extend(nested)
        else:
            flat.setdefault(path, []).extend(value if isinstance(value, list) else [value])
    return flat


def error_response(status: int, code: str, message: str, details: Any = None):
    response = jsonify(
        {"code": code, "message": message, "details": details, "requestId": request_id()}
    )
    response.status_code = status
    return response


def _integrity_message(exc: IntegrityError) -> tuple[int, str, str]:
    """Classify a database integrity error without leaking SQL into the response."""
    text = str(exc.orig).lower()
    if "foreign key" in text:
        if "delete" in text or "update a parent" in text:
            return 409, "CONFLICT", "The row is still referenced by other rows."
        return 422, "VALIDATION_ERROR", "A referenced row does not exist."
    if "duplicate" in text or "unique" in text:
        return 409, "CONFLICT", "A row with the same unique values already exists."
    if "null" in text:
        return 422, "VALIDATION_ERROR", "A required value is missing."
    return 409, "CONFLICT", "The change conflicts with existing data."


# MariaDB/MySQL errors about one value (pymysql reports some as OperationalError): the
# value does not fit what a site's column holds (shorter strings, narrower character set,
# fewer enum values than core's model declares).
_VALUE_ERRORS = {
    1048: "A value is required by this database's column.",
    1264: "Out of the range this database's column holds.",
    1265: "Not a value this database's column accepts.",
    1292: "Not a date or time this database's column accepts.",
    1366: "Holds characters this database's column cannot store (its character set).",
    1406: "Longer than this database's column holds.",
}
_COLUMN_IN_MESSAGE = re.compile(
    r"column [`'\"]?(?:[^`'\"\s.]+[`'\"]?\.[`'\"]?)*([^`'\".\s]+)", re.IGNORECASE
)


def value_error_details(exc: Exception) -> dict[str, list[str]] | None:
    """The field and problem of a database error about one value, else None."""
    args = getattr(getattr(exc, "orig", None), "args", ())
    if len(args) < 2 or args[0] not in _VALUE_ERRORS:
        return None
    match = _COLUMN_IN_MESSAGE.search(str(args[1]))
    return {match.group(1) if match else "_body": [_VALUE_ERRORS[args[0]]]}


def register_error_handlers(app: Flask) -> None:
    """Map every exception to the envelope. flask-restx defers to these (see app.py)."""

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return error_response(exc.status, exc.code, exc.message, exc.details)

    @app.errorhandler(ValidationError)
    def _validation_error(exc: ValidationError):
        return error_response(
            422, "VALIDATION_ERROR", "The request body is invalid.", field_paths(exc.messages)
        )

    @app.errorhandler(IntegrityError)
    def _integrity_error(exc: IntegrityError):
        status, code, message = _integrity_message(exc)
        log.warning("integrity error: %s", exc.orig)
        return error_response(status, code, message, value_error_details(exc))

    @app.errorhandler(DataError)
    def _data_error(exc: DataError):
        log.warning("data error: %s", exc.orig)
        return error_response(
            422, "VALIDATION_ERROR", "A value does not fit its column.", value_error_details(exc)
        )

    @app.errorhandler(OperationalError)
    def _operational_error(exc: OperationalError):
        details = value_error_details(exc)
        if details is not None:
            log.warning("data error: %s", exc.orig)
            return error_response(
                422, "VALIDATION_ERROR", "A value does not fit its column.", details
            )
        log.error("database unavailable: %s", exc.orig)
        return error_response(503, "SERVICE_UNAVAILABLE", "The database is unavailable.")

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        code = _HTTP_CODES.get(status, "BAD_REQUEST" if status < 500 else "INTERNAL_ERROR")
        message = exc.description or exc.name
        if status == 404:
            message = "No such resource or route."
        response = error_response(status, code, message)
        if status == 405 and exc.get_response().headers.get("Allow"):
            response.headers["Allow"] = exc.get_response().headers["Allow"]
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        return error_response(500, "INTERNAL_ERROR", "Internal error.")
