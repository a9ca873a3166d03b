from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import jwt

from ispyb_shared.auth import JwksCache, Unauthorized

from ...identity import Identity, LoginFailed
from .base import LoginPlugin

log = logging.getLogger(__name__)


def claim_at(claims: Mapping[str, Any], path: str | None) -> Any:
    """The value at a dotted path (``realm_access.roles``), or None."""
    if not path:
        return None
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


class OidcPlugin(LoginPlugin):
    """Token exchange: a token from the site's identity provider (an ID token or an access
    token of Keycloak and the like), checked against the provider's JWKS, issuer and
    audience, becomes ISPyB tokens. Claims map to the login (``login_claim``), roles
    (``roles_claim`` through ``role_map``) and staff beamlines (``beamlines_claim``)."""

    type = "oidc"
    needs = "token"

    def __init__(self, name, settings):
        super().__init__(name, settings)
        self.algorithms = list(settings["algorithms"])
        self.jwks = JwksCache(
            settings["jwks_url"],
            algorithms=self.algorithms,
            cache_seconds=settings["jwks_cache_seconds"],
            http_timeout=settings["http_timeout_seconds"],
            source="the identity provider",
        )

    def public_description(self):
        settings = self.settings
        issuer = settings["issuer"].rstrip("/")
        return {
            **super().public_description(),
            "oidc": {
                "issuer": settings["issuer"],
                "clientId": settings["client_id"] or settings["audience"],
                "authorizationEndpoint": settings["authorization_endpoint"],
                "discoveryUrl": f"{issuer}/.well-known/openid-configuration",
                "scope": settings["scope"],
            },
        }

    @property
    def lockout(self):
        return None  # a signed token cannot be guessed

    def authenticate(self, *, db_session, username, password, token) -> Identity:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise LoginFailed("The identity provider's token is malformed.") from None
        if header.get("alg") not in self.algorithms or not isinstance(header.get("kid"), str):
            raise LoginFailed("The identity provider's token has a wrong algorithm or no kid.")
        try:
            key = self.jwks.key(header["kid"])
        except Unauthorized:
            raise LoginFailed(
                "The identity provider's token is signed with an unknown key."
            ) from None
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=self.algorithms,
                audience=self.settings["audience"],
                issuer=self.settings["issuer"],
                leeway=self.settings["leeway_seconds"],
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise LoginFailed("The identity provider's token has expired.") from None
        except jwt.PyJWTError as exc:
            log.info("OIDC plugin %s refused a token: %s", self.name, exc.__class__.__name__)
            raise LoginFailed("The identity provider's token is not valid here.") from None
        login = claim_at(claims, self.settings["login_claim"])
        if not isinstance(login, str) or not login or len(login) > 255:
            raise LoginFailed(
                f"The identity provider's token has no usable {self.settings['login_claim']!r}."
            )
        role_map = self.settings["role_map"]
        roles = {
            role_map[role]
            for role in _strings(claim_at(claims, self.settings["roles_claim"]))
            if role in role_map
        }
        beamlines = _strings(claim_at(claims, self.settings["beamlines_claim"]))
        name = claim_at(claims, self.settings["name_claim"])
        return Identity(
            login=login,
            roles=tuple(sorted(roles)),
            beamlines=tuple(sorted(set(beamlines))),
            name=name if isinstance(name, str) else None,
        )
