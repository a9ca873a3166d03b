"""Access tokens for tests, shaped like the auth service's (see docs/auth.md)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "ispyb"
AUDIENCE = "ispyb"


class TestTokens:
    """An RSA key standing in for the auth service's signing key."""

    __test__ = False  # not a test class, despite the name

    def __init__(self, directory: Path, kid: str = "test-key-1"):
        self.kid = kid
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_key_file = directory / "auth-public.pem"
        self.public_key_file.write_bytes(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )

    def settings(self) -> dict:
        """The ``auth`` config section of a service verifying these tokens."""
        return {
            "issuer": ISSUER,
            "audience": AUDIENCE,
            "public_key_file": str(self.public_key_file),
        }

    def mint(
        self,
        subject: str,
        *,
        kind: str = "user",
        roles=(),
        beamlines=(),
        scopes=(),
        lifetime: int = 600,
        **claims,
    ) -> str:
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "jti": str(uuid.uuid4()),
            "sub": subject,
            "kind": kind,
            "roles": list(roles),
            "beamlines": list(beamlines),
            "scope": " ".join(scopes),
            **claims,
        }
        return jwt.encode(payload, self.private_key, algorithm="RS256", headers={"kid": self.kid})

    def user(self, login: str, *roles: str, beamlines=()) -> dict:
        return {"Authorization": f"Bearer {self.mint(login, roles=roles, beamlines=beamlines)}"}

    def machine(self, client_id: str, *scopes: str) -> dict:
        return {"Authorization": f"Bearer {self.mint(client_id, kind='client', scopes=scopes)}"}

    def admin(self) -> dict:
        return self.user("test-admin", "admin")
