"""Where the public keys verifying tokens come from: auth's JWKS (cached) or a PEM file."""

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
from typing import Any

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from ..config import ConfigError
from ..errors import ServiceUnavailable, Unauthorized
from ..metrics import timed_outbound
from .settings import JWKS_CACHE_SECONDS

log = logging.getLogger(__name__)

ALGORITHM = "RS256"


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
    """RFC 7638 thumbprint of an RSA public key: the key id the auth service uses (so a
    PEM file's keys are named as the JWKS names them)."""
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public_key))
    canonical = json.dumps(
        {"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"), sort_keys=True
    )
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


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
