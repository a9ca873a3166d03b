"""Which auth endpoints are public, which need a token, which need the admin role; the
dummy plugin; the OpenAPI document."""

from __future__ import annotations

import re

import pytest

from tests.auth.conftest import AUTH, bearer, login

PUBLIC = {
    ("GET", "/health"),
    ("GET", "/ready"),
    ("GET", "/metrics"),
    ("GET", "/docs"),
    ("GET", "/swagger.json"),
    ("GET", "/openapi.json"),
    ("GET", "/.well-known/jwks.json"),
    ("GET", "/revocations"),
    ("GET", "/config"),
    ("POST", "/login"),
    ("POST", "/token"),
    ("POST", "/token/refresh"),
    ("POST", "/logout"),
}
ANY_TOKEN = {("GET", "/me")}


def every_route(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(AUTH) or rule.endpoint == "restx_doc.static":
            continue
        path = re.sub(r"<int:\w+>", "1", rule.rule[len(AUTH) :])
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"x\1", path) or "/"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method, path))
    return routes


def test_every_route_but_the_public_ones_needs_a_token(auth_app, api):
    routes = every_route(auth_app)
    assert routes >= PUBLIC
    for method, path in sorted(routes - PUBLIC):
        if path == "/":
            continue  # flask-restx's root: a 404
        response = api.open(f"{AUTH}{path}", method=method, json={})
        assert response.status_code == 401, (method, path)
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_every_protected_route_but_me_needs_the_admin_role(auth_app, api, alice_headers):
    for method, path in sorted(every_route(auth_app) - PUBLIC - ANY_TOKEN):
        if path == "/":
            continue
        response = api.open(f"{AUTH}{path}", method=method, json={}, headers=alice_headers)
        assert response.status_code == 403, (method, path)
        assert response.json["code"] == "FORBIDDEN"


def test_public_routes_answer_without_a_token(api):
    public = ("/health", "/metrics", "/docs", "/swagger.json", "/openapi.json")
    for path in (*public, "/.well-known/jwks.json", "/revocations"):
        assert api.get(f"{AUTH}{path}").status_code == 200, path


def test_openapi_documents_the_token_endpoints_and_security(api):
    spec = api.get(f"{AUTH}/swagger.json").json
    assert spec["securityDefinitions"]["bearer"]["name"] == "Authorization"
    assert spec["paths"]["/login"]["post"]["security"] == []
    assert "security" not in spec["paths"]["/accounts"]["get"]  # the global bearer applies
    login_body = spec["definitions"]["LoginRequest"]
    assert set(login_body["properties"]) == {"plugin", "username", "password", "token", "purpose"}
    account = spec["definitions"]["AccountRead"]["properties"]
    assert "passwordHash" not in account and "login" in account
    assert "secretHash" not in spec["definitions"]["ClientRead"]["properties"]
    assert "429" in spec["paths"]["/login"]["post"]["responses"]


def test_dummy_plugin_logs_anyone_in_with_its_roles(api):
    response = login(api, "whoever", plugin="dummy")
    assert response.status_code == 200
    me = api.get(f"{AUTH}/me", headers=bearer(response.json["access_token"])).json
    assert me["subject"] == "whoever" and me["roles"] == []


@pytest.mark.parametrize("method", ["put", "delete"])
def test_wrong_methods_are_405(api, method):
    assert getattr(api, method)(f"{AUTH}/login").status_code == 405


def test_openapi_answers_are_derived_from_the_operation_schemas(api):
    """Every operation is declared with @operation: bodies, answers and errors come from
    the same schemas the handlers load and dump with."""
    spec = api.get(f"{AUTH}/swagger.json").json
    paths, definitions = spec["paths"], spec["definitions"]

    def answer(path, method, status):
        return paths[path][method]["responses"][str(status)]

    assert answer("/accounts", "get", 200)["schema"]["$ref"] == "#/definitions/AccountList"
    assert answer("/refresh-tokens", "get", 200)["schema"]["$ref"].endswith("RefreshTokenList")
    created = answer("/clients", "post", 201)
    assert created["schema"]["$ref"] == "#/definitions/ClientWithSecret"
    assert "clientSecret" in definitions["ClientWithSecret"]["properties"]
    assert answer("/keys", "get", 200)["schema"]["$ref"] == "#/definitions/KeyList"
    assert "schema" not in answer("/logout", "post", 204)
    token_body = paths["/token"]["post"]["parameters"][0]  # JSON or form: documented as JSON
    assert token_body["schema"]["$ref"] == "#/definitions/ClientTokenRequest"
    for status, meaning in ((401, "wrong credentials"), (429, "Retry-After")):
        assert meaning in answer("/login", "post", status)["description"]
    for status in (400, 415, 422):  # what taking a body implies
        assert str(status) in paths["/accounts/{login}"]["patch"]["responses"]
