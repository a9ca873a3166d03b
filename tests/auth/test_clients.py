"""Machine clients: client credentials, narrow scopes, secrets shown once and kept hashed."""

from __future__ import annotations

import base64

import jwt
import pytest
from sqlalchemy import select

from ispyb_auth.clients.models import Client
from tests.auth.conftest import AUTH, bearer


def create_client(api, headers, client_id="autoproc-i03", scopes=("core:processing:write",)):
    response = api.post(
        f"{AUTH}/clients",
        json={"clientId": client_id, "description": "Auto-processing", "scopes": list(scopes)},
        headers=headers,
    )
    assert response.status_code == 201, response.json
    return response.json


def client_token(api, client_id, secret, scope=None, **kwargs):
    body = {"client_id": client_id, "client_secret": secret}
    if scope is not None:
        body["scope"] = scope
    return api.post(f"{AUTH}/token", json=body, **kwargs)


def test_client_gets_a_token_with_its_scopes(api, admin_headers):
    created = create_client(api, admin_headers, scopes=["core:processing:write", "em:write"])
    response = client_token(api, "autoproc-i03", created["clientSecret"])
    assert response.status_code == 200
    body = response.json
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert body["scope"] == "core:processing:write em:write" and "refresh_token" not in body
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["sub"] == "autoproc-i03" and claims["kind"] == "client"
    assert claims["roles"] == [] and claims["beamlines"] == []
    assert claims["scope"] == "core:processing:write em:write"
    me = api.get(f"{AUTH}/me", headers=bearer(body["access_token"])).json
    assert me["kind"] == "client" and me["permissions"] == ["core:processing:write", "em:write"]


def test_client_may_ask_for_a_subset_never_more(api, admin_headers):
    secret = create_client(api, admin_headers, scopes=["core:processing:write", "em:write"])[
        "clientSecret"
    ]
    narrow = client_token(api, "autoproc-i03", secret, scope="em:write")
    assert narrow.status_code == 200 and narrow.json["scope"] == "em:write"
    more = client_token(api, "autoproc-i03", secret, scope="em:write core:sync:write")
    assert more.status_code == 403 and more.json["code"] == "FORBIDDEN"
    assert "core:sync:write" in more.json["details"]["scope"][0]


def test_client_tokens_cannot_administer(api, admin_headers):
    secret = create_client(api, admin_headers)["clientSecret"]
    token = client_token(api, "autoproc-i03", secret).json["access_token"]
    for path in ("/accounts", "/clients", "/keys", "/refresh-tokens"):
        assert api.get(f"{AUTH}{path}", headers=bearer(token)).status_code == 403


def test_form_encoded_oauth_request_works(api, admin_headers):
    secret = create_client(api, admin_headers)["clientSecret"]
    response = api.post(
        f"{AUTH}/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "autoproc-i03",
            "client_secret": secret,
        },
    )
    assert response.status_code == 200
    # The password grant (tests/auth/test_password_grant.py) wants a person's fields.
    wrong_grant = api.post(
        f"{AUTH}/token",
        data={"grant_type": "password", "client_id": "autoproc-i03", "client_secret": secret},
    )
    assert wrong_grant.status_code == 400
    assert set(wrong_grant.json["details"]) == {"username", "password", "client_secret"}
    unknown_grant = api.post(
        f"{AUTH}/token",
        data={"grant_type": "implicit", "client_id": "autoproc-i03", "client_secret": secret},
    )
    assert unknown_grant.status_code == 400 and "grant_type" in unknown_grant.json["details"]


def test_client_credentials_in_an_http_basic_header(api, admin_headers):
    # RFC 6749 2.3.1, what Swagger UI's Authorize dialog sends by default.
    secret = create_client(api, admin_headers)["clientSecret"]
    basic = base64.b64encode(f"autoproc-i03:{secret}".encode()).decode()
    response = api.post(
        f"{AUTH}/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200 and response.json["scope"] == "core:processing:write"
    twice = api.post(
        f"{AUTH}/token",
        data={"grant_type": "client_credentials", "client_id": "autoproc-i03"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert twice.status_code == 400 and "Authorization" in twice.json["details"]


@pytest.mark.parametrize(
    "client_id, secret", [("autoproc-i03", "wrong"), ("no-such-client", "whatever")]
)
def test_wrong_client_credentials_are_401(api, admin_headers, client_id, secret):
    create_client(api, admin_headers)
    response = client_token(api, client_id, secret)
    assert response.status_code == 401 and response.json["message"] == "Invalid client credentials."


def test_credentials_never_in_the_url(api, admin_headers):
    secret = create_client(api, admin_headers)["clientSecret"]
    response = api.post(
        f"{AUTH}/token?client_secret={secret}",
        json={"client_id": "autoproc-i03", "client_secret": secret},
    )
    assert response.status_code == 400 and secret not in response.get_data(as_text=True)


def test_secret_is_shown_once_and_stored_hashed(api, admin_headers, auth_db):
    created = create_client(api, admin_headers)
    secret = created["clientSecret"]
    assert len(secret) >= 40
    for response in (
        api.get(f"{AUTH}/clients", headers=admin_headers),
        api.get(f"{AUTH}/clients/autoproc-i03", headers=admin_headers),
    ):
        text = response.get_data(as_text=True)
        assert secret not in text and "secretHash" not in text and "clientSecret" not in text
    with auth_db.sessionmaker() as session:
        stored = session.execute(select(Client.secretHash)).scalar_one()
    assert secret not in stored and len(stored) == 64


def test_disabled_client_gets_no_token(api, admin_headers):
    secret = create_client(api, admin_headers)["clientSecret"]
    response = api.patch(
        f"{AUTH}/clients/autoproc-i03", json={"active": False}, headers=admin_headers
    )
    assert response.status_code == 200 and response.json["active"] is False
    assert client_token(api, "autoproc-i03", secret).status_code == 401


def test_admin_changes_scopes(api, admin_headers):
    secret = create_client(api, admin_headers)["clientSecret"]
    response = api.patch(
        f"{AUTH}/clients/autoproc-i03", json={"scopes": ["ssx:write"]}, headers=admin_headers
    )
    assert response.status_code == 200 and response.json["scopes"] == ["ssx:write"]
    assert client_token(api, "autoproc-i03", secret).json["scope"] == "ssx:write"


def test_new_secret_replaces_the_old_one(api, admin_headers):
    old = create_client(api, admin_headers)["clientSecret"]
    response = api.post(f"{AUTH}/clients/autoproc-i03/secret", headers=admin_headers)
    new = response.json["clientSecret"]
    assert new != old
    assert client_token(api, "autoproc-i03", old).status_code == 401
    assert client_token(api, "autoproc-i03", new).status_code == 200


def test_delete_client(api, admin_headers):
    secret = create_client(api, admin_headers)["clientSecret"]
    assert api.delete(f"{AUTH}/clients/autoproc-i03", headers=admin_headers).status_code == 204
    assert client_token(api, "autoproc-i03", secret).status_code == 401
    assert api.get(f"{AUTH}/clients/autoproc-i03", headers=admin_headers).status_code == 404


@pytest.mark.parametrize(
    "body, field",
    [
        ({"clientId": "x", "scopes": ["em:write"]}, "clientId"),
        ({"clientId": "Has Spaces", "scopes": ["em:write"]}, "clientId"),
        ({"clientId": "pipeline", "scopes": []}, "scopes"),
        ({"clientId": "pipeline"}, "scopes"),
        ({"clientId": "pipeline", "scopes": ["everything:*"]}, "scopes"),
        ({"clientId": "pipeline", "scopes": ["em:write"], "secret": "mine"}, "secret"),
    ],
)
def test_bad_client_bodies_are_422_naming_the_field(api, admin_headers, body, field):
    response = api.post(f"{AUTH}/clients", json=body, headers=admin_headers)
    assert response.status_code == 422, response.json
    assert field in response.json["details"]


def test_duplicate_client_is_409(api, admin_headers):
    create_client(api, admin_headers)
    response = api.post(
        f"{AUTH}/clients",
        json={"clientId": "autoproc-i03", "scopes": ["em:write"]},
        headers=admin_headers,
    )
    assert response.status_code == 409


def test_site_scopes_from_the_config(auth_database_url, idp, api, admin_headers):
    from ispyb_auth.app import create_app
    from tests.auth.conftest import auth_config

    app = create_app(
        auth_config(
            auth_database_url,
            idp_jwks_url=idp.server.url,
            extra_scopes={"robot:mount:write": "Sample changer robot"},
        )
    )
    try:
        response = app.test_client().post(
            f"{AUTH}/clients",
            json={"clientId": "robot", "scopes": ["robot:mount:write"]},
            headers=admin_headers,
        )
        assert response.status_code == 201
    finally:
        app.extensions["ispyb_database"].dispose()
    # The app without that config line refuses the scope.
    response = api.post(
        f"{AUTH}/clients",
        json={"clientId": "robot2", "scopes": ["robot:mount:write"]},
        headers=admin_headers,
    )
    assert response.status_code == 422


def test_clients_need_an_admin(api, alice_headers):
    assert api.get(f"{AUTH}/clients", headers=alice_headers).status_code == 403
    response = api.post(
        f"{AUTH}/clients",
        json={"clientId": "sneaky", "scopes": ["core:sync:write"]},
        headers=alice_headers,
    )
    assert response.status_code == 403
