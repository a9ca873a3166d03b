"""Publishing a signing key: its public half as a JWK (RFC 7517), the issuer's side."""

from __future__ import annotations

import json
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from ispyb_shared.auth import ALGORITHM


def public_jwk(public_key: RSAPublicKey, *, kid: str | None) -> dict[str, Any]:
    """The JWK of an RSA public key, as published in a JWKS."""
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public_key))
    result = {"kty": "RSA", "use": "sig", "alg": ALGORITHM, "n": jwk["n"], "e": jwk["e"]}
    if kid is not None:
        result["kid"] = kid
    return result
