"""Access-token verification, shared by every service.

The auth service issues short-lived access tokens: JWTs signed RS256, with a ``kid``
(key id) header naming the signing key. Every other service verifies them locally, with
no call to auth per request: the public keys come from auth's JWKS endpoint (fetched,
cached, re-fetched when a token names a key id not seen yet, e.g. after a key rotation)
or from a PEM file.

Claims (see docs/auth.md): ``iss``, ``aud``, ``iat``, ``nbf``, ``exp``, ``jti``, ``sub``
(a person's login or a machine client's id), ``kind`` (``user`` or ``client``), ``roles``,
``beamlines``, ``scope`` (space-separated), ``name``, and ``purpose`` on a token minted for
one purpose only (``compat-java``): such a token reads, and every service refuses a write
made with it (:func:`refuse_purpose_writes`, run by :func:`init_auth`).

Only RS256 is accepted, whatever the token's header says: ``alg: none`` and the
HS256-with-the-public-key confusion are refused before any key is used.

Revocation: auth publishes a **revocation list** (``/revocations``): subjects whose tokens
issued up to a moment are void (a disabled or deleted account, a disabled client) and
signing keys retired early. Every verifier polls it every ``revocation_poll_seconds``
(default 5), so such a token is refused by every service within seconds, whatever the
phase of its JWKS cache: the one rule for all services.

Logins (``sub``) are compared exactly, case included, on every backend
(:func:`login_matches`); auth puts the login in its stored case into the token.

One module per job: :mod:`.names` (kinds, roles, scopes), :mod:`.caller` (who is calling,
``current_caller``, ``require_admin``), :mod:`.settings` (the ``auth`` config section),
:mod:`.keys` (JWKS cache, PEM file), :mod:`.revocations` (the revocation list),
:mod:`.verifier` (:class:`TokenVerifier`), :mod:`.wiring` (:func:`init_auth`, the Flask
hooks). Import the names from here.
"""

from ..errors import Forbidden, Unauthorized
from .caller import Caller, current_caller, login_matches, permissions_of, require_admin
from .keys import ALGORITHM, JwksCache, JwksUnavailable, PublicKeyFile, jwk_thumbprint, parse_jwks
from .names import CLIENT, COMPAT_JAVA, PURPOSES, READ_METHODS, ROLES, SCOPES, USER
from .revocations import RevocationList, Revocations, revocation_key
from .settings import (
    JWKS_CACHE_SECONDS,
    JWKS_SUFFIX,
    LEEWAY_SECONDS,
    REVOCATION_POLL_SECONDS,
    REVOCATIONS_SUFFIX,
    AuthSettings,
)
from .verifier import MAX_TOKEN_LENGTH, REQUIRED_CLAIMS, TokenVerifier, caller_from_claims
from .wiring import bearer_token, init_auth, public, refuse_purpose_writes

__all__ = [
    "ALGORITHM",
    "CLIENT",
    "COMPAT_JAVA",
    "JWKS_CACHE_SECONDS",
    "JWKS_SUFFIX",
    "LEEWAY_SECONDS",
    "MAX_TOKEN_LENGTH",
    "PURPOSES",
    "READ_METHODS",
    "REQUIRED_CLAIMS",
    "REVOCATIONS_SUFFIX",
    "REVOCATION_POLL_SECONDS",
    "ROLES",
    "SCOPES",
    "USER",
    "AuthSettings",
    "Caller",
    "Forbidden",
    "JwksCache",
    "JwksUnavailable",
    "PublicKeyFile",
    "RevocationList",
    "Revocations",
    "TokenVerifier",
    "Unauthorized",
    "bearer_token",
    "caller_from_claims",
    "current_caller",
    "init_auth",
    "jwk_thumbprint",
    "login_matches",
    "parse_jwks",
    "permissions_of",
    "public",
    "refuse_purpose_writes",
    "require_admin",
    "revocation_key",
]
