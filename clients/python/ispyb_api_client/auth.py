"""Credentials and the access token made from them, renewed before it expires.

People log in (``POST /auth/login``) and get an access token plus a refresh token;
renewal uses the refresh token and, when auth refuses it (rotated away, its session
expired or revoked), logs in again. Machine clients ask ``POST /auth/token`` for a new
token each time (docs/auth.md).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import ApiError, AuthenticationError

if TYPE_CHECKING:
    from .client import Client

LOGIN = "/auth/login"
TOKEN = "/auth/token"
REFRESH = "/auth/token/refresh"
LOGOUT = "/auth/logout"


@dataclass(frozen=True)
class PasswordLogin:
    """A person: ``plugin`` is one of auth's login plugins (``local``, ``ldap``...)."""

    username: str
    password: str
    plugin: str = "local"

    def body(self) -> dict:
        return {"plugin": self.plugin, "username": self.username, "password": self.password}


@dataclass(frozen=True)
class ClientCredentials:
    """A machine client (pipeline, beamline control); ``scope``: a subset of its scopes,
    space-separated, or None for all of them."""

    client_id: str
    client_secret: str
    scope: str | None = None

    def body(self) -> dict:
        body = {"client_id": self.client_id, "client_secret": self.client_secret}
        if self.scope:
            body["scope"] = self.scope
        return body


@dataclass
class Token:
    access_token: str
    expires_at: float  # time.monotonic()
    lifetime: float
    refresh_token: str | None = None
    scope: str = ""


class TokenSource:
    """Keeps one access token and renews it ``renew_margin`` seconds before it expires
    (default: a fifth of its lifetime, at most 60 s), so that no request carries a token
    about to expire; ``invalidate`` after a 401 makes the next call renew."""

    def __init__(
        self,
        client: Client,
        credentials: PasswordLogin | ClientCredentials,
        renew_margin: float | None = None,
    ):
        self.client = client
        self.credentials = credentials
        self.renew_margin = renew_margin
        self.token: Token | None = None
        self.renewals = 0  # tokens obtained, first included
        self._lock = threading.Lock()

    def access_token(self) -> str:
        with self._lock:
            if self.token is None or self._expiring(self.token):
                self.token = self._renew(self.token)
                self.renewals += 1
            return self.token.access_token

    def invalidate(self, access_token: str) -> None:
        """The token was refused: forget it unless another thread renewed it already."""
        with self._lock:
            if self.token is not None and self.token.access_token == access_token:
                self.token.expires_at = 0

    def logout(self) -> None:
        with self._lock:
            if self.token is not None and self.token.refresh_token:
                self.client._call_auth(LOGOUT, {"refresh_token": self.token.refresh_token})
            self.token = None

    def _expiring(self, token: Token) -> bool:
        margin = self.renew_margin
        if margin is None:
            margin = min(60.0, token.lifetime / 5)
        return time.monotonic() >= token.expires_at - margin

    def _renew(self, previous: Token | None) -> Token:
        if isinstance(self.credentials, ClientCredentials):
            return self._token(self.client._call_auth(TOKEN, self.credentials.body()))
        if previous is not None and previous.refresh_token:
            try:
                body = self.client._call_auth(
                    REFRESH, {"refresh_token": previous.refresh_token}, retry=False
                )
                return self._token(body)
            except ApiError:
                pass  # refused or lost: a new login starts a new session
        return self._token(self.client._call_auth(LOGIN, self.credentials.body()))

    @staticmethod
    def _token(body: dict) -> Token:
        try:
            lifetime = float(body["expires_in"])
            return Token(
                access_token=body["access_token"],
                expires_at=time.monotonic() + lifetime,
                lifetime=lifetime,
                refresh_token=body.get("refresh_token"),
                scope=body.get("scope") or "",
            )
        except (KeyError, TypeError, ValueError):
            raise AuthenticationError(
                200, "BAD_TOKEN_ANSWER", "The auth service's answer has no token.", None, None
            ) from None
