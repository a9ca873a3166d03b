"""Signing keys: kept in the database, rotated without downtime.

The active key is the one of the highest generation; it signs every new access token.
Rotating creates generation max + 1, which signs from then on. The previous keys stay in
the JWKS, and keep verifying, for ``access_token_seconds + leeway_seconds`` after they
stopped signing: no token they signed can outlive that. Then they are retired (gone from
the JWKS; their private key is erased at the next rotation).

Keys are created on first need. Two workers creating (or rotating) at once both try to
insert the same generation; the unique key lets exactly one win and the other adopts it.

Verifying auth's own tokens (``verification_key``) reads the published keys from a cache
of at most ``verification_cache_seconds`` (``signing_keys.verification_cache_seconds``,
default 10; 0 reads the database at every request): no statement a request. It stays
correct within these bounds:

- a kid the cache does not know (a key another worker or replica just created) reloads
  the keys at once (a made-up kid costs the one statement every request cost before);
- a key whose grace ended retires at that moment: the cache holds each key's end, and a
  lookup compares it with the clock;
- a rotation or retirement in this process empties the cache; a key retired early in
  another process is refused at once all the same, by the revocation list auth reads at
  every request (``own_revocations``: retired kids ride in its one statement);
- anything else changed in another process (a key row deleted by hand) is seen within
  ``verification_cache_seconds``.

The JWKS document (``jwks``) and the revocation document read the database every time,
as before.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ispyb_shared.auth import jwk_thumbprint
from ispyb_shared.db import Database
from ispyb_shared.errors import Conflict, NotFound, ServiceUnavailable

from .. import timeutil
from .jwk import public_jwk
from .models import SigningKey

log = logging.getLogger(__name__)

ACTIVE = "active"
VERIFYING = "verifying"
RETIRED = "retired"


@dataclass(frozen=True)
class KeyState:
    key: SigningKey
    state: str
    signing_ended_at: dt.datetime | None
    retires_at: dt.datetime | None


@dataclass(frozen=True)
class ActiveKey:
    kid: str
    private_key: rsa.RSAPrivateKey


class KeyStore:
    """The signing keys of one auth database, shared by every worker."""

    def __init__(
        self,
        database: Database,
        *,
        access_token_seconds: int,
        leeway_seconds: int,
        key_size: int = 2048,
        rotate_after_days: int | None = None,
        encryption_secret: str | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        verification_cache_seconds: float = 10.0,
    ):
        self.database = database
        self.grace = dt.timedelta(seconds=access_token_seconds + leeway_seconds)
        self.key_size = key_size
        self.rotate_after = dt.timedelta(days=rotate_after_days) if rotate_after_days else None
        self._password = encryption_secret.encode() if encryption_secret else None
        self._clock = clock
        # Parsed keys by kid: parsing a PEM costs more than the query that finds it.
        self._private: dict[str, rsa.RSAPrivateKey] = {}
        self._public: dict[str, Any] = {}
        self._lock = threading.Lock()
        # The published keys for verification: (loaded at, {kid: (public JWK, retires at)}).
        self.verification_cache = dt.timedelta(seconds=verification_cache_seconds)
        self._verifying: tuple[dt.datetime, dict[str, tuple[str, dt.datetime | None]]] | None
        self._verifying = None

    def now(self) -> dt.datetime:
        return self._clock() if self._clock else timeutil.utcnow()

    # --- reading ---------------------------------------------------------------------------

    def states(self, session: Session) -> list[KeyState]:
        """Every key, newest first, with its state at this moment."""
        keys = list(
            session.execute(select(SigningKey).order_by(SigningKey.generation.desc())).scalars()
        )
        now = self.now()
        result: list[KeyState] = []
        successor: SigningKey | None = None
        for key in keys:
            if successor is None:
                result.append(KeyState(key, ACTIVE, None, None))
            else:
                ended = successor.createdAt
                retires = ended + self.grace
                if key.retiredAt is not None:
                    retires = min(retires, key.retiredAt)
                state = RETIRED if now >= retires else VERIFYING
                result.append(KeyState(key, state, ended, retires))
            successor = key
        return result

    def published(self) -> list[KeyState]:
        # A read session: verifying a token opens no transaction (ispyb_shared.db).
        with self.database.read_sessionmaker() as session:
            return [s for s in self.states(session) if s.state != RETIRED]

    def jwks(self) -> dict[str, Any]:
        """The JWKS document: the active key and the keys still verifying."""
        return {"keys": [json.loads(s.key.publicJwk) for s in self.published()]}

    def verification_key(self, kid: str) -> Any | None:
        """The public key ``kid`` if it is published (the auth service's key_provider),
        from the bounded cache (the module's docstring has its rules)."""
        now = self.now()
        cached = self._verifying
        fresh = cached is not None and dt.timedelta(0) <= now - cached[0] < self.verification_cache
        keys = cached[1] if fresh else self._reload_verifying(now)
        if fresh and kid not in keys:
            keys = self._reload_verifying(now)
        found = keys.get(kid)
        if found is None:
            return None
        jwk, retires_at = found
        if retires_at is not None and now >= retires_at:
            return None  # its grace ended since the cache was loaded
        return self._public_key(kid, jwk)

    def _reload_verifying(self, now: dt.datetime) -> dict[str, tuple[str, dt.datetime | None]]:
        keys = {s.key.kid: (s.key.publicJwk, s.retires_at) for s in self.published()}
        self._verifying = (now, keys)
        return keys

    def forget_verifying(self) -> None:
        """Empty the verification cache (after a rotation or retirement here)."""
        self._verifying = None

    def _public_key(self, kid: str, jwk: str) -> Any:
        cached = self._public.get(kid)
        if cached is None:
            cached = RSAAlgorithm.from_jwk(jwk)
            self._public[kid] = cached
        return cached

    def _private_key(self, key: SigningKey) -> rsa.RSAPrivateKey:
        cached = self._private.get(key.kid)
        if cached is not None:
            return cached
        if not key.privateKey:
            raise ServiceUnavailable("The active signing key has no private key; rotate keys.")
        pem = key.privateKey.encode()
        encrypted = b"ENCRYPTED" in pem.split(b"\n", 1)[0]
        if encrypted and self._password is None:
            log.error("signing key %s is encrypted but no encryption_secret is set", key.kid)
            raise ServiceUnavailable("The signing key cannot be read: check the configuration.")
        try:
            private = serialization.load_pem_private_key(
                pem, password=self._password if encrypted else None
            )
        except (ValueError, TypeError):
            log.error("signing key %s cannot be decrypted with the configured secret", key.kid)
            raise ServiceUnavailable(
                "The signing key cannot be read: check the configuration."
            ) from None
        assert isinstance(private, rsa.RSAPrivateKey)
        self._private[key.kid] = private
        return private

    # --- signing ---------------------------------------------------------------------------

    def signing_key(self) -> ActiveKey:
        """The active key, created on first need and rotated when too old.

        Runs in its own short transaction: call it before the request writes anything.
        """
        with self.database.sessionmaker() as session:
            active = self._active(session)
        if active is None:
            active = self._create(expected_generation=1)
        elif self.rotate_after and self.now() - active.createdAt >= self.rotate_after:
            log.info("signing key %s is older than rotate_after_days: rotating", active.kid)
            active = self._create(expected_generation=active.generation + 1)
        return ActiveKey(active.kid, self._private_key(active))

    def _active(self, session: Session) -> SigningKey | None:
        return session.execute(
            select(SigningKey).order_by(SigningKey.generation.desc()).limit(1)
        ).scalar_one_or_none()

    def rotate(self) -> SigningKey:
        """Make a new key the active one; erase the private keys of retired keys."""
        with self.database.sessionmaker() as session:
            current = session.execute(select(func.max(SigningKey.generation))).scalar()
        key = self._create(expected_generation=(current or 0) + 1, adopt=False)
        with self.database.sessionmaker() as session, session.begin():
            for state in self.states(session):
                if state.state == RETIRED and state.key.privateKey is not None:
                    state.key.privateKey = None
        self.forget_verifying()
        return key

    def retire(self, kid: str) -> SigningKey:
        """Stop publishing a (compromised) key now; the active key cannot be retired."""
        try:
            with self.database.sessionmaker() as session, session.begin():
                states = self.states(session)
                found = next((s for s in states if s.key.kid == kid), None)
                if found is None:
                    raise NotFound(f"Signing key {kid} does not exist.", {"kid": [kid]})
                if found.state == ACTIVE:
                    raise Conflict(
                        "The active key cannot be retired: rotate first, then retire it.",
                        {"kid": ["Active key."]},
                    )
                if found.key.retiredAt is None:
                    found.key.retiredAt = self.now()
                    found.key.privateKey = None
                return found.key
        finally:
            self.forget_verifying()

    def _create(self, *, expected_generation: int, adopt: bool = True) -> SigningKey:
        private = rsa.generate_private_key(public_exponent=65537, key_size=self.key_size)
        kid = jwk_thumbprint(private.public_key())
        encryption = (
            serialization.BestAvailableEncryption(self._password)
            if self._password
            else serialization.NoEncryption()
        )
        pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        ).decode()
        row = SigningKey(
            kid=kid,
            generation=expected_generation,
            privateKey=pem,
            publicJwk=json.dumps(public_jwk(private.public_key(), kid=kid)),
            createdAt=self.now(),
        )
        try:
            with self.database.sessionmaker() as session, session.begin():
                session.add(row)
        except IntegrityError:
            # Another worker created this generation first: use theirs.
            if not adopt:
                raise Conflict("Another key rotation happened at the same time; retry.") from None
            with self.database.sessionmaker() as session:
                winner = self._active(session)
            if winner is None:
                raise
            log.info("signing key generation %s was created concurrently", expected_generation)
            return winner
        with self._lock:
            self._private[kid] = private
        self.forget_verifying()
        log.info("created signing key %s (generation %s)", kid, expected_generation)
        return row
