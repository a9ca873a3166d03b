"""Auth under abuse (docs/auth.md, "Abuse protection"): per-address throttling in the
service itself, lockout per login name and source that a stranger cannot turn against a
person, a slow-down (not a lock) for unknown sources, X-Forwarded-For believed only from
trusted proxies, credentials in URLs refused."""

from __future__ import annotations

import logging

import pytest

from tests.auth.conftest import AUTH, LOCKOUT, auth_config, empty_auth_tables, login

ATTACKER = "203.0.113.66"
ACCOMPLICE = "203.0.113.67"
ALICE_AT_HOME = "198.51.100.10"
ALICE_ON_TRAVEL = "192.0.2.44"
GATEWAY = "10.0.3.7"


def login_from(api, address: str, username: str, password: str, **headers):
    return api.post(
        f"{AUTH}/login",
        json={"plugin": "local", "username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
        headers=headers,
    )


def audit_lines(caplog) -> list[dict]:
    return [vars(r) for r in caplog.records if r.name == "ispyb.auth.audit"]


# --- per address -----------------------------------------------------------------------------


def test_one_address_spraying_one_password_over_many_names_is_blocked(api, people, clock):
    limit = 20  # address_throttle.max_failures (default)
    for n in range(limit):
        response = login_from(api, ATTACKER, f"user{n}", "Summer2026!")
        assert response.status_code == 401, n
    blocked = login_from(api, ATTACKER, "user-next", "Summer2026!")
    assert blocked.status_code == 429
    assert blocked.json["code"] == "RATE_LIMITED"
    assert int(blocked.headers["Retry-After"]) == 600
    assert blocked.json["details"] == {"retryAfterSeconds": 600}
    # Refused without a check: the right password from there does not get in either...
    assert login_from(api, ATTACKER, "alice", "alice-password").status_code == 429
    # ...while everyone elsewhere is served.
    assert login_from(api, ALICE_AT_HOME, "alice", "alice-password").status_code == 200
    clock.advance(601)
    assert login_from(api, ATTACKER, "alice", "alice-password").status_code == 200


def test_failed_client_tokens_and_refreshes_count_for_the_address(api, people):
    for n in range(10):
        response = api.post(
            f"{AUTH}/token",
            json={"client_id": f"robot{n}", "client_secret": "guessed-secret"},
            environ_base={"REMOTE_ADDR": ATTACKER},
        )
        assert response.status_code == 401
        response = api.post(
            f"{AUTH}/token/refresh",
            json={"refresh_token": f"guessed-refresh-token-{n}"},
            environ_base={"REMOTE_ADDR": ATTACKER},
        )
        assert response.status_code == 401
    for path, body in (
        ("/token", {"client_id": "robot", "client_secret": "guessed-secret"}),
        ("/token/refresh", {"refresh_token": "guessed-refresh-token"}),
        ("/login", {"plugin": "local", "username": "alice", "password": "alice-password"}),
    ):
        response = api.post(f"{AUTH}{path}", json=body, environ_base={"REMOTE_ADDR": ATTACKER})
        assert response.status_code == 429 and response.json["code"] == "RATE_LIMITED", path


def test_ipv6_sources_count_by_64_network(api, people):
    for n in range(20):
        login_from(api, f"2001:db8:1:2::{n + 1:x}", f"user{n}", "Summer2026!")
    # Another address of the same /64 (a host has them all) is the same source...
    assert login_from(api, "2001:db8:1:2::ffff", "alice", "alice-password").status_code == 429
    # ...another /64 is not.
    assert login_from(api, "2001:db8:1:3::1", "alice", "alice-password").status_code == 200


# --- per login name and source ----------------------------------------------------------------


def test_a_stranger_cannot_lock_a_person_out(api, people):
    assert login_from(api, ALICE_AT_HOME, "alice", "alice-password").status_code == 200
    for _ in range(LOCKOUT["max_failures"]):
        assert login_from(api, ATTACKER, "alice", "guess").status_code == 401
    # The stranger locked the name for themselves only.
    locked = login_from(api, ATTACKER, "alice", "alice-password")
    assert locked.status_code == 429 and locked.json["code"] == "LOGIN_LOCKED"
    assert int(locked.headers["Retry-After"]) == LOCKOUT["lock_seconds"]
    # Alice, from where she logged in before, is not affected at all.
    assert login_from(api, ALICE_AT_HOME, "alice", "alice-password").status_code == 200


def test_a_person_who_mistypes_locks_only_their_own_source(api, people):
    for _ in range(LOCKOUT["max_failures"]):
        login_from(api, ALICE_AT_HOME, "alice", "typo")
    assert login_from(api, ALICE_AT_HOME, "alice", "alice-password").status_code == 429
    assert login_from(api, ALICE_ON_TRAVEL, "alice", "alice-password").status_code == 200


def test_unknown_sources_are_slowed_down_not_locked(api, people, clock, caplog):
    caplog.set_level(logging.INFO)
    # A guesser with many addresses, each stopping before its own lock.
    attackers = [f"203.0.113.{n}" for n in range(1, 40)]
    for address in attackers[: LOCKOUT["max_failures"]]:
        assert login_from(api, address, "alice", "guess").status_code == 401
    # From now on, unknown sources share one attempt at a time for this name.
    waits = []
    for address in attackers[LOCKOUT["max_failures"] :]:
        first = login_from(api, address, "alice", "guess")
        assert first.status_code == 401  # the slot was free: checked, failed
        second = login_from(api, ACCOMPLICE, "alice", "guess")
        assert second.status_code == 429 and second.json["code"] == "LOGIN_LOCKED"
        wait = int(second.headers["Retry-After"])
        waits.append(wait)
        clock.advance(wait)
    # The wait doubles with each failure and stops growing at slowdown_max_seconds.
    assert waits[:6] == [1, 2, 4, 8, 16, 32]
    assert max(waits) == LOCKOUT["slowdown_max_seconds"] == waits[-1]
    assert "slowed-down" in {line["outcome"] for line in audit_lines(caplog)}
    # Alice on travel (an unknown source too) is slowed down, never locked out: after the
    # wait, her right password is checked and lets her in.
    assert login_from(api, "203.0.113.200", "alice", "guess").status_code == 401
    slowed = login_from(api, ALICE_ON_TRAVEL, "alice", "alice-password")
    assert slowed.status_code == 429
    clock.advance(int(slowed.headers["Retry-After"]))
    assert login_from(api, ALICE_ON_TRAVEL, "alice", "alice-password").status_code == 200
    # Her new place is known from now on: no wait there any more.
    assert login_from(api, ALICE_ON_TRAVEL, "alice", "alice-password").status_code == 200


def test_known_sources_are_never_slowed_down(api, people):
    assert login_from(api, ALICE_AT_HOME, "alice", "alice-password").status_code == 200
    for n in range(LOCKOUT["max_failures"] + 3):
        login_from(api, f"203.0.113.{n + 1}", "alice", "guess")
    assert login_from(api, ACCOMPLICE, "alice", "alice-password").status_code == 429
    assert login_from(api, ALICE_AT_HOME, "alice", "alice-password").status_code == 200


def test_a_source_is_forgotten_after_known_source_days(api, people, clock):
    assert login_from(api, ALICE_AT_HOME, "alice", "alice-password").status_code == 200
    clock.advance(LOCKOUT["known_source_days"] * 86400 + 1)
    for n in range(LOCKOUT["max_failures"]):
        login_from(api, f"203.0.113.{n + 1}", "alice", "guess")
    login_from(api, ACCOMPLICE, "alice", "guess")  # takes the slot
    assert login_from(api, ALICE_AT_HOME, "alice", "alice-password").status_code == 429


@pytest.mark.parametrize("plugin", ["dummy"])
def test_the_dummy_plugin_is_only_in_test_configurations(api, plugin):
    # The test app allows it (allow_dummy_login); test_config.py proves the shipped files
    # do not, and tests/e2e/test_make_run.py that `make run` serves no dummy login.
    assert login(api, "whoever", plugin=plugin).status_code == 200


# --- X-Forwarded-For --------------------------------------------------------------------------


def test_x_forwarded_for_is_ignored_from_untrusted_peers(api, people, caplog):
    caplog.set_level(logging.INFO)
    for _ in range(LOCKOUT["max_failures"]):
        login_from(api, ATTACKER, "alice", "guess", **{"X-Forwarded-For": "198.51.100.99"})
    [*_, last] = audit_lines(caplog)
    assert last["clientIp"] == ATTACKER
    # A spoofed header does not dodge the count of the real address.
    spoofed = login_from(api, ATTACKER, "alice", "guess", **{"X-Forwarded-For": "192.0.2.1"})
    assert spoofed.status_code == 429


@pytest.fixture
def behind_gateway(auth_database_url, auth_app, idp):
    """Auth configured to trust the gateway's address."""
    from ispyb_auth.app import create_app

    config = auth_config(auth_database_url, idp_jwks_url=idp.server.url)
    config["api"] = {"trusted_proxies": [GATEWAY, "10.9.0.0/16"]}
    app = create_app(config)
    empty_auth_tables(app)
    yield app.test_client()
    app.extensions["ispyb_database"].dispose()


def test_x_forwarded_for_from_a_trusted_proxy_names_the_client(behind_gateway, people, caplog):
    caplog.set_level(logging.INFO)
    api = behind_gateway
    # The client wrote a header of its own; the gateway appended the address it saw.
    forwarded = {"X-Forwarded-For": f"6.6.6.6, {ATTACKER}"}
    for _ in range(LOCKOUT["max_failures"]):
        login_from(api, GATEWAY, "alice", "guess", **forwarded)
    lines = audit_lines(caplog)
    assert {line["clientIp"] for line in lines} == {ATTACKER}
    # The lock is the attacker's, not the gateway's: others behind the gateway get in.
    assert login_from(api, GATEWAY, "alice", "alice-password", **forwarded).status_code == 429
    others = {"X-Forwarded-For": ALICE_AT_HOME}
    assert login_from(api, GATEWAY, "alice", "alice-password", **others).status_code == 200
    # A chain of trusted proxies is walked from the right.
    chained = {"X-Forwarded-For": f"{ALICE_ON_TRAVEL}, 10.9.1.2"}
    assert login_from(api, GATEWAY, "frank", "frank-password", **chained).status_code == 200
    assert audit_lines(caplog)[-1]["clientIp"] == ALICE_ON_TRAVEL


# --- credentials in URLs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, query",
    [
        ("/login", "password=alice-password"),
        ("/login", "username=alice&password=alice-password"),
        ("/login", "access_token=eyJhbGciOi.x.y"),
        ("/token", "client_secret=s3cr3t-value"),
        ("/token", "client_id=robot&client_secret=s3cr3t-value"),
        ("/token/refresh", "refresh_token=r3fr3sh-value"),
        ("/logout", "refresh_token=r3fr3sh-value"),
    ],
)
def test_credentials_in_the_query_string_are_a_clear_400(api, people, path, query):
    response = api.post(f"{AUTH}{path}?{query}", json={})
    assert response.status_code == 400
    body = response.json
    assert body["code"] == "INVALID_PARAMETER"
    assert "must not be sent in the URL" in body["message"]
    credential = query.split("&")[-1].split("=")[0]
    assert body["details"][credential] == ["A credential in the URL: not allowed."]
    assert "value" not in response.get_data(as_text=True)
    assert "alice-password" not in response.get_data(as_text=True)
