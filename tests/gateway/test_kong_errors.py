"""Kong's own errors in the envelope: the error template, terminated routes, compose wiring.

Kong cannot run here; what it reads can. Its JSON error template is filled in by Lua's
string.format (run in a real Lua 5.1, Kong's language) with a message and a request id,
as Kong's error handler does; the site's kong.yml and docker-compose.yml are checked for
what makes Kong use them.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import yaml

from ispyb_gateway.errors import GATEWAY_ERRORS, KONG_ERROR_CODE, KONG_ERROR_TEMPLATE_FILE
from ispyb_gateway.nginx import BROTLI, GZIP, HEADER_BUFFERS
from tests.gateway.support import ROOT
from tests.gateway.test_compose import ENV_EXAMPLE, compose

ENVELOPE = {"code", "message", "details", "requestId"}


def lua_format(template: str, *values: str) -> str:
    lua = shutil.which("lua5.1")
    assert lua, "Lua 5.1 is not installed: bash tools/install-system-deps.sh deck"
    arguments = ", ".join(f"[==[{value}]==]" for value in values)
    program = f"io.write(string.format([==[{template}]==], {arguments}))"
    result = subprocess.run([lua], input=program, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_kong_error_template_renders_the_envelope_for_every_kong_message(
    gateway_tool, tmp_path
):
    rendered = gateway_tool.render_site({"ISPYB_VAR_DIR": str(tmp_path)}, kong_only=True)
    template = rendered.kong_error_template.read_text()
    assert rendered.kong_error_template.name == KONG_ERROR_TEMPLATE_FILE
    # Kong formats it with (message, request id): exactly two %s, no other directive.
    assert template.count("%s") == 2 and template.count("%") == 2
    for _code, message in GATEWAY_ERRORS.values():
        body = json.loads(lua_format(template, message, "6c1f0d2e-request-id"))
        assert body == {
            "code": KONG_ERROR_CODE,
            "message": message,
            "details": None,
            "requestId": "6c1f0d2e-request-id",
        }


def test_terminated_routes_answer_the_envelope_in_kong(gateway_tool, tmp_path):
    rendered = gateway_tool.render_site({"ISPYB_VAR_DIR": str(tmp_path)}, kong_only=True)
    kong = yaml.safe_load(rendered.kong_file.read_text())
    route = next(
        r for s in kong["services"] for r in s["routes"] if r["name"] == "core-user-office-blocked"
    )
    (plugin,) = route["plugins"]
    config = plugin["config"]
    assert "message" not in config
    assert config["status_code"] == 404
    assert config["content_type"].startswith("application/json")
    assert json.loads(config["body"]) == {
        "code": "NOT_FOUND",
        "message": "no Route matched with those values",
        "details": None,
        "requestId": None,  # a fixed body; the id is in the X-Request-ID header
    }
    assert gateway_tool.check_kong_config(kong) == []
    # The source keeps Kong's plain message: the envelope is the renderer's job.
    source = yaml.safe_load((ROOT / "gateway" / "kong.yml").read_text())
    blocked = next(
        r
        for s in source["services"]
        for r in s["routes"]
        if r["name"] == "core-user-office-blocked"
    )
    assert blocked["plugins"][0]["config"]["message"] == "no Route matched with those values"


def test_compose_makes_kong_use_the_template_and_the_uri_limit():
    config = yaml.safe_load(compose(ENV_EXAMPLE, "config").stdout)
    kong = config["services"]["kong"]["environment"]
    template = kong["KONG_ERROR_TEMPLATE_JSON"]
    # In the volume gateway-config writes and Kong mounts on /gateway.
    assert template == f"/gateway/{KONG_ERROR_TEMPLATE_FILE}"
    assert "gateway-config:/gateway:ro" in config["services"]["kong"]["volumes"]
    # Clients that send no Accept header get JSON too (Kong's default is text/plain).
    assert kong["KONG_ERROR_DEFAULT_TYPE"] == "application/json"
    # The same request-line and header-line limit as the local gateway.
    assert kong["KONG_NGINX_HTTP_LARGE_CLIENT_HEADER_BUFFERS"] == HEADER_BUFFERS
    # The same compression as the local gateway.
    for directive, value in {**GZIP, **BROTLI}.items():
        assert kong[f"KONG_NGINX_PROXY_{directive.upper()}"] == value, directive
