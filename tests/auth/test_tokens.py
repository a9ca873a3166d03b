"""Access tokens (format, refusal of forged ones) and refresh tokens (rotation, revocation)."""

from __future__ import annotations

import base64
import json
import threading
import time

import jwt
import pytest
from sqlalchemy import select

from ispyb_auth.tokens.models import RefreshToken
from tests.auth.conftest import AUTH, PEOPLE, bearer, login, tokens_of
from tests.auth.keyserver import pooled_key


def refresh(api, refresh_token):
    return api.post(f"{AUTH}/token/refresh", json={"refresh_token": refresh_token})


def me(api, token):
    return api.get(f"{AUTH}/me", headers=bearer(token))


# --- the access token ------------------------------------------------------------------------


def test_access_token_follows_the_contract(api, auth_app, people):
    before = int(time.time())
    token = tokens_of(api, "heidi")["access_token"]
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "RS256", "kid": header["kid"], "typ": "JWT"}
    jwks = api.get(f"{AUTH}/.well-known/jwks.json").json
    assert header["kid"] in {key["kid"] for key in jwks["keys"]}
    claims = jwt.decode(token, options={"verify_signature": False})
    assert set(claims) == {
        "iss",
        "aud",
        "iat",
        "nbf",
        "exp",
        "jti",
        "sub",
        "kind",
        "roles",
        "beamlines",
        "scope",
    }
    assert claims["iss"] == "ispyb" and claims["aud"] == "ispyb"
    assert claims["sub"] == "heidi" and claims["kind"] == "user"
    assert claims["roles"] == ["staff"] and claims["beamlines"] == ["i03"]
    assert claims["scope"] == ""
    assert before - 1 <= claims["iat"] == claims["nbf"] <= int(time.time())
    assert claims["exp"] - claims["iat"] == 900
    assert len(claims["jti"]) == 36


def test_display_name_becomes_the_name_claim(api, auth_app):
    from tests.auth.conftest import add_account

    add_account(auth_app, "nina", "nina-password", displayName="Nina Novak")
    token = login(api, "nina", "nina-password").json["access_token"]
    assert jwt.decode(token, options={"verify_signature": False})["name"] == "Nina Novak"


def test_me_tells_who_and_what(api, people):
    token = tokens_of(api, "admin")["access_token"]
    body = me(api, token).json
    claims = jwt.decode(token, options={"verify_signature": False})
    assert body == {
        "subject": "admin",
        "kind": "user",
        "name": None,
        "roles": ["admin"],
        "beamlines": [],
        "scopes": [],
        "permissions": [
            "auth:manage",
            "data:read:all",
            "data:write:all",
            "data:read:own",
            "data:write:own",
        ],
        "tokenId": claims["jti"],
    }
    heidi = me(api, tokens_of(api, "heidi")["access_token"]).json
    assert "data:read:beamline:i03" in heidi["permissions"]
    assert "data:read:all" not in heidi["permissions"]
    alice = me(api, tokens_of(api, "alice")["access_token"]).json
    assert alice["permissions"] == ["data:read:own", "data:write:own"]


def test_me_needs_a_token(api):
    response = api.get(f"{AUTH}/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json["code"] == "UNAUTHORIZED"


# --- forged and stale access tokens are refused ---------------------------------------------


def signed_by_auth(auth_app, claims, *, algorithm="RS256", kid=None):
    key = auth_app.extensions["ispyb_auth"].keystore.signing_key()
    return jwt.encode(claims, key.private_key, algorithm=algorithm, headers={"kid": kid or key.kid})


def good_claims(**overrides):
    now = int(time.time())
    claims = {
        "iss": "ispyb",
        "aud": "ispyb",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": "j",
        "sub": "alice",
        "kind": "user",
        "roles": [],
        "beamlines": [],
        "scope": "",
    }
    claims.update(overrides)
    return claims


def b64(data) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def assert_refused(api, token, reason):
    response = me(api, token)
    assert response.status_code == 401, response.json
    assert response.json["code"] == "UNAUTHORIZED"
    assert reason in response.json["message"]
    assert token not in response.get_data(as_text=True)


def test_a_token_signed_by_auth_is_accepted(api, auth_app):
    assert me(api, signed_by_auth(auth_app, good_claims())).json["subject"] == "alice"


def test_expired_access_token_is_refused(api, people, clock):
    clock.advance(-(900 + 60 + 30))  # issued long enough ago to be expired now
    token = tokens_of(api, "alice")["access_token"]
    assert_refused(api, token, "expired")


def test_tampered_access_token_is_refused(api, people):
    token = tokens_of(api, "alice")["access_token"]
    header, _payload, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = b64({**claims, "roles": ["admin"]})
    assert_refused(api, f"{header}.{forged}.{signature}", "signature")


def test_token_signed_by_another_key_is_refused(api, auth_app, people):
    kid = auth_app.extensions["ispyb_auth"].keystore.signing_key().kid
    token = jwt.encode(
        good_claims(roles=["admin"]),
        pooled_key("attacker"),
        algorithm="RS256",
        headers={"kid": kid},
    )
    assert_refused(api, token, "signature")


def test_alg_none_access_token_is_refused(api, auth_app):
    kid = auth_app.extensions["ispyb_auth"].keystore.signing_key().kid
    token = f"{b64({'alg': 'none', 'kid': kid, 'typ': 'JWT'})}.{b64(good_claims())}."
    assert_refused(api, token, "algorithm")


def test_wrong_audience_access_token_is_refused(api, auth_app):
    assert_refused(api, signed_by_auth(auth_app, good_claims(aud="another-app")), "audience")


def test_wrong_issuer_access_token_is_refused(api, auth_app):
    assert_refused(api, signed_by_auth(auth_app, good_claims(iss="elsewhere")), "issuer")


def test_unknown_kid_is_refused(api, auth_app):
    assert_refused(api, signed_by_auth(auth_app, good_claims(), kid="no-such-key"), "unknown key")


def test_identity_provider_token_is_not_an_ispyb_token(api, idp):
    token = idp.sign(idp.claims(sub="alice", kind="user", aud="ispyb", iss="ispyb"))
    assert_refused(api, token, "unknown key")


# --- refresh tokens ---------------------------------------------------------------------------


def test_refresh_rotates_the_refresh_token(api, people):
    first = tokens_of(api, "alice")
    second = refresh(api, first["refresh_token"])
    assert second.status_code == 200
    assert second.json["refresh_token"] != first["refresh_token"]
    assert me(api, second.json["access_token"]).json["subject"] == "alice"
    third = refresh(api, second.json["refresh_token"])
    assert third.status_code == 200


def test_revoked_refresh_token_is_refused(api, people):
    first = tokens_of(api, "alice")
    assert refresh(api, first["refresh_token"]).status_code == 200
    again = refresh(api, first["refresh_token"])
    assert again.status_code == 401 and "revoked" in again.json["message"]


def test_reusing_a_replaced_refresh_token_revokes_the_whole_session(api, people):
    first = tokens_of(api, "alice")
    second = refresh(api, first["refresh_token"]).json
    assert refresh(api, first["refresh_token"]).status_code == 401  # the thief, or the owner
    # The legitimate latest token dies too: whoever holds it must log in again.
    assert refresh(api, second["refresh_token"]).status_code == 401
    other_session = tokens_of(api, "alice")
    assert refresh(api, other_session["refresh_token"]).status_code == 200


def test_concurrent_refreshes_with_one_token_give_one_winner(api, auth_app, people):
    token = tokens_of(api, "alice")["refresh_token"]
    statuses = []

    def attempt():
        statuses.append(refresh(auth_app.test_client(), token).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 401, 401, 401]


def test_unknown_or_malformed_refresh_token_is_refused(api):
    assert refresh(api, "not-a-token").status_code == 401
    response = api.post(f"{AUTH}/token/refresh", json={})
    assert response.status_code == 422 and "refresh_token" in response.json["details"]
    response = api.post(f"{AUTH}/token/refresh", json={"refresh_token": "x" * 300})
    assert response.status_code == 422


def test_refreshing_cannot_stretch_the_session(api, people, clock):
    tokens = tokens_of(api, "alice")
    clock.advance(3000)
    refreshed = refresh(api, tokens["refresh_token"]).json
    assert refreshed["refresh_expires_in"] == 600  # 3600 after the login, not after now
    clock.advance(601)
    response = refresh(api, refreshed["refresh_token"])
    assert response.status_code == 401 and "expired" in response.json["message"]


def test_refresh_reads_the_account_again(api, admin_headers, people):
    tokens = tokens_of(api, "alice")
    api.patch(
        f"{AUTH}/accounts/alice",
        json={"roles": ["staff"], "beamlines": ["i04"]},
        headers=admin_headers,
    )
    claims = jwt.decode(
        refresh(api, tokens["refresh_token"]).json["access_token"],
        options={"verify_signature": False},
    )
    assert claims["roles"] == ["staff"] and claims["beamlines"] == ["i04"]


def test_disabled_account_cannot_refresh(api, admin_headers, people):
    tokens = tokens_of(api, "alice")
    response = api.patch(f"{AUTH}/accounts/alice", json={"active": False}, headers=admin_headers)
    assert response.status_code == 200
    assert refresh(api, tokens["refresh_token"]).status_code == 401


def test_logout_revokes_the_session(api, people):
    tokens = tokens_of(api, "alice")
    refreshed = refresh(api, tokens["refresh_token"]).json
    response = api.post(f"{AUTH}/logout", json={"refresh_token": refreshed["refresh_token"]})
    assert response.status_code == 204
    assert refresh(api, refreshed["refresh_token"]).status_code == 401
    # Unknown tokens are ignored (nothing to reveal); a missing field is still a 422.
    assert api.post(f"{AUTH}/logout", json={"refresh_token": "nope"}).status_code == 204
    assert api.post(f"{AUTH}/logout", json={}).status_code == 422


def test_admin_revokes_a_persons_sessions(api, admin_headers, people):
    first, second = tokens_of(api, "alice"), tokens_of(api, "alice")
    frank = tokens_of(api, "frank")
    response = api.post(
        f"{AUTH}/refresh-tokens/revoke", json={"subject": "alice"}, headers=admin_headers
    )
    assert response.status_code == 200 and response.json == {"revoked": 2}
    assert refresh(api, first["refresh_token"]).status_code == 401
    assert refresh(api, second["refresh_token"]).status_code == 401
    assert refresh(api, frank["refresh_token"]).status_code == 200
    response = api.post(f"{AUTH}/accounts/frank/revoke-tokens", headers=admin_headers)
    assert response.json == {"revoked": 1}


def test_admin_lists_and_revokes_one_refresh_token(api, admin_headers, people):
    tokens = tokens_of(api, "alice")
    listing = api.get(f"{AUTH}/refresh-tokens?subject=alice", headers=admin_headers).json
    assert listing["total"] == 1
    row = listing["results"][0]
    assert row["state"] == "active" and row["subject"] == "alice" and row["plugin"] == "local"
    assert "tokenHash" not in row and tokens["refresh_token"] not in json.dumps(listing)
    response = api.post(
        f"{AUTH}/refresh-tokens/{row['refreshTokenId']}/revoke", headers=admin_headers
    )
    assert response.status_code == 200 and response.json["state"] == "revoked"
    assert response.json["revokedReason"] == "admin"
    assert refresh(api, tokens["refresh_token"]).status_code == 401
    for missing in (99999, 10**30):
        response = api.post(f"{AUTH}/refresh-tokens/{missing}/revoke", headers=admin_headers)
        assert response.status_code == 404
    bad = api.get(f"{AUTH}/refresh-tokens?tokenHash=x", headers=admin_headers)
    assert bad.status_code == 400 and "tokenHash" in bad.json["details"]


def test_only_admins_revoke(api, alice_headers, people):
    response = api.post(
        f"{AUTH}/refresh-tokens/revoke", json={"subject": "frank"}, headers=alice_headers
    )
    assert response.status_code == 403 and response.json["code"] == "FORBIDDEN"
    assert api.get(f"{AUTH}/refresh-tokens", headers=alice_headers).status_code == 403


def test_refresh_tokens_are_stored_hashed(api, auth_db, people):
    tokens = tokens_of(api, "alice")
    with auth_db.sessionmaker() as session:
        hashes = session.execute(select(RefreshToken.tokenHash)).scalars().all()
    assert tokens["refresh_token"] not in hashes and len(hashes[0]) == 64


def test_dummy_sessions_keep_the_roles_of_their_login(api, auth_app, auth_database_url, idp):
    tokens = login(api, "zoe", plugin="dummy").json
    assert refresh(api, tokens["refresh_token"]).status_code == 200


def test_session_of_a_plugin_no_longer_enabled_cannot_refresh(
    api, auth_app, auth_database_url, idp
):
    from ispyb_auth.app import create_app
    from tests.auth.conftest import auth_config

    tokens = login(api, "zoe", plugin="dummy").json
    config = auth_config(auth_database_url, idp_jwks_url=idp.server.url)
    del config["plugins"]["dummy"]
    without_dummy = create_app(config)
    try:
        response = refresh(without_dummy.test_client(), tokens["refresh_token"])
        assert response.status_code == 401 and "no longer enabled" in response.json["message"]
    finally:
        without_dummy.extensions["ispyb_database"].dispose()


@pytest.mark.parametrize("login_name", sorted(PEOPLE))
def test_every_demo_person_of_the_fixture_can_log_in(api, people, login_name):
    assert me(api, tokens_of(api, login_name)["access_token"]).json["subject"] == login_name


def test_expired_refresh_tokens_are_purged(api, auth_db, people, clock, monkeypatch):
    from ispyb_auth.tokens import service as token_service

    tokens_of(api, "alice")
    clock.advance(3601)
    monkeypatch.setattr(token_service, "_next_purge", 0.0)
    tokens_of(api, "frank")
    with auth_db.sessionmaker() as session:
        subjects = session.execute(select(RefreshToken.subject)).scalars().all()
    assert subjects == ["frank"]
