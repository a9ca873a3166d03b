"""Logging in with local accounts: argon2id hashes, bad input, lockout, audit lines."""

from __future__ import annotations

import json
import logging

import jwt
import pytest
from sqlalchemy import select

from ispyb_auth.accounts.models import Account
from ispyb_auth.logins.models import LoginThrottle
from tests.auth.conftest import AUTH, LOCKOUT, add_account, bearer, login


def test_login_returns_tokens_for_the_account(api, people):
    response = login(api, "frank", "frank-password")
    assert response.status_code == 200
    body = response.json
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert body["refresh_expires_in"] == 3600 and body["scope"] == ""
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["sub"] == "frank" and claims["kind"] == "user"
    assert claims["roles"] == ["staff"] and claims["beamlines"] == []


def test_login_name_ignores_case(api, people):
    response = login(api, "FRANK", "frank-password")
    assert response.status_code == 200
    claims = jwt.decode(response.json["access_token"], options={"verify_signature": False})
    assert claims["sub"] == "frank"


def test_passwords_are_stored_as_argon2id(auth_db, people):
    with auth_db.sessionmaker() as session:
        stored = session.execute(select(Account.passwordHash)).scalars().all()
    assert stored and all(value.startswith("$argon2id$") for value in stored)
    assert not any("password" in value for value in stored)


@pytest.mark.parametrize(
    "username, password",
    [("alice", "wrong"), ("nobody", "alice-password"), ("alice", "ALICE-PASSWORD")],
)
def test_wrong_credentials_are_401_without_saying_which_part(api, people, username, password):
    response = login(api, username, password)
    assert response.status_code == 401
    assert response.json["code"] == "UNAUTHORIZED"
    assert response.json["message"] == "Invalid username or password."


def test_disabled_account_cannot_log_in(api, auth_app):
    add_account(auth_app, "gone", "gone-password", active=False)
    response = login(api, "gone", "gone-password")
    assert response.status_code == 401 and "disabled" in response.json["message"]
    # The wrong password does not reveal that the account is disabled.
    assert login(api, "gone", "x").json["message"] == "Invalid username or password."


@pytest.mark.parametrize(
    "body, field",
    [
        ({"username": "alice", "password": "x"}, "plugin"),
        ({"plugin": "local", "password": "x"}, "username"),
        ({"plugin": "local", "username": "alice"}, "password"),
        ({"plugin": "local", "username": "alice", "password": ""}, "password"),
        ({"plugin": "ldap-nowhere", "username": "a", "password": "b"}, "plugin"),
        ({"plugin": "keycloak", "username": "alice", "password": "x"}, "token"),
        ({"plugin": "local", "username": "alice", "password": "x", "otp": "1"}, "otp"),
        ({"plugin": "local", "username": 5, "password": "x"}, "username"),
        ({"plugin": "local", "username": "a\nb", "password": "x"}, "username"),
        ({"plugin": "local", "username": "a" * 300, "password": "x"}, "username"),
        ({"plugin": "local", "username": "a", "password": "x" * 2000}, "password"),
    ],
)
def test_bad_login_bodies_are_422_naming_the_field(api, body, field):
    response = api.post(f"{AUTH}/login", json=body)
    assert response.status_code == 422, response.json
    assert response.json["code"] == "VALIDATION_ERROR"
    assert field in response.json["details"]


def test_login_body_must_be_json(api):
    response = api.post(f"{AUTH}/login", data={"plugin": "local", "username": "a"})
    assert response.status_code == 415
    response = api.post(f"{AUTH}/login", data="{", content_type="application/json")
    assert response.status_code == 400
    response = api.post(f"{AUTH}/login", json=["local"])
    assert response.status_code == 422


def test_credentials_in_the_url_are_refused(api, people):
    response = api.post(
        f"{AUTH}/login?password=alice-password",
        json={"plugin": "local", "username": "alice", "password": "alice-password"},
    )
    assert response.status_code == 400
    assert response.json["code"] == "INVALID_PARAMETER" and "password" in response.json["details"]


# --- lockout --------------------------------------------------------------------------------


def test_repeated_failures_lock_the_login_name_for_a_while(api, people, clock):
    for _ in range(LOCKOUT["max_failures"]):
        assert login(api, "alice", "guess").status_code == 401
    # Locked: even the right password is refused, without being checked.
    locked = login(api, "alice", "alice-password")
    assert locked.status_code == 429
    assert locked.json["code"] == "LOGIN_LOCKED"
    assert int(locked.headers["Retry-After"]) == LOCKOUT["lock_seconds"]
    assert locked.json["details"] == {"retryAfterSeconds": LOCKOUT["lock_seconds"]}
    clock.advance(LOCKOUT["lock_seconds"] - 10)
    assert login(api, "alice", "alice-password").status_code == 429
    clock.advance(11)
    assert login(api, "alice", "alice-password").status_code == 200


def test_lock_is_per_login_name(api, people):
    for _ in range(LOCKOUT["max_failures"]):
        login(api, "alice", "guess")
    assert login(api, "frank", "frank-password").status_code == 200


def test_failures_outside_the_window_do_not_add_up(api, people, clock):
    for _ in range(LOCKOUT["max_failures"] - 1):
        login(api, "alice", "guess")
    clock.advance(LOCKOUT["window_seconds"] + 1)
    for _ in range(LOCKOUT["max_failures"] - 1):
        login(api, "alice", "guess")
    assert login(api, "alice", "alice-password").status_code == 200


def test_a_success_clears_the_failures(api, people):
    for _ in range(LOCKOUT["max_failures"] - 1):
        login(api, "alice", "guess")
    assert login(api, "alice", "alice-password").status_code == 200
    for _ in range(LOCKOUT["max_failures"] - 1):
        login(api, "alice", "guess")
    assert login(api, "alice", "alice-password").status_code == 200


def test_unknown_names_lock_like_accounts_so_locks_reveal_nothing(api, people):
    for _ in range(LOCKOUT["max_failures"]):
        login(api, "nobody", "guess")
    assert login(api, "nobody", "guess").status_code == 429
    for _ in range(LOCKOUT["max_failures"]):
        login(api, "ALICE", "guess")  # case does not dodge the count
    assert login(api, "alice", "alice-password").status_code == 429


def test_throttle_rows_are_forgotten_once_over(api, auth_db, people, clock):
    login(api, "alice", "guess")
    clock.advance(LOCKOUT["window_seconds"] + 1)
    login(api, "frank", "guess")
    with auth_db.sessionmaker() as session:
        rows = session.execute(select(LoginThrottle.login, LoginThrottle.source)).all()
    # frank's count for this source and for unknown sources; alice's are gone.
    assert sorted(rows) == [("frank", "*"), ("frank", "127.0.0.1")]


# --- hashing details ------------------------------------------------------------------------


def test_old_hash_settings_are_upgraded_at_login(api, auth_app, auth_db):
    from ispyb_auth.passwords import PasswordHasher

    weak = PasswordHasher({"time_cost": 1, "memory_cost_kib": 16, "parallelism": 2})
    add_account(auth_app, "olga", "olga-password")
    with auth_db.sessionmaker() as session, session.begin():
        account = session.execute(select(Account).filter_by(login="olga")).scalar_one()
        account.passwordHash = weak.hash("olga-password")
        old_hash = account.passwordHash
    assert login(api, "olga", "olga-password").status_code == 200
    with auth_db.sessionmaker() as session:
        account = session.execute(select(Account).filter_by(login="olga")).scalar_one()
    assert account.passwordHash != old_hash and "m=8,t=1,p=1" in account.passwordHash
    assert account.lastLoginAt is not None
    assert login(api, "olga", "olga-password").status_code == 200


# --- audit ----------------------------------------------------------------------------------


def audit_lines(caplog) -> list[dict]:
    return [
        {"message": r.getMessage(), **{k: v for k, v in vars(r).items() if not k.startswith("_")}}
        for r in caplog.records
        if r.name == "ispyb.auth.audit"
    ]


def test_every_attempt_is_audited_without_secrets(api, people, caplog):
    caplog.set_level(logging.INFO)
    ok = login(api, "alice", "alice-password")
    login(api, "alice", "not-her-password")
    login(api, "nobody", "whatever-pw")
    lines = audit_lines(caplog)
    outcomes = [(line["login"], line["outcome"], line["plugin"]) for line in lines]
    assert outcomes == [
        ("alice", "success", "local"),
        ("alice", "failed", "local"),
        ("nobody", "failed", "local"),
    ]
    assert all(line["clientIp"] == "127.0.0.1" for line in lines)
    everything = caplog.text + json.dumps([str(r.__dict__) for r in caplog.records])
    for secret in (
        "alice-password",
        "not-her-password",
        "whatever-pw",
        ok.json["access_token"],
        ok.json["refresh_token"],
        "$argon2id$",
    ):
        assert secret not in everything


def test_no_secret_in_any_error_body(api, people):
    responses = [
        login(api, "alice", "not-her-password"),
        login(api, "nobody", "x-secret-x"),
        api.post(f"{AUTH}/login", json={"plugin": "local", "username": "a", "password": 5}),
        api.post(f"{AUTH}/token/refresh", json={"refresh_token": "guessed-refresh-token"}),
    ]
    for response in responses:
        text = response.get_data(as_text=True)
        for secret in ("not-her-password", "x-secret-x", "guessed-refresh-token", "$argon2"):
            assert secret not in text


def test_login_with_the_token_from_login(api, people):
    tokens = login(api, "heidi", "heidi-password").json
    me = api.get(f"{AUTH}/me", headers=bearer(tokens["access_token"])).json
    assert me["subject"] == "heidi" and me["beamlines"] == ["i03"] and me["roles"] == ["staff"]
    assert me["name"] is None
