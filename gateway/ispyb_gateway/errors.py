"""The gateway's own errors: Kong's status and message, in the services' JSON envelope.

The services answer ``{"code", "message", "details", "requestId"}`` (docs/errors.md); every
error the gateway makes itself (a malformed request, no route, rate limit, body or URI too
large, service down...) has the same shape, so a client reads one envelope whoever
refused its request.

- The local nginx answers each status with its own code (``GATEWAY_ERRORS``) and the
  request id (``nginx_error_body``).
- Kong renders its errors from one template per content type, filled in with the message
  and Kong's request id only: ``kong_error_template`` is the JSON one (Kong's
  ``error_template_json``), so its ``code`` cannot follow the status: ``GATEWAY_ERROR``.
- A route that Kong terminates with a message (request-termination) would answer
  ``{"message": ...}``: ``termination_envelope`` is the envelope the site's kong.yml sends
  instead.
"""

from __future__ import annotations

import json

from .templates import nginx_string, render

# status: (code, Kong's message). Kong's messages are its error handler's.
GATEWAY_ERRORS = {
    400: ("BAD_REQUEST", "Bad request"),
    404: ("NOT_FOUND", "no Route matched with those values"),
    405: ("METHOD_NOT_ALLOWED", "Method not allowed"),
    408: ("BAD_REQUEST", "Request timeout"),
    411: ("BAD_REQUEST", "Length required"),
    413: ("PAYLOAD_TOO_LARGE", "Request size limit exceeded"),
    414: ("BAD_REQUEST", "URI too long"),
    417: ("BAD_REQUEST", "Expectation failed"),
    429: ("RATE_LIMITED", "API rate limit exceeded"),
    431: ("BAD_REQUEST", "Request header fields too large"),
    494: ("BAD_REQUEST", "Request header or cookie too large"),
    500: ("INTERNAL_ERROR", "An unexpected error occurred"),
    501: ("BAD_REQUEST", "Not implemented"),
    502: ("SERVICE_UNAVAILABLE", "An invalid response was received from the upstream server"),
    503: ("SERVICE_UNAVAILABLE", "The upstream server is currently unavailable"),
    504: ("SERVICE_UNAVAILABLE", "The upstream server is timing out"),
    505: ("BAD_REQUEST", "HTTP version not supported"),
}

# Refusals of the request itself name no service: nginx may not even have read a path.
NO_SERVICE_DETAILS = {400, 404, 405, 408, 411, 414, 417, 431, 494, 501, 505}

# The code of every error Kong makes itself (its templates know only the message).
KONG_ERROR_CODE = "GATEWAY_ERROR"
# Where the site's files put Kong's JSON error template (docker-compose.yml's
# KONG_ERROR_TEMPLATE_JSON names it inside the gateway-config volume).
KONG_ERROR_TEMPLATE_FILE = "error-template.json"

_REQUEST_ID = "\x00request-id\x00"  # stands for $ispyb_request_id until nginx-quoted


def code_for(status: int) -> str:
    """The envelope's code for a status the gateway answers (a terminated route's)."""
    if status in GATEWAY_ERRORS:
        return GATEWAY_ERRORS[status][0]
    other = {401: "UNAUTHORIZED", 403: "FORBIDDEN", 409: "CONFLICT"}
    return other.get(status, "BAD_REQUEST" if status < 500 else "INTERNAL_ERROR")


def nginx_error_body(status: int) -> str:
    """The envelope as an nginx string, filled in by nginx with the request's variables."""
    code, message = GATEWAY_ERRORS[status]
    # The one details shape (docs/errors.md): keys -> lists of messages; here the service
    # the route leads to, by name.
    details = "null" if status in NO_SERVICE_DETAILS else '{"service":["$ispyb_service"]}'
    # The request id is either validated ([A-Za-z0-9._:-]) or generated (hex): JSON-safe.
    return (
        f'\'{{"code":"{code}","message":"{message}","details":{details},'
        f'"requestId":"$ispyb_request_id"}}\''
    )


def nginx_termination_body(status: int, message: str) -> str:
    """A terminated route's envelope with any message, as an nginx string."""
    text = json.dumps(
        {"code": code_for(status), "message": message, "details": None, "requestId": _REQUEST_ID},
        separators=(",", ":"),
    ).replace(json.dumps(_REQUEST_ID), '"' + _REQUEST_ID + '"')
    return nginx_string(text).replace(_REQUEST_ID, "$ispyb_request_id")


def termination_envelope(status: int, message: str) -> str:
    """What Kong answers for a route terminated with ``message``: a fixed body, so no id."""
    return json.dumps(
        {"code": code_for(status), "message": message, "details": None, "requestId": None},
        separators=(",", ":"),
    )


def kong_error_template() -> str:
    """Kong's error_template_json: ``%s`` placeholders for the message and the request id."""
    return render("kong-error-template.json.j2", code=KONG_ERROR_CODE)
