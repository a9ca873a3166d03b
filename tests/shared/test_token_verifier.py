"""The shared token verifier: what every service accepts and refuses.

Keys come from a real JWKS endpoint (an HTTP server thread serving a test provider's
public keys), from a PEM file, or from a key provider; tokens are signed by the test
provider with its own RSA keys, or forged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time

import jwt
import pytest
from flask_restx import Namespace, Resource
from marshmallow import ValidationError

from ispyb_shared.app import create_service_app
from ispyb_shared.auth import (
    AuthSettings,
    Caller,
    TokenVerifier,
    Unauthorized,
    bearer_token,
    current_caller,
    init_auth,
    permissions_of,
    public,
    require_admin,
)
from ispyb_shared.config import ConfigError
from ispyb_shared.errors import Forbidden, ServiceUnavailable
from tests.auth.keyserver import TestProvider, pooled_key, public_pem

ISSUER = "ispyb"
AUDIENCE = "ispyb"


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def provider():
    provider = TestProvider(issuer=ISSUER, audience=AUDIENCE, kid="key-1")
    yield provider
    provider.close()


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def verifier(provider, clock):
    return TokenVerifier(
        issuer=ISSUER, audience=AUDIENCE, jwks_url=provider.server.url, clock=clock
    )


def user_claims(provider, **overrides):
    base = {
        "sub": "alice",
        "kind": "user",
        "roles": ["staff"],
        "beamlines": ["i03"],
        "scope": "",
        "name": "Alice Anderson",
    }
    return provider.claims(**{**base, **overrides})


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def refused(verifier, token) -> str:
    with pytest.raises(Unauthorized) as raised:
        verifier.verify(token)
    assert raised.value.status == 401 and raised.value.code == "UNAUTHORIZED"
    return raised.value.message


# --- accepted -------------------------------------------------------------------------------


def test_a_valid_token_gives_the_caller(provider, verifier):
    token = provider.sign(user_claims(provider, jti="token-1"))
    caller = verifier.verify(token)
    assert caller == Caller(
        subject="alice",
        kind="user",
        roles=frozenset({"staff"}),
        beamlines=frozenset({"i03"}),
        scopes=frozenset(),
        token_id="token-1",
        name="Alice Anderson",
    )
    assert caller.is_staff and not caller.is_admin


def test_a_client_token_carries_its_scopes(provider, verifier):
    token = provider.sign(
        provider.claims(sub="pipeline", kind="client", scope="core:processing:write em:write")
    )
    caller = verifier.verify(token)
    assert caller.kind == "client" and caller.roles == frozenset()
    assert caller.has_scope("em:write") and not caller.has_scope("em:read")
    assert not caller.is_staff and not caller.is_admin


def test_a_client_cannot_be_admin_even_if_its_token_says_so(provider, verifier):
    caller = verifier.verify(
        provider.sign(provider.claims(sub="x", kind="client", roles=["admin"]))
    )
    assert not caller.is_admin and not caller.is_staff


# --- refused --------------------------------------------------------------------------------


def test_expired_token_is_refused(provider, verifier):
    past = int(time.time()) - 3600
    token = provider.sign(user_claims(provider, iat=past, nbf=past, exp=past + 900))
    assert "expired" in refused(verifier, token)


def test_expiry_within_the_leeway_is_tolerated(provider, verifier):
    token = provider.sign(user_claims(provider, exp=int(time.time()) - 5))
    assert verifier.verify(token).subject == "alice"


def test_token_not_yet_valid_is_refused(provider, verifier):
    future = int(time.time()) + 3600
    assert "not valid yet" in refused(verifier, provider.sign(user_claims(provider, nbf=future)))


def test_tampered_payload_is_refused(provider, verifier):
    token = provider.sign(user_claims(provider, roles=[]))
    header, _payload, signature = token.split(".")
    forged = b64(json.dumps(user_claims(provider, roles=["admin"])).encode())
    assert "signature" in refused(verifier, f"{header}.{forged}.{signature}")


def test_tampered_signature_is_refused(provider, verifier):
    token = provider.sign(user_claims(provider))
    header, payload, signature = token.split(".")
    flipped = signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")
    assert "signature" in refused(verifier, f"{header}.{payload}.{flipped}")


def test_token_signed_by_another_key_with_the_same_kid_is_refused(provider, verifier):
    attacker_key = pooled_key("attacker")
    token = provider.sign(user_claims(provider, roles=["admin"]), kid="key-1", key=attacker_key)
    assert "signature" in refused(verifier, token)


def test_alg_none_is_refused(provider, verifier):
    header = b64(json.dumps({"alg": "none", "kid": "key-1", "typ": "JWT"}).encode())
    payload = b64(json.dumps(user_claims(provider, roles=["admin"])).encode())
    assert "algorithm" in refused(verifier, f"{header}.{payload}.")
    refused(verifier, f"{header}.{payload}")  # not even three segments


def test_hs256_signed_with_the_public_key_is_refused(provider, verifier):
    """The classic confusion: the attacker HMACs with the (public) RSA key as secret."""
    secret = public_pem(provider.keys["key-1"])
    header = b64(json.dumps({"alg": "HS256", "kid": "key-1", "typ": "JWT"}).encode())
    payload = b64(json.dumps(user_claims(provider, roles=["admin"])).encode())
    signature = b64(hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    assert "algorithm" in refused(verifier, f"{header}.{payload}.{signature}")


def test_other_asymmetric_algorithms_are_refused(provider, verifier):
    token = provider.sign(user_claims(provider), algorithm="RS512")
    assert "algorithm" in refused(verifier, token)


def test_wrong_audience_is_refused(provider, verifier):
    token = provider.sign(user_claims(provider, aud="another-system"))
    assert "audience" in refused(verifier, token)


def test_wrong_issuer_is_refused(provider, verifier):
    token = provider.sign(user_claims(provider, iss="https://evil.example"))
    assert "issuer" in refused(verifier, token)


@pytest.mark.parametrize("claim", ["iss", "aud", "exp", "sub", "kind"])
def test_missing_required_claim_is_refused(provider, verifier, claim):
    claims = user_claims(provider)
    del claims[claim]
    message = refused(verifier, provider.sign(claims))
    assert claim in message


@pytest.mark.parametrize(
    "overrides",
    [
        {"kind": "robot"},
        {"roles": "admin"},
        {"roles": [1, 2]},
        {"beamlines": "i03"},
        {"scope": ["core:read"]},
        {"sub": ""},
        {"name": 42},
    ],
)
def test_malformed_claims_are_refused(provider, verifier, overrides):
    assert "malformed" in refused(verifier, provider.sign(user_claims(provider, **overrides)))


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b.c",
        "a.b",
        "....",
        "Bearer x.y.z",
        "eyJhbGciOiJSUzI1NiJ9.%%%.xyz",
        b64(b"not json") + "." + b64(b"{}") + ".sig",
        "x" * 20000,
        None,
        42,
    ],
)
def test_malformed_tokens_are_refused(verifier, token):
    refused(verifier, token)


def test_token_without_kid_is_refused_in_jwks_mode(provider, verifier):
    token = jwt.encode(user_claims(provider), provider.keys["key-1"], algorithm="RS256")
    assert "key id" in refused(verifier, token)


# --- JWKS fetching --------------------------------------------------------------------------


def test_jwks_is_fetched_once_and_cached(provider, verifier):
    for _ in range(5):
        verifier.verify(provider.sign(user_claims(provider)))
    assert provider.server.fetches == 1


def test_cache_expiry_refetches(provider, clock):
    verifier = TokenVerifier(
        issuer=ISSUER,
        audience=AUDIENCE,
        jwks_url=provider.server.url,
        cache_seconds=300,
        clock=clock,
    )
    verifier.verify(provider.sign(user_claims(provider)))
    clock.now += 301
    verifier.verify(provider.sign(user_claims(provider)))
    assert provider.server.fetches == 2


def test_unknown_kid_triggers_one_refresh_then_verifies(provider, verifier, clock):
    verifier.verify(provider.sign(user_claims(provider)))
    assert provider.server.fetches == 1
    provider.add_key("key-2")  # the auth service rotated its key
    clock.now += 60
    caller = verifier.verify(provider.sign(user_claims(provider), kid="key-2"))
    assert caller.subject == "alice"
    assert provider.server.fetches == 2
    verifier.verify(provider.sign(user_claims(provider), kid="key-1"))  # old key still cached
    assert provider.server.fetches == 2


def test_random_kids_cannot_cause_a_fetch_storm(provider, verifier, clock):
    verifier.verify(provider.sign(user_claims(provider)))
    clock.now += 10  # past the minimum refresh interval
    for index in range(20):
        token = provider.sign(
            user_claims(provider), kid=f"random-{index}", key=pooled_key("attacker")
        )
        assert "unknown key" in refused(verifier, token)
    assert provider.server.fetches == 2  # one refresh for the first unknown kid only
    clock.now += 10
    refused(
        verifier, provider.sign(user_claims(provider), kid="random-x", key=pooled_key("attacker"))
    )
    assert provider.server.fetches == 3


def test_concurrent_unknown_kids_fetch_once(provider, clock):
    verifier = TokenVerifier(
        issuer=ISSUER, audience=AUDIENCE, jwks_url=provider.server.url, clock=clock
    )
    token = provider.sign(user_claims(provider))
    results = []

    def verify():
        results.append(verifier.verify(token).subject)

    threads = [threading.Thread(target=verify) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["alice"] * 16
    assert provider.server.fetches == 1


def test_jwks_unreachable_without_cached_key_is_503(provider, verifier):
    provider.server.failing = True
    with pytest.raises(ServiceUnavailable) as raised:
        verifier.verify(provider.sign(user_claims(provider)))
    assert raised.value.status == 503 and raised.value.code == "SERVICE_UNAVAILABLE"


def test_jwks_server_gone_is_503(provider, verifier):
    token = provider.sign(user_claims(provider))
    provider.close()
    with pytest.raises(ServiceUnavailable):
        verifier.verify(token)


def test_jwks_unreachable_after_caching_keeps_verifying_cached_keys(provider, clock):
    verifier = TokenVerifier(
        issuer=ISSUER,
        audience=AUDIENCE,
        jwks_url=provider.server.url,
        cache_seconds=60,
        clock=clock,
    )
    verifier.verify(provider.sign(user_claims(provider)))
    provider.server.failing = True
    clock.now += 120  # the cache is stale and the refresh fails
    assert verifier.verify(provider.sign(user_claims(provider))).subject == "alice"
    # A kid never seen cannot be verified: 503 rather than a wrong 401.
    clock.now += 120
    with pytest.raises(ServiceUnavailable):
        verifier.verify(
            provider.sign(user_claims(provider), kid="key-9", key=pooled_key("attacker"))
        )


def test_jwks_that_is_not_json_is_503(provider, verifier):
    provider.server.document = ["not", "a", "jwks"]
    with pytest.raises(ServiceUnavailable):
        verifier.verify(provider.sign(user_claims(provider)))


def test_unusable_keys_in_the_jwks_are_skipped(provider, verifier):
    good = provider.jwks()["keys"][0]
    provider.server.document = {
        "keys": [
            {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
            {"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"},
            {**good, "kid": "enc-key", "use": "enc"},
            good,
        ]
    }
    assert verifier.verify(provider.sign(user_claims(provider))).subject == "alice"


# --- other key sources ----------------------------------------------------------------------


def test_public_key_file_mode(provider, tmp_path):
    path = tmp_path / "auth-public.pem"
    path.write_bytes(public_pem(provider.keys["key-1"]))
    verifier = TokenVerifier(issuer=ISSUER, audience=AUDIENCE, public_key_file=str(path))
    assert verifier.verify(provider.sign(user_claims(provider))).subject == "alice"
    other = pooled_key("attacker")
    assert "signature" in refused(verifier, provider.sign(user_claims(provider), key=other))

    # Rotation: the file lists both keys; both verify.
    provider.add_key("key-2")
    path.write_bytes(public_pem(provider.keys["key-1"]) + public_pem(provider.keys["key-2"]))
    assert verifier.verify(provider.sign(user_claims(provider), kid="key-2")).subject == "alice"
    assert verifier.verify(provider.sign(user_claims(provider), kid="key-1")).subject == "alice"


def test_public_key_file_must_hold_a_key(tmp_path):
    missing = tmp_path / "none.pem"
    with pytest.raises(ConfigError, match="public_key_file"):
        TokenVerifier(issuer=ISSUER, audience=AUDIENCE, public_key_file=str(missing))
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a key")
    with pytest.raises(ConfigError, match="no RSA public key"):
        TokenVerifier(issuer=ISSUER, audience=AUDIENCE, public_key_file=str(garbage))


def test_a_broken_replacement_file_keeps_the_previous_keys(provider, tmp_path):
    path = tmp_path / "auth-public.pem"
    path.write_bytes(public_pem(provider.keys["key-1"]))
    verifier = TokenVerifier(issuer=ISSUER, audience=AUDIENCE, public_key_file=str(path))
    path.write_text("half-written garbage, longer than before")
    assert verifier.verify(provider.sign(user_claims(provider))).subject == "alice"


def test_key_provider_mode(provider):
    public_keys = {"key-1": provider.keys["key-1"].public_key()}
    verifier = TokenVerifier(issuer=ISSUER, audience=AUDIENCE, key_provider=public_keys.get)
    assert verifier.verify(provider.sign(user_claims(provider))).subject == "alice"
    token = provider.sign(user_claims(provider), kid="key-x", key=pooled_key("attacker"))
    assert "unknown key" in refused(verifier, token)


def test_exactly_one_key_source():
    with pytest.raises(ValueError):
        TokenVerifier(issuer=ISSUER, audience=AUDIENCE)
    with pytest.raises(ValueError):
        TokenVerifier(
            issuer=ISSUER, audience=AUDIENCE, jwks_url="http://x/jwks", key_provider=dict().get
        )


# --- settings -------------------------------------------------------------------------------


def test_auth_settings_defaults_and_key_source():
    loaded = AuthSettings().load(
        {"jwks_url": "http://auth:8004/ispyb/api/v1/auth/.well-known/jwks.json"}
    )
    assert loaded["issuer"] == "ispyb" and loaded["audience"] == "ispyb"
    assert loaded["jwks_cache_seconds"] == 300 and loaded["leeway_seconds"] == 30
    assert loaded["public_key_file"] is None
    with pytest.raises(ValidationError) as raised:
        AuthSettings().load({})
    assert "jwks_url" in raised.value.messages
    with pytest.raises(ValidationError):
        AuthSettings().load({"jwks_url": "http://a/jwks.json", "public_key_file": "/k.pem"})
    with pytest.raises(ValidationError) as raised:
        AuthSettings().load({"jwks_url": "http://a/jwks.json", "jwks_ur": "typo"})
    assert "jwks_ur" in raised.value.messages


def test_verifier_from_settings(provider):
    settings = AuthSettings().load({"jwks_url": provider.server.url})
    verifier = TokenVerifier.from_settings(settings)
    assert verifier.verify(provider.sign(user_claims(provider))).subject == "alice"


# --- Flask wiring ---------------------------------------------------------------------------


def test_bearer_token_parsing():
    assert bearer_token("Bearer abc.def-_~+/ghi=") == "abc.def-_~+/ghi="
    assert bearer_token("bearer abc") == "abc"
    for bad in (None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer a b", "abc"):
        with pytest.raises(Unauthorized):
            bearer_token(bad)


def test_permissions_are_derived_from_roles_and_scopes():
    def caller(**kwargs):
        base = dict(
            subject="x",
            kind="user",
            roles=frozenset(),
            beamlines=frozenset(),
            scopes=frozenset(),
            token_id="t",
        )
        return Caller(**{**base, **kwargs})

    assert permissions_of(caller()) == ["data:read:own", "data:write:own"]
    assert "auth:manage" in permissions_of(caller(roles=frozenset({"admin"})))
    assert "data:write:all" in permissions_of(caller(roles=frozenset({"staff"})))
    restricted = permissions_of(caller(roles=frozenset({"staff"}), beamlines=frozenset({"i03"})))
    assert "data:read:beamline:i03" in restricted and "data:read:all" not in restricted
    client = caller(kind="client", scopes=frozenset({"em:write"}))
    assert permissions_of(client) == ["em:write"]


@pytest.fixture
def tiny_app(provider, verifier):
    ns = Namespace("things", path="/things")

    @ns.route("")
    class Things(Resource):
        def get(self):
            return {"caller": current_caller().subject}

        @public
        def post(self):
            return {"public": True}

    @ns.route("/admin")
    class AdminThing(Resource):
        def get(self):
            return {"admin": require_admin().subject}

    @ns.route("/scoped")
    class ScopedThing(Resource):
        def get(self):
            # What services check: the exact scope (an admin user holds no scope).
            caller = current_caller()
            if not caller.has_scope("em:write"):
                raise Forbidden("This needs the 'em:write' scope.")
            return {"client": caller.subject}

    app = create_service_app(
        service="tiny",
        title="tiny",
        description="a service for the verifier tests",
        config={
            "database": {"url": "sqlite://"},
            "api": {"max_content_length": 1 << 20, "default_limit": 25, "max_limit": 100},
            "logging": {"level": "INFO", "json": True},
        },
        namespaces=[ns],
    )

    @app.route("/ispyb/api/v1/tiny/open-view")
    def open_view():
        return {"open": True}

    init_auth(app, verifier, public_endpoints={"open_view"})
    return app.test_client()


TINY = "/ispyb/api/v1/tiny"


def test_public_endpoints_need_no_token(tiny_app):
    for path in ("/health", "/ready", "/docs", "/swagger.json", "/open-view"):
        assert tiny_app.get(TINY + path).status_code == 200, path
    assert tiny_app.post(TINY + "/things").json == {"public": True}
    assert tiny_app.options(TINY + "/things").status_code == 200
    static = tiny_app.get(TINY + "/swaggerui/swagger-ui-bundle.js")
    assert static.status_code == 200


def test_protected_endpoint_without_or_with_bad_token_is_401_envelope(tiny_app, provider):
    for headers in (
        {},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer not-a-jwt"},
        {"Authorization": "Bearer " + provider.sign(user_claims(provider, aud="elsewhere"))},
    ):
        response = tiny_app.get(TINY + "/things", headers={**headers, "X-Request-ID": "r-1"})
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert set(response.json) == {"code", "message", "details", "requestId"}
        assert response.json["code"] == "UNAUTHORIZED" and response.json["requestId"] == "r-1"


def test_valid_token_reaches_the_view(tiny_app, provider):
    token = provider.sign(user_claims(provider))
    response = tiny_app.get(TINY + "/things", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.json == {"caller": "alice"}


def test_require_admin_and_scope_are_403(tiny_app, provider):
    staff = {"Authorization": "Bearer " + provider.sign(user_claims(provider))}
    response = tiny_app.get(TINY + "/things/admin", headers=staff)
    assert response.status_code == 403 and response.json["code"] == "FORBIDDEN"
    admin = {"Authorization": "Bearer " + provider.sign(user_claims(provider, roles=["admin"]))}
    assert tiny_app.get(TINY + "/things/admin", headers=admin).json == {"admin": "alice"}
    # An admin has no scopes: scopes are for machine clients, nothing bypasses them.
    assert tiny_app.get(TINY + "/things/scoped", headers=admin).status_code == 403
    client_token = provider.sign(provider.claims(sub="pipe", kind="client", scope="em:write"))
    client = {"Authorization": f"Bearer {client_token}"}
    assert tiny_app.get(TINY + "/things/scoped", headers=client).json == {"client": "pipe"}
    assert tiny_app.get(TINY + "/things/admin", headers=client).status_code == 403


def test_unknown_route_is_404_not_401(tiny_app):
    assert tiny_app.get(TINY + "/nowhere").status_code == 404


def test_jwks_down_is_a_503_envelope(tiny_app, provider):
    token = provider.sign(user_claims(provider))
    provider.server.failing = True
    response = tiny_app.get(TINY + "/things", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503
    assert response.json["code"] == "SERVICE_UNAVAILABLE"


def test_token_is_never_in_an_error_body_or_log(tiny_app, provider, caplog):
    past = int(time.time()) - 3600
    token = provider.sign(user_claims(provider, exp=past))
    response = tiny_app.get(TINY + "/things", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert token not in response.get_data(as_text=True)
    signature = token.rsplit(".", 1)[1]
    assert signature not in caplog.text and token.split(".")[1] not in caplog.text
