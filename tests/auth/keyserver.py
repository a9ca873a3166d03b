"""A test identity provider: RSA keys, a JWKS served over HTTP, tokens it signs.

The JWKS endpoint is a real HTTP server (a thread on a free loopback port), so the code
under test fetches keys the way it does in production; the server counts fetches and can
be told to fail.
"""

from __future__ import annotations

import functools
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ispyb_auth.keys.jwk import public_jwk


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.cache
def pooled_key(name: str) -> rsa.RSAPrivateKey:
    """The same RSA key for the same name during a test session (generating costs time)."""
    return new_rsa_key()


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


class JwksServer:
    """Serves ``self.document`` as JSON on every GET; ``failing`` makes it answer 500,
    ``status`` (when set) answer that status with no body."""

    def __init__(self, document: dict[str, Any] | None = None):
        self.document = document or {"keys": []}
        self.fetches = 0
        self.failing = False
        self.status: int | None = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.fetches += 1
                if server.failing or server.status:
                    self.send_response(500 if server.failing else server.status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = json.dumps(server.document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.closed = False
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/jwks.json"

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.httpd.shutdown()
            self.httpd.server_close()


class TestProvider:
    """An identity provider (or a stand-in for the auth service) signing RS256 tokens."""

    __test__ = False  # not a pytest test class

    def __init__(self, *, issuer: str, audience: str, kid: str = "provider-key-1"):
        self.issuer = issuer
        self.audience = audience
        self.keys: dict[str, rsa.RSAPrivateKey] = {kid: pooled_key(f"{issuer} {kid}")}
        self.kid = kid
        self._initial_keys = dict(self.keys)
        self.server = JwksServer(self.jwks())

    def reset(self) -> None:
        """Back to the first key, served by a working endpoint."""
        self.keys = dict(self._initial_keys)
        self.server.document = self.jwks()
        self.server.failing = False

    def jwks(self) -> dict[str, Any]:
        return {"keys": [public_jwk(key.public_key(), kid=kid) for kid, key in self.keys.items()]}

    def add_key(self, kid: str, *, publish: bool = True) -> rsa.RSAPrivateKey:
        self.keys[kid] = pooled_key(f"{self.issuer} {kid}")
        if publish:
            self.server.document = self.jwks()
        return self.keys[kid]

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            "jti": str(uuid.uuid4()),
        }
        claims.update(overrides)
        return {key: value for key, value in claims.items() if value is not None}

    def sign(
        self,
        claims: dict[str, Any],
        *,
        kid: str | None = None,
        key: rsa.RSAPrivateKey | None = None,
        algorithm: str = "RS256",
        headers: dict[str, Any] | None = None,
    ) -> str:
        kid = kid or self.kid
        signing_key = key or self.keys[kid]
        return jwt.encode(
            claims, signing_key, algorithm=algorithm, headers={"kid": kid, **(headers or {})}
        )

    def close(self) -> None:
        self.server.close()
