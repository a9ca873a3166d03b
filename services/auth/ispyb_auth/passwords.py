"""Password and secret hashing.

Passwords: argon2id (argon2-cffi), cost from the local plugin's ``argon2`` settings; a
hash made with older settings is replaced at the next successful login.

Machine-client secrets are 256 random bits made by the service, so a fast hash cannot be
brute-forced: SHA-256, compared in constant time, keeps the token endpoint cheap.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Any

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class PasswordHasher:
    def __init__(self, settings: Mapping[str, Any]):
        self._hasher = argon2.PasswordHasher(
            time_cost=settings["time_cost"],
            memory_cost=settings["memory_cost_kib"],
            parallelism=settings["parallelism"],
            type=argon2.Type.ID,
        )
        # Checked against when the login is unknown, so that an unknown login costs as
        # long as a wrong password and response times do not reveal which logins exist.
        self._decoy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash or self._decoy_hash, password) and bool(
                password_hash
            )
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, secret_hash: str | None) -> bool:
    return hmac.compare_digest(hash_secret(secret), secret_hash or "0" * 64)


def new_secret() -> str:
    return secrets.token_urlsafe(32)
