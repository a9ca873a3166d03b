"""The gateway's own errors: Kong's status and message, in the services' JSON envelope.

The services answer ``{"code", "message", "details", "requestId"}`` (docs/errors.md); the
errors the gateway makes itself (no route, rate limit, body too large, service down...)
have the same shape, so a client reads one envelope whoever refused its request.
"""

from __future__ import annotations

# status: (code, Kong's message)
GATEWAY_ERRORS = {
    400: ("BAD_REQUEST", "Bad request"),
    404: ("NOT_FOUND", "no Route matched with those values"),
    408: ("BAD_REQUEST", "Request timeout"),
    413: ("PAYLOAD_TOO_LARGE", "Request size limit exceeded"),
    414: ("BAD_REQUEST", "URI too long"),
    429: ("RATE_LIMITED", "API rate limit exceeded"),
    494: ("BAD_REQUEST", "Request header or cookie too large"),
    500: ("INTERNAL_ERROR", "An unexpected error occurred"),
    502: ("SERVICE_UNAVAILABLE", "An invalid response was received from the upstream server"),
    503: ("SERVICE_UNAVAILABLE", "The upstream server is currently unavailable"),
    504: ("SERVICE_UNAVAILABLE", "The upstream server is timing out"),
}

# Refusals of the request itself name no service: nginx may not even have read a path.
NO_SERVICE_DETAILS = {400, 404, 408, 414, 494}


def nginx_error_body(status: int) -> str:
    """The envelope as an nginx string, filled in by nginx with the request's variables."""
    code, message = GATEWAY_ERRORS[status]
    details = "null" if status in NO_SERVICE_DETAILS else '{"service":"$ispyb_service"}'
    # The request id is either validated ([A-Za-z0-9._:-]) or generated (hex): JSON-safe.
    return (
        f'\'{{"code":"{code}","message":"{message}","details":{details},'
        f'"requestId":"$ispyb_request_id"}}\''
    )
