"""LDAP logins against a real slapd: search-then-bind, groups mapped to roles/beamlines."""

from __future__ import annotations

import logging

import jwt
import pytest

from tests.auth.conftest import AUTH, LOCKOUT, login


def claims_of(response) -> dict:
    assert response.status_code == 200, response.json
    return jwt.decode(response.json["access_token"], options={"verify_signature": False})


def test_person_logs_in_with_the_directory_password(ldap_api):
    claims = claims_of(login(ldap_api, "lara", "lara-pw", plugin="ldap"))
    assert claims["sub"] == "lara" and claims["name"] == "Lara Lopez"
    assert claims["roles"] == [] and claims["beamlines"] == []  # "unrelated" maps to nothing


def test_groups_map_to_roles_and_beamlines(ldap_api):
    assert claims_of(login(ldap_api, "root", "root-pw", plugin="ldap"))["roles"] == ["admin"]
    sam = claims_of(login(ldap_api, "sam", "sam-pw", plugin="ldap"))
    assert sam["roles"] == ["staff"] and sam["beamlines"] == []
    ivy = claims_of(login(ldap_api, "ivy", "ivy-pw", plugin="ldap"))
    assert ivy["roles"] == ["staff"] and ivy["beamlines"] == ["i03"]


def test_login_is_the_directorys_spelling(ldap_api):
    assert claims_of(login(ldap_api, "IVY", "ivy-pw", plugin="ldap"))["sub"] == "ivy"


def test_anonymous_search_configuration(ldap_api):
    claims = claims_of(login(ldap_api, "ivy", "ivy-pw", plugin="ldap-anonymous"))
    assert claims["roles"] == ["staff"] and claims["beamlines"] == ["i03"]


@pytest.mark.parametrize(
    "username, password",
    [
        ("lara", "wrong-pw"),
        ("nobody", "nobody-pw"),
        ("twin", "twin-pw"),  # two entries match: refused rather than guessing
    ],
)
def test_wrong_credentials_are_401(ldap_api, username, password):
    response = login(ldap_api, username, password, plugin="ldap")
    assert (
        response.status_code == 401 and response.json["message"] == "Invalid username or password."
    )


def test_empty_password_is_never_an_anonymous_success(ldap_api):
    response = login(ldap_api, "lara", "", plugin="ldap")
    assert response.status_code == 422 and "password" in response.json["details"]
    response = login(ldap_api, "lara", " ", plugin="ldap")
    assert response.status_code == 401


@pytest.mark.parametrize("username", ["*", "lar*", "lara)(uid=*", "*)(|(uid=*", "lara\\2a"])
def test_filter_injection_matches_nobody(ldap_api, username):
    # With a wildcard unescaped, "lar*" with lara's password would log in as lara.
    response = login(ldap_api, username, "lara-pw", plugin="ldap")
    assert response.status_code == 401


def test_search_account_refused_is_503(ldap_api, caplog):
    caplog.set_level(logging.INFO)
    response = login(ldap_api, "lara", "lara-pw", plugin="ldap-bad-search-account")
    assert response.status_code == 503 and response.json["code"] == "SERVICE_UNAVAILABLE"
    assert "wrong-reader-password" not in caplog.text + response.get_data(as_text=True)


def test_directory_down_is_503(ldap_api):
    response = login(ldap_api, "lara", "lara-pw", plugin="ldap-down")
    assert response.status_code == 503
    assert response.json["message"] == "The directory is unreachable."


def test_ldap_logins_are_throttled_too(ldap_api):
    for _ in range(LOCKOUT["max_failures"]):
        assert login(ldap_api, "lara", "guess", plugin="ldap").status_code == 401
    response = login(ldap_api, "lara", "lara-pw", plugin="ldap")
    assert response.status_code == 429
    # Per plugin: the same name with another plugin is another login name.
    assert login(ldap_api, "lara", "guess", plugin="ldap-anonymous").status_code == 401


def test_ldap_session_refreshes_with_its_login_roles(ldap_api):
    tokens = login(ldap_api, "ivy", "ivy-pw", plugin="ldap").json
    response = ldap_api.post(
        f"{AUTH}/token/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    claims = claims_of(response)
    assert claims["sub"] == "ivy" and claims["beamlines"] == ["i03"]


def test_audit_lines_do_not_hold_the_password(ldap_api, caplog):
    caplog.set_level(logging.INFO)
    login(ldap_api, "lara", "lara-pw", plugin="ldap")
    login(ldap_api, "lara", "not-laras-pw", plugin="ldap")
    outcomes = [(r.login, r.outcome) for r in caplog.records if r.name == "ispyb.auth.audit"]
    assert outcomes == [("lara", "success"), ("lara", "failed")]
    assert "lara-pw" not in caplog.text and "not-laras-pw" not in caplog.text
