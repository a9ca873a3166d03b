"""Tokens minted for one purpose (``purpose: compat-java``, the Java dialect's token in URL
paths): a ``purpose`` claim, ``compat_java_token_seconds`` long, no refresh token, and
read-only in every service (auth's own writes included)."""

from __future__ import annotations

import jwt

from tests.auth.conftest import AUTH, PEOPLE, bearer, login


def java_token(api, username="heidi"):
    answer = login(api, username, PEOPLE[username][0], purpose="compat-java")
    assert answer.status_code == 200, answer.json
    return answer.json


def test_a_purpose_login_mints_a_short_read_only_token_without_refresh(api, people):
    answer = java_token(api)
    assert "refresh_token" not in answer
    assert answer["purpose"] == "compat-java" and answer["expires_in"] == 1800
    claims = jwt.decode(answer["access_token"], options={"verify_signature": False})
    assert claims["purpose"] == "compat-java"
    assert claims["exp"] - claims["iat"] == 1800
    assert claims["sub"] == "heidi" and claims["roles"] == ["staff"]
    assert api.get(f"{AUTH}/me", headers=bearer(answer["access_token"])).status_code == 200


def test_an_ordinary_login_has_no_purpose(api, people):
    answer = login(api, "heidi", PEOPLE["heidi"][0]).json
    claims = jwt.decode(answer["access_token"], options={"verify_signature": False})
    assert "purpose" not in claims and "purpose" not in answer


def test_the_lifetime_is_a_setting(api, auth_app, people):
    config = auth_app.extensions["ispyb_auth"].config
    before = config["compat_java_token_seconds"]
    config["compat_java_token_seconds"] = 120
    try:
        assert java_token(api)["expires_in"] == 120
    finally:
        config["compat_java_token_seconds"] = before


def test_an_unknown_purpose_is_refused_naming_the_field(api, people):
    answer = login(api, "heidi", PEOPLE["heidi"][0], purpose="everything")
    assert answer.status_code == 422
    assert "purpose" in str(answer.json["details"])


def test_auth_refuses_a_write_made_with_it(api, people):
    token = java_token(api, "admin")["access_token"]
    answer = api.post(
        f"{AUTH}/accounts", json={"login": "x", "password": "y"}, headers=bearer(token)
    )
    assert answer.status_code == 403
