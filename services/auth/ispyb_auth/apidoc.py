"""Helpers for the auth API modules: admin-only namespaces, auth's operations."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from flask import request
from flask_restx import Namespace

from ispyb_shared.auth import require_admin
from ispyb_shared.errors import InvalidParameter
from ispyb_shared.logging import is_credential_name
from ispyb_shared.operations import operation as shared_operation

AUTH_ERROR_TEXTS = {
    401: "No valid access token (UNAUTHORIZED), or wrong credentials",
    403: "The caller may not do this (FORBIDDEN)",
    429: "Too many failed logins for this login name from this source (LOGIN_LOCKED), or "
    "too many failures from this address (RATE_LIMITED); see Retry-After",
    503: "The directory, identity provider or database is unreachable",
}


def admin_only(view: Callable) -> Callable:
    """Namespace decorator: every operation needs the admin role."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        require_admin()
        return view(*args, **kwargs)

    return wrapper


def operation(ns: Namespace, *, errors: Iterable[int] = (), **options: Any) -> Callable:
    """:func:`ispyb_shared.operations.operation`, documenting auth's own error answers
    (401 for wrong credentials too, 429 with Retry-After, 503 for a directory or identity
    provider down) with what they mean here."""
    errors = tuple(errors)
    plain = [code for code in errors if code not in AUTH_ERROR_TEXTS]
    declare = shared_operation(ns, errors=plain, **options)

    def decorate(func: Callable) -> Callable:
        handler = declare(func)
        for code in errors:
            if code in AUTH_ERROR_TEXTS:
                handler = ns.response(code, AUTH_ERROR_TEXTS[code], ns.models["Error"])(handler)
        return handler

    return decorate


def refuse_query_credentials() -> None:
    """Credentials travel in the body only: URLs end up in logs and browser histories."""
    if not request.args:
        return
    credentials = [name for name in request.args if is_credential_name(name)]
    if credentials:
        raise InvalidParameter(
            "Credentials must not be sent in the URL (URLs are logged and cached): send "
            "them in the body. This endpoint takes no query parameters.",
            {name: ["A credential in the URL: not allowed."] for name in credentials},
        )
    raise InvalidParameter(
        "This endpoint takes no query parameters: send credentials in the body.",
        {name: ["Not allowed here."] for name in request.args},
    )
