"""Token exchange with the site's identity provider (a test provider serving a real JWKS)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest

from tests.auth.conftest import AUTH
from tests.auth.keyserver import pooled_key, public_pem


def provider_claims(idp, **overrides):
    base = {
        "sub": "f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
        "preferred_username": "olivia",
        "name": "Olivia Olsen",
        "realm_access": {"roles": ["offline_access", "beamline-scientist"]},
        "beamlines": ["i04"],
    }
    return idp.claims(**{**base, **overrides})


def exchange(api, token, plugin="keycloak"):
    return api.post(f"{AUTH}/login", json={"plugin": plugin, "token": token})


def test_provider_token_becomes_ispyb_tokens(api, idp):
    response = exchange(api, idp.sign(provider_claims(idp)))
    assert response.status_code == 200, response.json
    claims = jwt.decode(response.json["access_token"], options={"verify_signature": False})
    assert claims["sub"] == "olivia" and claims["name"] == "Olivia Olsen"
    assert claims["roles"] == ["staff"] and claims["beamlines"] == ["i04"]
    assert claims["iss"] == "ispyb" and claims["aud"] == "ispyb"
    assert response.json["refresh_token"]


def test_unmapped_provider_roles_give_nothing(api, idp):
    token = idp.sign(provider_claims(idp, realm_access={"roles": ["admin", "uma_authorization"]}))
    claims = jwt.decode(
        exchange(api, token).json["access_token"], options={"verify_signature": False}
    )
    assert claims["roles"] == []  # "admin" at the provider is not ISPyB's admin unless mapped
    token = idp.sign(provider_claims(idp, realm_access={"roles": ["ispyb-admin"]}))
    claims = jwt.decode(
        exchange(api, token).json["access_token"], options={"verify_signature": False}
    )
    assert claims["roles"] == ["admin"]


def b64(data) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "case",
    [
        "expired",
        "wrong audience",
        "wrong issuer",
        "other key",
        "tampered",
        "alg none",
        "hs256 with public key",
        "no login claim",
        "malformed",
    ],
)
def test_bad_provider_tokens_are_refused(api, idp, case):
    past = int(time.time()) - 3600
    if case == "expired":
        token = idp.sign(provider_claims(idp, iat=past, nbf=past, exp=past + 300))
    elif case == "wrong audience":
        token = idp.sign(provider_claims(idp, aud="another-client"))
    elif case == "wrong issuer":
        token = idp.sign(provider_claims(idp, iss="https://evil.example.org/realms/facility"))
    elif case == "other key":
        token = idp.sign(provider_claims(idp), key=pooled_key("attacker"))
    elif case == "tampered":
        header, _payload, signature = idp.sign(provider_claims(idp)).split(".")
        token = f"{header}.{b64(provider_claims(idp, preferred_username='admin'))}.{signature}"
    elif case == "alg none":
        token = f"{b64({'alg': 'none', 'kid': idp.kid})}.{b64(provider_claims(idp))}."
    elif case == "hs256 with public key":
        header = b64({"alg": "HS256", "kid": idp.kid})
        payload = b64(provider_claims(idp))
        secret = public_pem(idp.keys[idp.kid])
        signature = b64(hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest())
        token = f"{header}.{payload}.{signature}"
    elif case == "no login claim":
        token = idp.sign(provider_claims(idp, preferred_username=None))
    else:
        token = "not-a-token"
    response = exchange(api, token)
    assert response.status_code == 401, response.json
    assert response.json["code"] == "UNAUTHORIZED"
    assert token not in response.get_data(as_text=True)


def test_new_provider_key_is_fetched_on_first_sight(api, auth_app, idp):
    assert exchange(api, idp.sign(provider_claims(idp))).status_code == 200
    fetched = idp.server.fetches
    idp.add_key("idp-key-2")
    plugin = auth_app.extensions["ispyb_auth"].plugins["keycloak"]
    plugin.jwks.min_refresh_seconds = 0  # no waiting in tests: the refresh is allowed now
    response = exchange(api, idp.sign(provider_claims(idp), kid="idp-key-2"))
    assert response.status_code == 200
    assert idp.server.fetches == fetched + 1


def test_unknown_provider_key_is_refused(api, idp):
    token = idp.sign(provider_claims(idp), kid="never-published", key=pooled_key("attacker"))
    response = exchange(api, token)
    assert response.status_code == 401 and "unknown key" in response.json["message"]


def test_provider_jwks_down_is_503(api, idp):
    idp.server.failing = True
    response = exchange(api, idp.sign(provider_claims(idp)))
    assert response.status_code == 503 and response.json["code"] == "SERVICE_UNAVAILABLE"


def test_token_is_required_for_oidc(api):
    response = api.post(f"{AUTH}/login", json={"plugin": "keycloak"})
    assert response.status_code == 422 and "token" in response.json["details"]
