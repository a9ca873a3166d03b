"""The token verifier: an access token in, a :class:`Caller` out, or Unauthorized."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import jwt

from ..errors import Unauthorized
from .caller import Caller
from .keys import ALGORITHM, JwksCache, PublicKeyFile
from .names import CLIENT, PURPOSES, USER
from .revocations import RevocationList
from .settings import JWKS_CACHE_SECONDS, LEEWAY_SECONDS, REVOCATION_POLL_SECONDS

REQUIRED_CLAIMS = ("iss", "aud", "exp", "sub", "kind")
# A JWT this long is not one of ours; refusing early bounds the work an attacker can cause.
MAX_TOKEN_LENGTH = 16 * 1024


class TokenVerifier:
    """Verifies access tokens and turns them into a :class:`Caller`.

    Keys come from exactly one of: ``jwks_url`` (fetched and cached), ``public_key_file``
    (PEM), ``key_provider`` (a callable kid -> public key or None; the auth service's own).
    ``revocations`` (auth's revocation list) refuses revoked subjects and retired keys.
    """

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        jwks_url: str | None = None,
        public_key_file: str | None = None,
        key_provider: Callable[[str], Any] | None = None,
        cache_seconds: float = JWKS_CACHE_SECONDS,
        leeway_seconds: float = LEEWAY_SECONDS,
        http_timeout: float = 5,
        min_refresh_seconds: float = 5,
        clock: Callable[[], float] = time.monotonic,
        revocations: RevocationList | None = None,
    ):
        sources = [s for s in (jwks_url, public_key_file, key_provider) if s is not None]
        if len(sources) != 1:
            raise ValueError("give exactly one of jwks_url, public_key_file, key_provider")
        self.issuer = issuer
        self.audience = audience
        self.leeway_seconds = leeway_seconds
        self.jwks = (
            JwksCache(
                jwks_url,
                cache_seconds=cache_seconds,
                min_refresh_seconds=min_refresh_seconds,
                http_timeout=http_timeout,
                clock=clock,
            )
            if jwks_url
            else None
        )
        self.key_file = PublicKeyFile(public_key_file) if public_key_file else None
        self.key_provider = key_provider
        self.revocations = revocations

    @classmethod
    def from_settings(
        cls,
        settings: Mapping[str, Any],
        *,
        key_provider: Callable[[str], Any] | None = None,
        revocations: RevocationList | None = None,
    ) -> TokenVerifier:
        """The verifier for a loaded ``auth`` config section (:class:`AuthSettings`): the one
        place the cache rules (JWKS, revocation list) are turned into a verifier."""
        if revocations is None and settings.get("revocations_url"):
            revocations = RevocationList.from_url(
                settings["revocations_url"],
                poll_seconds=settings.get("revocation_poll_seconds", REVOCATION_POLL_SECONDS),
            )
        return cls(
            issuer=settings["issuer"],
            audience=settings["audience"],
            jwks_url=None if key_provider else settings.get("jwks_url"),
            public_key_file=None if key_provider else settings.get("public_key_file"),
            key_provider=key_provider,
            cache_seconds=settings.get("jwks_cache_seconds", JWKS_CACHE_SECONDS),
            leeway_seconds=settings.get("leeway_seconds", LEEWAY_SECONDS),
            revocations=revocations,
        )

    def verify(self, token: str) -> Caller:
        """The caller of a valid token; Unauthorized (or ServiceUnavailable) otherwise."""
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
            raise Unauthorized("The access token is malformed.")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthorized("The access token is malformed.") from None
        if header.get("alg") != ALGORITHM:
            raise Unauthorized(f"The access token's algorithm is not allowed (only {ALGORITHM}).")
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise Unauthorized("The access token is malformed.")
        claims = self._decode(token, kid)
        caller = caller_from_claims(claims)
        if self.revocations is not None:
            refusal = self.revocations.current().refusal(claims, kid)
            if refusal:
                raise Unauthorized(refusal)
        return caller

    def _candidate_keys(self, kid: str | None) -> list[Any]:
        if self.jwks is not None:
            if kid is None:
                raise Unauthorized("The access token has no key id (kid).")
            return [self.jwks.key(kid).key]
        if self.key_provider is not None:
            if kid is None:
                raise Unauthorized("The access token has no key id (kid).")
            key = self.key_provider(kid)
            if key is None:
                raise Unauthorized("The access token is signed with an unknown key.")
            return [key]
        keys = self.key_file.keys()  # type: ignore[union-attr]
        if kid in keys:
            return [keys[kid]]
        return list(keys.values())

    def _decode(self, token: str, kid: str | None) -> dict[str, Any]:
        candidates = self._candidate_keys(kid)
        for index, key in enumerate(candidates):
            try:
                return jwt.decode(
                    token,
                    key,
                    algorithms=[ALGORITHM],
                    audience=self.audience,
                    issuer=self.issuer,
                    leeway=self.leeway_seconds,
                    options={"require": list(REQUIRED_CLAIMS)},
                )
            except jwt.InvalidSignatureError:
                if index == len(candidates) - 1:
                    raise Unauthorized("The access token's signature is invalid.") from None
            except jwt.PyJWTError as exc:
                raise Unauthorized(_reason(exc)) from None
        raise Unauthorized("The access token's signature is invalid.")


def _reason(exc: jwt.PyJWTError) -> str:
    if isinstance(exc, jwt.ExpiredSignatureError):
        return "The access token has expired."
    if isinstance(exc, jwt.ImmatureSignatureError):
        return "The access token is not valid yet."
    if isinstance(exc, jwt.InvalidAudienceError):
        return "The access token is for another audience."
    if isinstance(exc, jwt.InvalidIssuerError):
        return "The access token is from another issuer."
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"The access token lacks the {exc.claim!r} claim."
    if isinstance(exc, jwt.InvalidAlgorithmError):
        return f"The access token's algorithm is not allowed (only {ALGORITHM})."
    return "The access token is malformed."


def _string_list(claims: Mapping[str, Any], name: str) -> frozenset[str]:
    value = claims.get(name, [])
    if value is None:
        return frozenset()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise Unauthorized(f"The access token's {name!r} claim is malformed.")
    return frozenset(value)


def caller_from_claims(claims: Mapping[str, Any]) -> Caller:
    """The caller described by verified claims; malformed claims are refused."""
    subject, kind = claims.get("sub"), claims.get("kind")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise Unauthorized("The access token's 'sub' claim is malformed.")
    if kind not in (USER, CLIENT):
        raise Unauthorized("The access token's 'kind' claim is malformed.")
    scope = claims.get("scope", "")
    if scope is None:
        scope = ""
    if not isinstance(scope, str):
        raise Unauthorized("The access token's 'scope' claim is malformed.")
    purpose = claims.get("purpose")
    if purpose is not None and purpose not in PURPOSES:
        raise Unauthorized("The access token's 'purpose' claim is not one this API knows.")
    name = claims.get("name")
    token_id = claims.get("jti", "")
    if (name is not None and not isinstance(name, str)) or not isinstance(token_id, str):
        raise Unauthorized("The access token is malformed.")
    return Caller(
        subject=subject,
        kind=kind,
        roles=_string_list(claims, "roles"),
        beamlines=_string_list(claims, "beamlines"),
        scopes=frozenset(scope.split()),
        token_id=token_id,
        name=name,
        purpose=purpose,
    )
