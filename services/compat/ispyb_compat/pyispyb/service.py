"""Translating py-ispyb's requests and answers onto core's and auth's (plain functions)."""

from __future__ import annotations

from typing import Any

from ..upstreams import credentials, upstreams


def auth_config() -> dict[str, Any]:
    """auth's /config as py-ispyb's ``{plugins: [{name, config}]}``."""
    answer = upstreams().auth.request("GET", "/config", credentials())
    plugins = answer.body.get("plugins", []) if isinstance(answer.body, dict) else []
    return {
        "plugins": [
            {"name": plugin.get("name"), "config": {}} for plugin in plugins if plugin.get("name")
        ]
    }


def _tokens_answer(tokens: dict[str, Any]) -> dict[str, Any]:
    """auth's tokens as py-ispyb's answer: ``{login, token, permissions}`` plus what
    mxcubecore reads to refresh (``refreshToken``, ``expiresIn``)."""
    from ispyb_shared.core_client import Credentials

    token = tokens.get("access_token")
    me = (
        upstreams()
        .auth.request("GET", "/me", Credentials(f"Bearer {token}", credentials().request_id))
        .body
    )
    me = me if isinstance(me, dict) else {}
    return {
        "login": me.get("subject"),
        "token": token,
        "permissions": me.get("permissions", []),
        "refreshToken": tokens.get("refresh_token"),
        "expiresIn": tokens.get("expires_in"),
    }


def _auth_write(path: str, body: dict[str, Any], *, what: str) -> dict[str, Any]:
    answer = upstreams().auth.write(
        "POST", path, credentials(), body=body, what=what, forbidden=f"auth refused {what}."
    )
    if not isinstance(answer.body, dict) or "access_token" not in answer.body:
        from ispyb_shared.errors import CoreUnavailable

        raise CoreUnavailable(f"auth's answer to {what} cannot be read.", maybe_done=False)
    return answer.body


def login(*, body: dict[str, Any]) -> dict[str, Any]:
    """py-ispyb's login onto auth's: ``login`` is auth's ``username``."""
    sent = {"plugin": body["plugin"]}
    if "token" in body:
        sent["token"] = body["token"]
    else:
        sent.update(username=body["login"], password=body["password"])
    return _tokens_answer(_auth_write("/login", sent, what="the login"))


def refresh(*, body: dict[str, Any]) -> dict[str, Any]:
    """mxcubecore's ``{refreshToken}`` onto auth's /token/refresh."""
    tokens = _auth_write(
        "/token/refresh", {"refresh_token": body["refreshToken"]}, what="the refresh"
    )
    return _tokens_answer(tokens)
