"""``GET /config``: the public description of how to log in, without any secret."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from ispyb_shared.logging import is_credential_name
from tests.auth.conftest import (
    AUTH,
    IDP_AUDIENCE,
    IDP_ISSUER,
    auth_config,
    ldap_plugin_settings,
    oidc_plugin_settings,
)

BIND_PASSWORD = "bind-password-never-shown"
ENCRYPTION_SECRET = "key-encryption-secret-never-shown"


def test_config_is_public_and_lists_the_enabled_plugins(api):
    response = api.get(f"{AUTH}/config")
    assert response.status_code == 200
    body = response.json
    assert body["accessTokenSeconds"] == 900
    assert body["refreshTokenSeconds"] == 3600
    assert (body["issuer"], body["audience"]) == ("ispyb", "ispyb")
    plugins = {plugin["name"]: plugin for plugin in body["plugins"]}
    assert plugins["local"] == {"name": "local", "type": "local", "needs": ["username", "password"]}
    assert plugins["dummy"]["needs"] == ["username"]
    assert plugins["keycloak"]["needs"] == ["token"]
    assert plugins["keycloak"]["oidc"] == {
        "issuer": IDP_ISSUER,
        "clientId": IDP_AUDIENCE,  # no client_id configured: the audience
        "authorizationEndpoint": None,
        "discoveryUrl": f"{IDP_ISSUER}/.well-known/openid-configuration",
        "scope": "openid profile",
    }


def test_config_answers_a_front_end_holding_an_expired_or_bad_token(api):
    # A front end reloading with a stale token in storage must still learn how to log in.
    response = api.get(f"{AUTH}/config", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 200
    assert response.json["plugins"]


def _strings_under_credential_names(value: Any, credential: bool = False) -> Iterator[str]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings_under_credential_names(
                item, credential or is_credential_name(str(key))
            )
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings_under_credential_names(item, credential)
    elif isinstance(value, str) and credential:
        yield value


@pytest.fixture
def secretive_app(auth_database_url, idp):
    """Every kind of plugin, each with whatever secret it can hold."""
    from ispyb_auth.app import create_app

    config = auth_config(
        auth_database_url,
        idp_jwks_url=idp.server.url,
        refresh_token_seconds=7200,
        signing_keys={"encryption_secret": ENCRYPTION_SECRET},
        plugins={
            "local": {"type": "local"},
            "directory": ldap_plugin_settings("ldap://127.0.0.1:1", bind_password=BIND_PASSWORD),
            "sso": oidc_plugin_settings(
                idp.server.url,
                client_id="ispyb-front-end",
                authorization_endpoint="https://idp.example.org/auth",
                scope="openid profile email",
            ),
        },
    )
    app = create_app(config)
    yield app, config
    app.extensions["ispyb_database"].dispose()


def test_no_secret_of_the_config_ever_appears(secretive_app):
    app, config = secretive_app
    response = app.test_client().get(f"{AUTH}/config")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    secrets = set(_strings_under_credential_names(config))
    assert {BIND_PASSWORD, ENCRYPTION_SECRET} <= secrets  # the walk finds them
    for secret in secrets:
        assert secret not in text
    plugins = {plugin["name"]: plugin for plugin in response.json["plugins"]}
    assert set(plugins["directory"]) == {"name", "type", "needs"}  # no URL, DN or base
    assert plugins["directory"]["needs"] == ["username", "password"]
    assert plugins["sso"]["oidc"]["clientId"] == "ispyb-front-end"
    assert plugins["sso"]["oidc"]["authorizationEndpoint"] == "https://idp.example.org/auth"
    assert plugins["sso"]["oidc"]["scope"] == "openid profile email"
    assert response.json["refreshTokenSeconds"] == 7200


def test_openapi_documents_the_config_as_public(api):
    spec = api.get(f"{AUTH}/swagger.json").json
    assert spec["paths"]["/config"]["get"]["security"] == []
    assert "AuthConfigDocument" in spec["definitions"]
