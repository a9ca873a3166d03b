"""Wiring the verifier into a Flask app: every request but the public ones needs a token."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from flask import Flask, g, request

from ..errors import Forbidden, Unauthorized, error_response
from .caller import Caller
from .names import READ_METHODS
from .verifier import TokenVerifier

_BEARER = re.compile(r"^Bearer +([A-Za-z0-9\-._~+/]+=*) *$", re.IGNORECASE)
_ALWAYS_PUBLIC_SUFFIXES = ("health_health", "health_ready")
_DOC_ENDPOINTS = ("doc", "specs", "root")


def bearer_token(header_value: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header value."""
    if not header_value:
        raise Unauthorized("An access token is required: send Authorization: Bearer <token>.")
    match = _BEARER.match(header_value)
    if match is None:
        raise Unauthorized("The Authorization header must be: Bearer <token>.")
    return match.group(1)


def public(func: Callable) -> Callable:
    """Mark a view (or a Resource method) as callable without a token."""
    func._ispyb_public = True  # type: ignore[attr-defined]
    return func


def _handler_flag(app: Flask, endpoint: str | None, flag: str) -> bool:
    """Whether the view of ``endpoint`` (or its Resource method) is marked with ``flag``."""
    view = app.view_functions.get(endpoint) if endpoint else None
    if view is None:
        return False
    if getattr(view, flag, False):
        return True
    view_class = getattr(view, "view_class", None)
    if view_class is None:
        return False
    method = request.method.lower()
    handler = getattr(view_class, method, None)
    if handler is None and method == "head":
        handler = getattr(view_class, "get", None)
    return bool(getattr(handler, flag, False))


def _is_public(app: Flask, endpoint: str | None, public_endpoints: frozenset[str]) -> bool:
    if endpoint is None:
        return True  # no route matched: the 404/405 answer reveals nothing protected
    if endpoint in public_endpoints or endpoint.endswith(_ALWAYS_PUBLIC_SUFFIXES):
        return True
    if endpoint == "restx_doc.static" or (
        "." in endpoint and endpoint.rsplit(".", 1)[1] in _DOC_ENDPOINTS
    ):
        return True
    return _handler_flag(app, endpoint, "_ispyb_public")


def refuse_purpose_writes(caller: Caller | None, method: str) -> None:
    """The one check, in every service: a token minted for a purpose (``purpose`` claim,
    e.g. the Java dialect's token in a URL path) only reads; a write with it is refused."""
    if caller is not None and caller.purpose and method.upper() not in READ_METHODS:
        raise Forbidden(
            f"This token was minted for {caller.purpose!r} only: it reads, it cannot write."
        )


def init_auth(
    app: Flask, verifier: TokenVerifier, *, public_endpoints: Iterable[str] = frozenset()
) -> None:
    """Require a valid bearer token on every request but the public ones; sets g.caller.

    Routes marked :func:`ispyb_shared.files.signed_access` also accept a signed URL.
    Public: OPTIONS requests, /health and /ready, the API docs (Swagger UI, swagger.json
    and their static files), views marked :func:`public`, and ``public_endpoints``.
    """
    public_set = frozenset(public_endpoints)
    app.extensions["ispyb_token_verifier"] = verifier

    @app.before_request
    def _authenticate() -> None:
        g.caller = None
        if request.method == "OPTIONS" or _is_public(app, request.endpoint, public_set):
            return
        if "signature" in request.args and _handler_flag(app, request.endpoint, "_ispyb_signed"):
            # A file route reached through a signed URL (ispyb_shared.files): the
            # signature stands for the token, on that route only.
            from ..files import verify_signed_request

            g.caller = verify_signed_request()
            return
        g.caller = verifier.verify(bearer_token(request.headers.get("Authorization")))
        refuse_purpose_writes(g.caller, request.method)

    @app.errorhandler(Unauthorized)
    def _unauthorized(exc: Unauthorized):
        response = error_response(exc.status, exc.code, exc.message, exc.details)
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
