"""Errors of the ISPyB API as exceptions: the envelope's fields, and the request id."""

from __future__ import annotations

from typing import Any


class IspybError(Exception):
    """Anything the client could not do."""


class ApiError(IspybError):
    """An error answer of a service or the gateway, from the one error envelope
    ``{"code", "message", "details", "requestId"}`` (docs/errors.md).

    ``details`` maps each offending field (or query parameter) to its messages, as the
    service sent it (some nest by sub-document); ``messages`` is the same flattened to one
    path per field (``statistics.overall.completeness``, ``integrations[0].dataCollection``)
    and ``fields`` lists those paths. ``request_id`` joins the error to the services' logs.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, list[str]] | None,
        request_id: str | None,
        *,
        method: str = "",
        url: str = "",
        retry_after: float | None = None,
    ):
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}
        self.request_id = request_id
        self.method = method
        self.url = url
        self.retry_after = retry_after
        super().__init__(str(self))

    @property
    def messages(self) -> dict[str, list[str]]:
        return dict(_flatten(self.details, ""))

    @property
    def fields(self) -> list[str]:
        return list(self.messages)

    def __str__(self) -> str:
        text = f"{self.status} {self.code}: {self.message}"
        for name, messages in self.messages.items():
            text += f"\n  {name}: {' '.join(messages)}"
        if self.request_id:
            text += f"\n  (request id {self.request_id})"
        return text

    @classmethod
    def from_response(cls, response, retry_after: float | None = None) -> ApiError:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or "code" not in body:
            # Not the envelope (a proxy in front of the gateway): keep what there is.
            body = {
                "code": "HTTP_ERROR",
                "message": (response.text or response.reason or "")[:500],
                "details": None,
            }
        return cls(
            response.status_code,
            str(body.get("code")),
            str(body.get("message")),
            body.get("details") if isinstance(body.get("details"), dict) else None,
            body.get("requestId") or response.headers.get("X-Request-ID"),
            method=response.request.method if response.request is not None else "",
            url=response.url,
            retry_after=retry_after,
        )


class AuthenticationError(ApiError):
    """The credentials were refused (login, token or refresh)."""


def _flatten(details: Any, prefix: str):
    """(path, messages) pairs of a details mapping nested by sub-document or index."""
    if isinstance(details, dict):
        for key, value in details.items():
            key = str(key)
            path = f"{prefix}.{key}" if prefix else key
            if key.isdigit():
                path = f"{prefix}[{key}]"
            yield from _flatten(value, path)
    elif isinstance(details, list) and details and all(isinstance(d, str) for d in details):
        yield prefix or "_body", list(details)
    elif isinstance(details, list):
        for value in details:
            yield from _flatten(value, prefix)
    else:
        yield prefix or "_body", [str(details)]
