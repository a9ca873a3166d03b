"""No credential in a service's request log, and the client's address as trusted proxies
report it (ispyb_shared.logging)."""

from __future__ import annotations

import io
import json
import logging

import pytest

from ispyb_core.app import create_app
from ispyb_shared.logging import (
    JsonFormatter,
    client_address,
    is_credential_name,
    redact_path,
    redact_query,
    trusted_networks,
)
from tests.conftest import service_config

CORE = "/ispyb/api/v1/core"


@pytest.mark.parametrize(
    "name",
    [
        "password",
        "Password",
        "new_password",
        "passwd",
        "secret",
        "client_secret",
        "clientSecret",
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "code",
        "api_key",
        "api-key",
        "apikey",
        "X-API-Key",
    ],
)
def test_credential_names(name):
    assert is_credential_name(name)


@pytest.mark.parametrize("name", ["limit", "offset", "login", "sort", "codeName", "tokenId"])
def test_ordinary_names(name):
    assert not is_credential_name(name)


@pytest.mark.parametrize(
    "query, logged",
    [
        ("limit=5", "limit=5"),
        ("password=hunter22", "password=[REDACTED]"),
        ("username=bob&password=hunter22&x=1", "username=bob&password=[REDACTED]&x=1"),
        ("access_token=eyJa.b.c", "access_token=[REDACTED]"),
        ("client%5Fsecret=s3cr3t", "client%5Fsecret=[REDACTED]"),
        ("Client_Secret=s3cr3t&code=abc", "Client_Secret=[REDACTED]&code=[REDACTED]"),
        ("token", "token"),
        ("token=&limit=1", "token=[REDACTED]&limit=1"),
        ("a=1&&refresh_token=r", "a=1&&refresh_token=[REDACTED]"),
    ],
)
def test_query_values_of_credential_names_are_redacted(query, logged):
    assert redact_query(query) == logged


def test_the_request_log_never_holds_a_credential(core_database_url, tokens):
    app = create_app(service_config(core_database_url))
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("core"))
    logging.getLogger().addHandler(handler)
    jwt = tokens.admin()["Authorization"][7:]
    try:
        client = app.test_client()
        client.get(f"{CORE}/proposals?access_token={jwt}&limit=5")
        client.get(f"{CORE}/proposals?password=hunter2-hunter2", headers=tokens.admin())
        client.post(f"{CORE}/persons?api_key=k-e-y-1234567", json={}, headers=tokens.admin())
    finally:
        logging.getLogger().removeHandler(handler)
        app.extensions["ispyb_database"].dispose()
    text = stream.getvalue()
    for secret in (jwt, "hunter2-hunter2", "k-e-y-1234567"):
        assert secret not in text
    access = [json.loads(line) for line in text.splitlines()]
    messages = [line["message"] for line in access if line["logger"] == "ispyb.access"]
    assert messages[0] == f"GET {CORE}/proposals?access_token=[REDACTED]&limit=5 401"
    assert messages[1].startswith(f"GET {CORE}/proposals?password=[REDACTED] ")


@pytest.mark.parametrize(
    "path, logged",
    [
        ("/ispyb/api/v1/core/sessions", "/ispyb/api/v1/core/sessions"),
        (
            "/ispyb/api/v1/compat/java/eyJa.b.c/session/list",
            "/ispyb/api/v1/compat/java/[REDACTED]/session/list",
        ),
        ("/ispyb/api/v1/compat/java/eyJa.b.c", "/ispyb/api/v1/compat/java/[REDACTED]"),
        ("/ispyb/api/v1/compat/JAVA/x/y", "/ispyb/api/v1/compat/JAVA/[REDACTED]/y"),
        ("/ispyb/api/v1/compat/java/authenticate", "/ispyb/api/v1/compat/java/authenticate"),
        ("/ispyb/api/v1/compat/java/authenticated/x", "/ispyb/api/v1/compat/java/[REDACTED]/x"),
    ],
)
def test_a_token_in_the_java_dialects_path_is_redacted(path, logged):
    assert redact_path(path) == logged


def test_the_request_log_never_holds_a_token_from_a_path(core_database_url, tokens):
    """Any service (core here: the path matches no route) logs no token carried in a path,
    in the message nor in the ``path`` field."""
    app = create_app(service_config(core_database_url))
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("core"))
    logging.getLogger().addHandler(handler)
    jwt = tokens.mint("member", purpose="compat-java")
    try:
        app.test_client().get(f"/ispyb/api/v1/compat/java/{jwt}/session/list?limit=1")
    finally:
        logging.getLogger().removeHandler(handler)
        app.extensions["ispyb_database"].dispose()
    text = stream.getvalue()
    assert jwt not in text and "[REDACTED]/session/list" in text


TRUSTED = trusted_networks(["10.0.3.7", "10.9.0.0/16", "::1"])


@pytest.mark.parametrize(
    "peer, forwarded, client",
    [
        ("203.0.113.5", [], "203.0.113.5"),
        # From an untrusted peer the header is ignored, whatever it says.
        ("203.0.113.5", ["198.51.100.1"], "203.0.113.5"),
        # From the gateway: the address the gateway saw (the rightmost hop).
        ("10.0.3.7", ["198.51.100.1"], "198.51.100.1"),
        ("10.0.3.7", ["6.6.6.6, 198.51.100.1"], "198.51.100.1"),
        # A chain of trusted proxies is walked from the right.
        ("10.0.3.7", ["198.51.100.1, 10.9.4.4"], "198.51.100.1"),
        ("10.0.3.7", ["198.51.100.1", "10.9.4.4"], "198.51.100.1"),
        # Only trusted hops: the leftmost is the best that is known.
        ("10.0.3.7", ["10.9.4.4"], "10.9.4.4"),
        # A malformed hop stops the walk at the proxy that wrote it.
        ("10.0.3.7", ["not-an-address"], "10.0.3.7"),
        ("10.0.3.7", ["198.51.100.1, garbage, 10.9.4.4"], "10.9.4.4"),
        ("::1", ["2001:db8::5"], "2001:db8::5"),
        ("::ffff:10.0.3.7", ["198.51.100.1"], "198.51.100.1"),
    ],
)
def test_client_address_believes_only_trusted_proxies(peer, forwarded, client):
    assert client_address(peer, forwarded, TRUSTED) == client


def test_without_trusted_proxies_the_header_never_counts():
    assert client_address("127.0.0.1", ["198.51.100.1"], ()) == "127.0.0.1"


def test_the_request_log_uses_the_trusted_address(core_database_url, tokens):
    config = service_config(core_database_url)
    config["api"] = {"trusted_proxies": ["10.0.3.7"]}
    app = create_app(config)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("core"))
    logging.getLogger().addHandler(handler)
    try:
        client = app.test_client()
        forwarded = {"X-Forwarded-For": "6.6.6.6, 198.51.100.1"}
        client.get(f"{CORE}/health", headers=forwarded, environ_base={"REMOTE_ADDR": "10.0.3.7"})
        client.get(f"{CORE}/health", headers=forwarded, environ_base={"REMOTE_ADDR": "192.0.2.9"})
    finally:
        logging.getLogger().removeHandler(handler)
        app.extensions["ispyb_database"].dispose()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    addresses = [line["remoteAddr"] for line in lines if line["logger"] == "ispyb.access"]
    assert addresses == ["198.51.100.1", "192.0.2.9"]
