"""Credentials in a query string, and the Java dialect's token in a path, never reach the
gateway's access log.

Through the real nginx: requests carrying secrets in their query strings reach the
service unchanged, and the gateway's log holds the parameter names with REDACTED, never
the values. Kong's equivalent (file-log's custom_fields_by_lua in kong.yml) is run in a
real Lua 5.1 (Kong's language) against the same cases.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid

import pytest
import yaml

from ispyb_gateway.redaction import (
    CREDENTIAL_PARAMETERS,
    NGINX_STAGES,
    REDACTED,
    redact_query,
    redact_uri,
)
from tests.gateway.support import SOURCE

LOGIN = "/ispyb/api/v1/auth/login"
CASES = [
    f"{LOGIN}?username=bob&password=hunter2-{{n}}",
    "/ispyb/api/v1/core/proposals?access_token=eyJhbGciOiJSUzI1NiJ9.e30.sig-{n}&limit=5",
    "/ispyb/api/v1/auth/token?client_secret=cs-{n}&refresh_token=rt-{n}&grant_type=x",
    "/ispyb/api/v1/em/x?PassWord=MixedCase-{n}&API_KEY=ak-{n}&codec=h264&xcode=keep",
    "/ispyb/api/v1/ssx/x?code=oauth-code-{n}&secret=s3cr3t-{n}&token=tk-{n}&token=tk2-{n}",
    "/ispyb/api/v1/core/x?password=&q=password%3Dnot-a-parameter",
    "/nowhere?password=no-route-{n}",
    "/ispyb/api/v1/compat/java/eyJhbGciOiJSUzI1NiJ9.e30.java-{n}/proposal/list",
    "/ispyb/api/v1/compat/JAVA/eyJhbGciOiJSUzI1NiJ9.e30.jv-{n}/session/list?token=qt-{n}",
    "/ispyb/api/v1/compat/java/authenticate?site=ESRF&password=pw-{n}",
]
JAVA_TOKEN = re.compile(r"/compat/java/(?!authenticate(?:[/?]|$))([^/?]+)", re.IGNORECASE)


def secrets_of(uri: str) -> list[str]:
    """The values a log must not hold: those of credential parameters, non-empty."""
    query = uri.partition("?")[2]
    values = []
    for pair in query.split("&"):
        name, _, value = pair.partition("=")
        if name.lower() in CREDENTIAL_PARAMETERS and value:
            values.append(value)
    return values + JAVA_TOKEN.findall(uri)


def test_redact_query_keeps_names_and_other_parameters():
    assert redact_query("/a?username=bob&password=x&Token=y&codec=z") == (
        f"/a?username=bob&password={REDACTED}&Token={REDACTED}&codec=z"
    )
    assert redact_query("/a?password=") == "/a?password="
    assert redact_query("/a/password=x") == "/a/password=x"  # a path, not a parameter


def test_redact_uri_replaces_the_java_dialects_path_token():
    assert redact_uri("/ispyb/api/v1/compat/java/eyJ.a.b/session/list?password=p&limit=1") == (
        f"/ispyb/api/v1/compat/java/{REDACTED}/session/list?password={REDACTED}&limit=1"
    )
    assert redact_uri("/x/compat/java/authenticate?site=S") == "/x/compat/java/authenticate?site=S"
    assert redact_uri("/x/compat/java/t0k") == f"/x/compat/java/{REDACTED}"


def test_credentials_in_query_strings_are_not_in_the_gateway_log(start_gateway):
    gateway = start_gateway(services="core ssx em auth compat")
    marker = uuid.uuid4().hex[:8]
    sent = []
    for index, case in enumerate(CASES):
        uri = case.format(n=f"{marker}{index}")
        request_id = f"redact-{marker}-{index}"
        response = gateway.request("POST", uri, headers={"X-Request-ID": request_id}, body=b"")
        if not uri.startswith("/nowhere"):
            assert response.json()["path"] == uri  # the service gets the request unchanged
        sent.append((uri, request_id))
    for uri, request_id in sent:
        entry = gateway.log_entry_for(request_id)
        logged = redact_uri(uri)
        assert entry["request"]["uri"] == logged
        assert entry["request"]["url"].endswith(f":{gateway.port}{logged}")
        assert entry["upstream_uri"] in ("", logged)
        for name in re.findall(r"[?&]([^=&]+)=", uri):
            assert f"{name}=" in entry["request"]["uri"]  # the names stay visible
    text = gateway.log_file.read_text()
    for uri, _ in sent:
        for secret in secrets_of(uri):
            assert secret not in text, secret
    assert f"password={REDACTED}" in text and f"client_secret={REDACTED}" in text


def test_more_credentials_than_the_maps_handle_drop_the_query_string(start_gateway):
    gateway = start_gateway()
    names = [*CREDENTIAL_PARAMETERS][: NGINX_STAGES + 1]
    assert len(names) == NGINX_STAGES + 1
    query = "&".join(f"{name}=value-{i}-{uuid.uuid4().hex}" for i, name in enumerate(names))
    path = "/ispyb/api/v1/core/x"
    gateway.request("GET", f"{path}?{query}", headers={"X-Request-ID": "many-secrets"})
    entry = gateway.log_entry_for("many-secrets")
    assert entry["request"]["uri"] == f"{path}?{REDACTED}"
    assert entry["upstream_uri"] == f"{path}?{REDACTED}"
    assert "value-" not in gateway.log_file.read_text()


# --- Kong: file-log's custom_fields_by_lua, run in Lua 5.1 ----------------------------------


def kong_custom_fields() -> dict[str, str]:
    config = yaml.safe_load(SOURCE.read_text())
    file_log = next(p for p in config["plugins"] if p["name"] == "file-log")
    return file_log["config"]["custom_fields_by_lua"]


def lua() -> str:
    binary = shutil.which("lua5.1")
    assert binary, "Lua 5.1 is not installed: bash tools/install-system-deps.sh deck"
    return binary


def lua_string(value: str) -> str:
    return f"[==[{value}]==]"


def run_snippet(snippet: str, *, uri: str, query: dict[str, str]) -> str:
    """Run a custom_fields_by_lua snippet with Kong's ngx.var and kong.request stubbed."""
    path, _, args = uri.partition("?")
    query_table = ", ".join(f"[ {lua_string(k)} ] = {lua_string(v)}" for k, v in query.items())
    program = f"""
ngx = {{var = {{
  request_uri = {lua_string(uri)}, upstream_uri = {lua_string(path)},
  is_args = {lua_string("?" if args else "")}, args = {lua_string(args)},
  scheme = "http", host = "gateway.example.org", server_port = "8000",
}}}}
kong = {{request = {{get_query = function() return {{{query_table}}} end}}}}
local result = (function() {snippet} end)()
if type(result) == "table" then
  local keys = {{}}
  for k in pairs(result) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do io.write(k, "=", result[k], "\\n") end
else
  io.write(result)
end
"""
    result = subprocess.run([lua()], input=program, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_kong_redacts_the_same_parameter_names():
    fields = kong_custom_fields()
    for field in ("request.uri", "request.url", "upstream_uri", "request.querystring"):
        (names,) = re.findall(r'\("([a-z_ ]+)"\):gmatch', fields[field])
        assert tuple(names.split()) == CREDENTIAL_PARAMETERS, field


@pytest.mark.parametrize("case", CASES)
def test_kong_custom_fields_redact_like_the_local_gateway(case):
    uri = case.format(n="1")
    fields = kong_custom_fields()
    logged = redact_uri(uri)
    assert run_snippet(fields["request.uri"], uri=uri, query={}) == logged
    assert run_snippet(fields["request.url"], uri=uri, query={}) == (
        f"http://gateway.example.org:8000{logged}"
    )
    assert run_snippet(fields["upstream_uri"], uri=uri, query={}) == logged
    query = {}
    for pair in uri.partition("?")[2].split("&"):
        name, _, value = pair.partition("=")
        query[name] = value
    redacted = run_snippet(fields["request.querystring"], uri=uri, query=query)
    expected = {
        name: REDACTED if name.lower() in CREDENTIAL_PARAMETERS else value
        for name, value in query.items()
    }
    assert redacted == "".join(f"{k}={expected[k]}\n" for k in sorted(expected))
