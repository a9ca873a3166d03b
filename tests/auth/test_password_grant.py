"""The OAuth 2 password grant on /token (RFC 6749 4.3), form-encoded as Swagger UI's
Authorize dialog and OAuth client libraries send it: /login's rules (lockout, purpose,
audit), and a 400 naming each missing or bad form field."""

from __future__ import annotations

import base64
import logging

import jwt
import pytest

from tests.auth.conftest import AUTH, LOCKOUT, bearer

ENVELOPE = {"code", "message", "details", "requestId"}


def password_grant(api, username=None, password=None, headers=None, **more):
    form = {"grant_type": "password", **more}
    if username is not None:
        form["username"] = username
    if password is not None:
        form["password"] = password
    return api.post(f"{AUTH}/token", data=form, headers=headers or {})


def audit_lines(caplog) -> list[dict]:
    return [vars(r) for r in caplog.records if r.name == "ispyb.auth.audit"]


def test_a_good_password_gets_a_persons_tokens(api, people, caplog):
    caplog.set_level(logging.INFO, logger="ispyb.auth.audit")
    response = password_grant(api, "alice", "alice-password")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["token_type"] == "Bearer" and body["access_token"] and body["refresh_token"]
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["sub"] == "alice" and claims["kind"] == "user"
    me = api.get(f"{AUTH}/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200 and me.json["subject"] == "alice"
    [line] = [line for line in audit_lines(caplog) if line.get("event") == "login"]
    assert line["outcome"] == "success" and line["login"] == "alice"


def test_swagger_uis_default_empty_basic_header_is_accepted(api, people):
    # The Authorize dialog sends the (empty) client_id:client_secret as HTTP Basic.
    empty = {"Authorization": "Basic " + base64.b64encode(b":").decode()}
    response = password_grant(api, "alice", "alice-password", headers=empty, client_id="")
    assert response.status_code == 200, response.json
    secret = {"Authorization": "Basic " + base64.b64encode(b"ui:s3cret").decode()}
    refused = password_grant(api, "alice", "alice-password", headers=secret)
    assert refused.status_code == 400 and "Authorization" in refused.json["details"]


def test_a_bad_password_is_401_and_counts_toward_the_lockout(api, people, clock):
    wrong = password_grant(api, "alice", "guess")
    assert wrong.status_code == 401 and set(wrong.json) == ENVELOPE
    assert wrong.json["code"] == "UNAUTHORIZED"
    for _ in range(LOCKOUT["max_failures"] - 1):
        assert password_grant(api, "alice", "guess").status_code == 401
    locked = password_grant(api, "alice", "alice-password")
    assert locked.status_code == 429 and locked.json["code"] == "LOGIN_LOCKED"
    assert "Retry-After" in locked.headers


@pytest.mark.parametrize("missing", ["username", "password"])
def test_a_missing_field_is_a_400_naming_it(api, people, missing):
    fields = {"username": "alice", "password": "alice-password"}
    del fields[missing]
    response = password_grant(api, **fields)
    assert response.status_code == 400 and set(response.json) == ENVELOPE
    assert response.json["code"] == "VALIDATION_ERROR"
    assert list(response.json["details"]) == [missing]


def test_bad_fields_are_400s_naming_each_of_them(api, people):
    response = password_grant(
        api, "alice", "alice-password", scope="core:write", purpose="nothing", extra="x"
    )
    assert response.status_code == 400
    assert set(response.json["details"]) == {"scope", "purpose", "extra"}


def test_the_purpose_and_the_plugin_are_those_of_login(api, people):
    response = password_grant(api, "alice", "alice-password", purpose="compat-java")
    assert response.status_code == 200
    assert response.json["purpose"] == "compat-java" and "refresh_token" not in response.json
    unknown = password_grant(api, "alice", "alice-password", plugin="nope")
    assert unknown.status_code == 422 and "plugin" in unknown.json["details"]


def test_credentials_in_the_url_are_refused(api, people):
    response = api.post(
        f"{AUTH}/token?password=alice-password",
        data={"grant_type": "password", "username": "alice", "password": "alice-password"},
    )
    assert response.status_code == 400 and "password" in response.json["details"]
