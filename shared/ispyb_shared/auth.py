"""Access-token verification, shared by every service.

The auth service issues short-lived access tokens: JWTs signed RS256, with a ``kid``
(key id) header naming the signing key. Every other service verifies them locally, with
no call to auth per request: the public keys come from auth's JWKS endpoint (fetched,
cached, re-fetched when a token names a key id not seen yet, e.g. after a key rotation)
or from a PEM file.

Claims (see docs/auth.md): ``iss``, ``aud``, ``iat``, ``nbf``, ``exp``, ``jti``, ``sub``
(a person's login or a machine client's id), ``kind`` (``user`` or ``client``), ``roles``,
``beamlines``, ``scope`` (space-separated), ``name``.

Only RS256 is accepted, whatever the token's header says: ``alg: none`` and the
HS256-with-the-public-key confusion are refused before any key is used.

Revocation: auth publishes a **revocation list** (``/revocations``): subjects whose tokens
issued up to a moment are void (a disabled or deleted account, a disabled client) and
signing keys retired early. Every verifier polls it every ``revocation_poll_seconds``
(default 5), so such a token is refused by every service within seconds, whatever the
phase of its JWKS cache: the one rule for all services.

Logins (``sub``) are compared exactly, case included, on every backend
(:func:`login_matches`); auth puts the login in its stored case into the token.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from flask import Flask, g, request
from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)
from sqlalchemy import ColumnElement, LargeBinary, and_, cast, literal

from .config import ConfigError
from .errors import ApiError, ServiceUnavailable, error_response
from .metrics import timed_outbound

log = logging.getLogger(__name__)

ALGORITHM = "RS256"
USER = "user"
CLIENT = "client"
REQUIRED_CLAIMS = ("iss", "aud", "exp", "sub", "kind")
JWKS_SUFFIX = "/.well-known/jwks.json"
REVOCATIONS_SUFFIX = "/revocations"
# The cache rules of every service (defaults of the `auth` config section).
JWKS_CACHE_SECONDS = 300
LEEWAY_SECONDS = 30
REVOCATION_POLL_SECONDS = 5
# A JWT this long is not one of ours; refusing early bounds the work an attacker can cause.
MAX_TOKEN_LENGTH = 16 * 1024

# Role names carried in a user's ``roles`` claim (docs/auth.md has the table of what each
# allows where).
ROLES = {
    "admin": "Manages accounts, roles, machine clients and signing keys in auth, and sees "
    "and changes everything in every service.",
    "staff": "Facility staff: sees and changes everything in core, ssx and em, or only what "
    "belongs to sessions on the beamlines of the token's `beamlines` claim when it is "
    "not empty.",
}

# Scopes a machine client may be given (``<service>:<resource-or-action>:<read|write>``).
# The auth service refuses any other scope unless its config lists it in `extra_scopes`.
SCOPES = {
    "core:read": "Read proposals, sessions, people, laboratories and lab contacts.",
    "core:sync:write": "User-office synchronisation: create and update proposals, sessions, "
    "people, laboratories and lab contacts.",
    "core:acquisition:write": "Register data collection groups and data collections "
    "(beamline control; the SSX and EM services on behalf of their callers).",
    "core:processing:read": "Read processing results.",
    "core:processing:write": "Write processing results (auto-processing pipelines).",
    "ssx:read": "Read serial crystallography data.",
    "ssx:write": "Write serial crystallography data (beamline control, pipelines).",
    "em:read": "Read cryo-EM data.",
    "em:write": "Write cryo-EM data (microscope control, pipelines).",
}


# --- errors --------------------------------------------------------------------------------


class Unauthorized(ApiError):
    """No valid credentials: the answer carries ``WWW-Authenticate: Bearer``."""

    status = 401
    code = "UNAUTHORIZED"


class Forbidden(ApiError):
    status = 403
    code = "FORBIDDEN"


# --- who is calling --------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """The verified identity behind a request's access token."""

    subject: str
    kind: str
    roles: frozenset[str]
    beamlines: frozenset[str]
    scopes: frozenset[str]
    token_id: str
    name: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.kind == USER and "admin" in self.roles

    @property
    def is_staff(self) -> bool:
        """Facility staff or admin."""
        return self.kind == USER and ("staff" in self.roles or "admin" in self.roles)

    def has_scope(self, scope: str) -> bool:
        """Exact match: a scope is granted to machine clients only, never implied."""
        return scope in self.scopes


def permissions_of(caller: Caller) -> list[str]:
    """The permission names a caller holds (what ``GET /auth/me`` lists).

    ``auth:manage``: manage accounts, clients, keys and refresh tokens (admin);
    ``data:read:all`` / ``data:write:all``: every proposal and session (admin, staff without
    beamlines); ``data:read:beamline:<bl>`` / ``data:write:beamline:<bl>``: sessions on that
    beamline (staff with beamlines); ``data:read:own`` / ``data:write:own``: the proposals
    and sessions the person belongs to (every user); a machine client holds its scopes.
    """
    if caller.kind == CLIENT:
        return sorted(caller.scopes)
    granted = ["data:read:own", "data:write:own"]
    if caller.is_admin:
        granted = ["auth:manage", "data:read:all", "data:write:all", *granted]
    elif caller.is_staff and not caller.beamlines:
        granted = ["data:read:all", "data:write:all", *granted]
    elif caller.is_staff:
        for beamline in sorted(caller.beamlines):
            granted += [f"data:read:beamline:{beamline}", f"data:write:beamline:{beamline}"]
    return granted


def login_matches(column: Any, login: str) -> ColumnElement[bool]:
    """``column`` holds exactly ``login``, case included, on SQLite and MariaDB alike.

    The one rule for logins: auth matches what a person types ignoring case and puts the
    login *in its stored case* into the token's ``sub``; every service then compares
    ``sub`` exactly. (MariaDB's default collations ignore case, and accents, and SQLite's
    does not: comparing the bytes makes both backends agree; the plain equality first
    lets the database use the column's index.)
    """
    return and_(column == login, cast(column, LargeBinary) == cast(literal(login), LargeBinary))


def revocation_key(kind: str, subject: str) -> str:
    """How the revocation list names a subject: a SHA-256, so it does not list logins."""
    return hashlib.sha256(f"{kind}:{subject}".encode()).hexdigest()


# --- configuration ---------------------------------------------------------------------------


class AuthSettings(Schema):
    """The ``auth`` config section of a service that verifies tokens issued by auth.

    Exactly one of ``jwks_url`` (auth's ``/.well-known/jwks.json``) and ``public_key_file``
    must be set. The auth service itself verifies with its own keys: it uses
    :class:`SelfVerifyingAuthSettings`, where both may be left out.
    """

    class Meta:
        unknown = RAISE

    key_source_required = True

    issuer = fields.String(
        load_default="ispyb", metadata={"description": "Expected `iss` claim of tokens."}
    )
    audience = fields.String(
        load_default="ispyb", metadata={"description": "Expected `aud` claim of tokens."}
    )
    jwks_url = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.URL(schemes={"http", "https"}, require_tld=False),
        metadata={
            "description": "URL of auth's JWKS, e.g. http://auth:8004/ispyb/api/v1/auth"
            "/.well-known/jwks.json"
        },
    )
    public_key_file = fields.String(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "PEM file with one or more public keys (instead of jwks_url); "
            "re-read when it changes."
        },
    )
    jwks_cache_seconds = fields.Integer(
        load_default=JWKS_CACHE_SECONDS,
        validate=validate.Range(min=0, max=86400),
        metadata={
            "description": "How long fetched keys are used before the JWKS is fetched again."
        },
    )
    leeway_seconds = fields.Integer(
        load_default=LEEWAY_SECONDS,
        validate=validate.Range(min=0, max=300),
        metadata={"description": "Clock skew tolerated on exp/nbf/iat."},
    )
    revocations_url = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.URL(schemes={"http", "https"}, require_tld=False),
        metadata={
            "description": "URL of auth's revocation list; default: next to jwks_url "
            "(.../auth/revocations). None with public_key_file: no revocation."
        },
    )
    revocation_poll_seconds = fields.Integer(
        load_default=REVOCATION_POLL_SECONDS,
        validate=validate.Range(min=1, max=300),
        metadata={
            "description": "How often the revocation list is fetched again: a disabled "
            "account's or a retired key's tokens are refused at most this much later."
        },
    )

    @post_load
    def _revocations_next_to_the_jwks(self, data: dict[str, Any], **_kwargs) -> dict[str, Any]:
        jwks_url = data.get("jwks_url")
        if not data.get("revocations_url") and jwks_url and jwks_url.endswith(JWKS_SUFFIX):
            data["revocations_url"] = jwks_url[: -len(JWKS_SUFFIX)] + REVOCATIONS_SUFFIX
        return data

    @validates_schema
    def _one_key_source(self, data: Mapping[str, Any], **_kwargs) -> None:
        given = [key for key in ("jwks_url", "public_key_file") if data.get(key)]
        if len(given) > 1:
            raise ValidationError("Set only one of jwks_url and public_key_file.", "jwks_url")
        if not given and self.key_source_required:
            raise ValidationError(
                "Set jwks_url (auth's /.well-known/jwks.json) or public_key_file.", "jwks_url"
            )


class SelfVerifyingAuthSettings(AuthSettings):
    """The auth service's own ``auth`` section: it verifies with the keys in its database."""

    key_source_required = False


# --- key sources -----------------------------------------------------------------------------


class JwksUnavailable(Exception):
    """The JWKS could not be fetched or parsed."""


class JwksCache:
    """Public keys from a JWKS URL, cached, refreshed on an unknown key id.

    Thread-safe. A key id not in the cache causes at most one fetch per
    ``min_refresh_seconds`` (random key ids cannot trigger a fetch storm); when the JWKS
    cannot be fetched, cached keys keep verifying and an uncached key id is a 503.
    """

    def __init__(
        self,
        url: str,
        *,
        algorithms: Iterable[str] = (ALGORITHM,),
        cache_seconds: float = JWKS_CACHE_SECONDS,
        min_refresh_seconds: float = 5,
        http_timeout: float = 5,
        clock: Callable[[], float] = time.monotonic,
        source: str = "the auth service",
    ):
        self.url = url
        self.source = source
        self.algorithms = frozenset(algorithms)
        self.cache_seconds = cache_seconds
        self.min_refresh_seconds = min_refresh_seconds
        self.http_timeout = http_timeout
        self.clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, jwt.PyJWK] | None = None
        self._fetched_at = 0.0
        self._last_attempt: float | None = None
        self.fetch_count = 0

    def key(self, kid: str) -> jwt.PyJWK:
        """The key ``kid``; raises Unauthorized (unknown) or ServiceUnavailable (no JWKS)."""
        keys = self._keys
        if keys is not None and kid in keys and not self._expired():
            return keys[kid]
        with self._lock:
            keys = self._keys
            if keys is not None and kid in keys and not self._expired():
                return keys[kid]  # another thread refreshed while we waited
            if self._may_fetch(known=keys is not None and kid in keys):
                try:
                    keys = self._fetch()
                except JwksUnavailable as exc:
                    if keys is not None and kid in keys:
                        log.warning("JWKS refresh failed, using cached keys: %s", exc)
                        return keys[kid]
                    log.error("JWKS unavailable: %s", exc)
                    raise ServiceUnavailable(
                        f"The token signing keys cannot be fetched from {self.source}."
                    ) from None
            elif keys is None:
                raise ServiceUnavailable(
                    f"The token signing keys cannot be fetched from {self.source}."
                )
        if kid in keys:
            return keys[kid]
        raise Unauthorized("The access token is signed with an unknown key.")

    def _expired(self) -> bool:
        return self.clock() - self._fetched_at >= self.cache_seconds

    def readiness(self) -> tuple[bool, str]:
        """Can tokens be verified now? Fetches the JWKS if none is held (at most once per
        ``min_refresh_seconds``, like a verification would); cached keys count as ready."""
        with self._lock:
            if self._keys is None and self._may_fetch(known=False):
                try:
                    self._fetch()
                except JwksUnavailable as exc:
                    return False, str(exc)
            if self._keys is None:
                return False, f"no signing keys fetched from {self.source} yet"
            age = round(self.clock() - self._fetched_at)
            return True, f"{len(self._keys)} key(s), fetched {age} s ago"

    def _may_fetch(self, *, known: bool) -> bool:
        if self._last_attempt is None:
            return True
        since_attempt = self.clock() - self._last_attempt
        if known:
            # Cached but stale: refresh, unless a fetch was just tried (and failed).
            return since_attempt >= min(self.min_refresh_seconds, self.cache_seconds)
        return since_attempt >= self.min_refresh_seconds

    def _fetch(self) -> dict[str, jwt.PyJWK]:
        self._last_attempt = self.clock()
        self.fetch_count += 1
        try:
            response = timed_outbound(
                "auth",
                requests.get,
                self.url,
                timeout=self.http_timeout,
                headers={"Accept": "application/json"},
            )
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise JwksUnavailable(f"{self.url}: {exc.__class__.__name__}: {exc}") from None
        keys = parse_jwks(document, self.algorithms)
        if keys is None:
            raise JwksUnavailable(f"{self.url}: not a JWKS document")
        self._keys = keys
        self._fetched_at = self.clock()
        return keys


def parse_jwks(
    document: Any, algorithms: Iterable[str] = (ALGORITHM,)
) -> dict[str, jwt.PyJWK] | None:
    """Signature keys of a JWKS document by kid (None if it is not a JWKS at all).

    Keys for other uses or algorithms, without a kid, or unparsable are skipped.
    """
    if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
        return None
    allowed = frozenset(algorithms)
    keys: dict[str, jwt.PyJWK] = {}
    for entry in document["keys"]:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("kid"), str):
            continue
        if entry.get("use", "sig") != "sig" or entry.get("kty") not in {"RSA", "EC", "OKP"}:
            continue
        try:
            key = jwt.PyJWK(dict(entry))
        except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError):
            log.warning("skipping an unusable key in the JWKS: kid=%s", entry.get("kid"))
            continue
        if key.algorithm_name in allowed:
            keys[entry["kid"]] = key
    return keys


def jwk_thumbprint(public_key: RSAPublicKey) -> str:
    """RFC 7638 thumbprint of an RSA public key: the key id the auth service uses."""
    jwk = public_jwk(public_key, kid=None)
    canonical = json.dumps(
        {"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"), sort_keys=True
    )
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def public_jwk(public_key: RSAPublicKey, *, kid: str | None) -> dict[str, Any]:
    """The JWK (RFC 7517) of an RSA public key, as published in a JWKS."""
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public_key))
    result = {"kty": "RSA", "use": "sig", "alg": ALGORITHM, "n": jwk["n"], "e": jwk["e"]}
    if kid is not None:
        result["kid"] = kid
    return result


_PEM_PUBLIC_KEY = re.compile(rb"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.DOTALL)


class PublicKeyFile:
    """RSA public keys from a PEM file, by thumbprint; re-read when the file changes."""

    def __init__(self, path: str):
        self.path = path
        self._lock = threading.Lock()
        # A bad file stops the service at start-up, not at the first request.
        self._keys: dict[str, RSAPublicKey] = self._load()
        self._stamp = self._file_stamp()

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            stat = os.stat(self.path)
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    def keys(self) -> dict[str, RSAPublicKey]:
        stamp = self._file_stamp()
        if stamp is None or stamp == self._stamp:
            return self._keys
        with self._lock:
            if stamp != self._stamp:
                try:
                    self._keys = self._load()
                except ConfigError as exc:
                    # A half-written or broken file must not lock everyone out: keep the
                    # keys that verified until now.
                    log.error("keeping the previous public keys: %s", exc)
                self._stamp = stamp
        return self._keys

    def _load(self) -> dict[str, RSAPublicKey]:
        try:
            with open(self.path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise ConfigError(
                f"auth.public_key_file: cannot read {self.path}: {exc.strerror}"
            ) from None
        keys: dict[str, RSAPublicKey] = {}
        for block in _PEM_PUBLIC_KEY.findall(data):
            try:
                key = load_pem_public_key(block)
            except ValueError:
                continue
            if isinstance(key, RSAPublicKey):
                keys[jwk_thumbprint(key)] = key
        if not keys:
            raise ConfigError(
                f"auth.public_key_file: {self.path} holds no RSA public key in PEM format"
            )
        return keys


# --- revocation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Revocations:
    """One version of auth's revocation list."""

    subjects: Mapping[str, int]  # revocation_key(kind, sub) -> tokens issued up to then
    retired_keys: frozenset[str]

    @classmethod
    def parse(cls, document: Any) -> Revocations:
        if not isinstance(document, Mapping):
            raise ValueError("not a revocation list")
        subjects, retired = document.get("subjects"), document.get("retiredKeys")
        if not isinstance(subjects, Mapping) or not isinstance(retired, list):
            raise ValueError("not a revocation list")
        parsed = {}
        for key, not_before in subjects.items():
            if not isinstance(key, str) or isinstance(not_before, bool):
                raise ValueError("not a revocation list")
            if not isinstance(not_before, int):
                raise ValueError("not a revocation list")
            parsed[key] = not_before
        if not all(isinstance(kid, str) for kid in retired):
            raise ValueError("not a revocation list")
        return cls(subjects=parsed, retired_keys=frozenset(retired))

    def refusal(self, claims: Mapping[str, Any], kid: str | None) -> str | None:
        """Why the token is revoked, or None."""
        if kid is not None and kid in self.retired_keys:
            return "The access token is signed with a retired key."
        not_before = self.subjects.get(revocation_key(str(claims["kind"]), str(claims["sub"])))
        if not_before is None:
            return None
        issued = claims.get("iat")
        if not isinstance(issued, int | float) or isinstance(issued, bool) or issued <= not_before:
            return "The access token has been revoked."
        return None


class RevocationList:
    """Auth's revocation list, fetched again every ``poll_seconds`` (thread-safe).

    While a fetch runs, other threads use the list they have. When a fetch fails, the last
    list keeps being used (logged); before any list was ever fetched, tokens get a 503, as
    they do when no signing key can be fetched.
    """

    def __init__(
        self,
        fetch: Callable[[], Any],
        *,
        poll_seconds: float = 5,
        clock: Callable[[], float] = time.monotonic,
        retry_seconds: float = 1,
        source: str = "the auth service",
    ):
        self._fetch = fetch
        self.poll_seconds = poll_seconds
        self.retry_seconds = retry_seconds
        self.clock = clock
        self.source = source
        self._lock = threading.Lock()
        self._current: Revocations | None = None
        self._fetched_at = 0.0
        self._last_attempt: float | None = None
        self.fetch_count = 0

    @classmethod
    def from_url(cls, url: str, *, http_timeout: float = 5, **kwargs: Any) -> RevocationList:
        def fetch() -> Any:
            response = timed_outbound(
                "auth",
                requests.get,
                url,
                timeout=http_timeout,
                headers={"Accept": "application/json"},
            )
            if response.status_code == 404:
                # An auth service older than revocation lists: it has nothing to revoke.
                # (Refusing every token instead would stop a service upgraded first.)
                log.warning("no token revocation list at %s (404): none is applied", url)
                return {"subjects": {}, "retiredKeys": []}
            response.raise_for_status()
            return response.json()

        return cls(fetch, **kwargs)

    def _fresh(self) -> bool:
        return self._current is not None and (self.clock() - self._fetched_at < self.poll_seconds)

    def current(self) -> Revocations:
        if self._fresh():
            return self._current  # type: ignore[return-value]
        if not self._lock.acquire(blocking=self._current is None):
            return self._current  # type: ignore[return-value]  # another thread fetches
        try:
            if self._fresh():
                return self._current  # type: ignore[return-value]
            recently = (
                self._last_attempt is not None
                and self.clock() - self._last_attempt < self.retry_seconds
            )
            if not recently:
                self._refresh()
            if self._current is None:
                raise ServiceUnavailable(
                    f"The token revocation list cannot be fetched from {self.source}."
                )
            return self._current
        finally:
            self._lock.release()

    def _refresh(self) -> None:
        self._last_attempt = self.clock()
        self.fetch_count += 1
        try:
            revocations = Revocations.parse(self._fetch())
        except ApiError:
            raise
        except Exception as exc:  # any failure of the fetch: keep what we have
            text = f"{exc.__class__.__name__}: {exc}"
            if self._current is None:
                log.error("token revocation list unavailable: %s", text)
            else:
                log.warning("token revocation list refresh failed, using the last: %s", text)
            return
        self._current = revocations
        self._fetched_at = self.clock()


# --- the verifier ----------------------------------------------------------------------------


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
    )


# --- Flask wiring ----------------------------------------------------------------------------

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


def _is_public(app: Flask, endpoint: str | None, public_endpoints: frozenset[str]) -> bool:
    if endpoint is None:
        return True  # no route matched: the 404/405 answer reveals nothing protected
    if endpoint in public_endpoints or endpoint.endswith(_ALWAYS_PUBLIC_SUFFIXES):
        return True
    if endpoint == "restx_doc.static" or (
        "." in endpoint and endpoint.rsplit(".", 1)[1] in _DOC_ENDPOINTS
    ):
        return True
    view = app.view_functions.get(endpoint)
    if view is None:
        return False
    if getattr(view, "_ispyb_public", False):
        return True
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        method = request.method.lower()
        handler = getattr(view_class, method, None)
        if handler is None and method == "head":
            handler = getattr(view_class, "get", None)
        return bool(getattr(handler, "_ispyb_public", False))
    return False


def init_auth(
    app: Flask, verifier: TokenVerifier, *, public_endpoints: Iterable[str] = frozenset()
) -> None:
    """Require a valid bearer token on every request but the public ones; sets g.caller.

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
        g.caller = verifier.verify(bearer_token(request.headers.get("Authorization")))

    @app.errorhandler(Unauthorized)
    def _unauthorized(exc: Unauthorized):
        response = error_response(exc.status, exc.code, exc.message, exc.details)
        response.headers["WWW-Authenticate"] = "Bearer"
        return response


def current_caller() -> Caller:
    """The caller of the current request; Unauthorized when there is none."""
    caller = g.get("caller")
    if caller is None:
        raise Unauthorized("An access token is required: send Authorization: Bearer <token>.")
    return caller


def require_admin() -> Caller:
    caller = current_caller()
    if not caller.is_admin:
        raise Forbidden("This needs the admin role.")
    return caller


def require_scope(scope: str) -> Caller:
    caller = current_caller()
    if not caller.has_scope(scope):
        raise Forbidden(f"This needs the {scope!r} scope.")
    return caller
