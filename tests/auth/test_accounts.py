"""Admins manage local accounts through the API; nobody ever sees a password hash."""

from __future__ import annotations

import io
import json
import sys

import pytest

from tests.auth.conftest import AUTH, bearer, login, tokens_of
from tests.support.checks import names_field


def test_admin_creates_an_account_that_can_log_in(api, admin_headers):
    response = api.post(
        f"{AUTH}/accounts",
        json={
            "login": "ivan",
            "password": "ivan-password",
            "displayName": "Ivan Ivanov",
            "roles": ["staff"],
            "beamlines": ["i04", "i03"],
        },
        headers=admin_headers,
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["login"] == "ivan" and body["roles"] == ["staff"]
    assert body["beamlines"] == ["i03", "i04"] and body["active"] is True
    assert body["hasPassword"] is True
    assert "passwordHash" not in body and "password" not in body
    assert login(api, "ivan", "ivan-password").status_code == 200


def test_accounts_are_listed_and_read_without_hashes(api, admin_headers, people):
    listing = api.get(f"{AUTH}/accounts?sort=login", headers=admin_headers)
    assert listing.status_code == 200
    assert [row["login"] for row in listing.json["results"]] == ["admin", "alice", "frank", "heidi"]
    text = listing.get_data(as_text=True) + api.get(
        f"{AUTH}/accounts/heidi", headers=admin_headers
    ).get_data(as_text=True)
    assert "argon2" not in text and "passwordHash" not in text
    staff = api.get(f"{AUTH}/accounts?roles.contains=staff", headers=admin_headers).json
    assert {row["login"] for row in staff["results"]} == {"frank", "heidi"}
    assert api.get(f"{AUTH}/accounts/HEIDI", headers=admin_headers).json["login"] == "heidi"


def test_admin_resets_a_password(api, admin_headers, people):
    response = api.patch(
        f"{AUTH}/accounts/alice", json={"password": "brand-new-password"}, headers=admin_headers
    )
    assert response.status_code == 200 and response.json["passwordChangedAt"]
    assert login(api, "alice", "alice-password").status_code == 401
    assert login(api, "alice", "brand-new-password").status_code == 200


def test_deactivating_revokes_refresh_tokens_and_blocks_login(api, admin_headers, people):
    tokens = tokens_of(api, "alice")
    api.patch(f"{AUTH}/accounts/alice", json={"active": False}, headers=admin_headers)
    refreshed = api.post(f"{AUTH}/token/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 401
    assert login(api, "alice", "alice-password").status_code == 401
    api.patch(f"{AUTH}/accounts/alice", json={"active": True}, headers=admin_headers)
    assert login(api, "alice", "alice-password").status_code == 200


def test_delete_account(api, admin_headers, people):
    tokens = tokens_of(api, "alice")
    assert api.delete(f"{AUTH}/accounts/alice", headers=admin_headers).status_code == 204
    assert api.get(f"{AUTH}/accounts/alice", headers=admin_headers).status_code == 404
    refreshed = api.post(f"{AUTH}/token/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 401


@pytest.mark.parametrize(
    "body, field",
    [
        ({"password": "long-enough"}, "login"),
        ({"login": "newbie"}, "password"),
        ({"login": "new bie", "password": "long-enough"}, "login"),
        ({"login": "x" * 46, "password": "long-enough"}, "login"),
        ({"login": "newbie", "password": "short"}, "password"),
        ({"login": "newbie", "password": "long-enough", "roles": ["root"]}, "roles"),
        ({"login": "newbie", "password": "long-enough", "roles": "admin"}, "roles"),
        ({"login": "newbie", "password": "long-enough", "beamlines": ["i03"]}, "beamlines"),
        (
            {
                "login": "newbie",
                "password": "long-enough",
                "roles": ["staff"],
                "beamlines": ["a b"],
            },
            "beamlines",
        ),
        (
            {"login": "newbie", "password": "long-enough", "passwordHash": "$argon2id$"},
            "passwordHash",
        ),
        ({"login": "newbie", "password": "long-enough", "active": "maybe"}, "active"),
    ],
)
def test_bad_account_bodies_are_422_naming_the_field(api, admin_headers, body, field):
    response = api.post(f"{AUTH}/accounts", json=body, headers=admin_headers)
    assert response.status_code == 422, response.json
    assert names_field(response.json["details"], field)


def test_duplicate_login_is_409_ignoring_case(api, admin_headers, people):
    response = api.post(
        f"{AUTH}/accounts",
        json={"login": "Alice", "password": "long-enough"},
        headers=admin_headers,
    )
    assert response.status_code == 409 and "login" in response.json["details"]


def test_update_refuses_login_changes_and_unknown_fields(api, admin_headers, people):
    for body, field in (
        ({"login": "alicia"}, "login"),
        ({"roles": ["overlord"]}, "roles"),
        ({"beamlines": ["i03"]}, "beamlines"),  # alice is not staff
    ):
        response = api.patch(f"{AUTH}/accounts/alice", json=body, headers=admin_headers)
        assert response.status_code == 422 and names_field(response.json["details"], field), body
    assert api.patch(f"{AUTH}/accounts/nobody", json={}, headers=admin_headers).status_code == 404


def test_accounts_need_an_admin(api, people):
    alice = bearer(tokens_of(api, "alice")["access_token"])
    frank = bearer(tokens_of(api, "frank")["access_token"])
    for headers in (alice, frank):
        assert api.get(f"{AUTH}/accounts", headers=headers).status_code == 403
        response = api.post(
            f"{AUTH}/accounts", json={"login": "x1", "password": "long-enough"}, headers=headers
        )
        assert response.status_code == 403
        assert (
            api.patch(
                f"{AUTH}/accounts/alice", json={"roles": ["admin"]}, headers=headers
            ).status_code
            == 403
        )
    assert api.get(f"{AUTH}/accounts").status_code == 401


def test_create_admin_command(auth_app, auth_database_url, monkeypatch, capsys, api):
    from ispyb_auth.__main__ import main

    monkeypatch.setenv("ISPYB_AUTH__DATABASE__URL", auth_database_url)
    monkeypatch.setattr(sys, "stdin", io.StringIO("first-admin-password\n"))
    assert main(["create-admin", "root"]) == 0
    assert "admin root created" in capsys.readouterr().out
    response = login(api, "root", "first-admin-password")
    assert response.status_code == 200
    me = api.get(f"{AUTH}/me", headers=bearer(response.json["access_token"])).json
    assert me["roles"] == ["admin"]
    # Run again: repairs the account (new password, admin, active) instead of failing.
    monkeypatch.setattr(sys, "stdin", io.StringIO("second-admin-password\n"))
    assert main(["create-admin", "root"]) == 0
    assert "admin root updated" in capsys.readouterr().out
    assert login(api, "root", "second-admin-password").status_code == 200
    assert "first-admin-password" not in json.dumps(me)
