"""Per-site rendering: the selection, ports and origins reach kong.yml and nginx.conf alike."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import yaml

from tests.gateway.support import ROOT

ALL = ["core", "ssx", "em", "auth", "compat"]


def routes_of(kong: dict) -> dict[str, str]:
    return {r["name"]: s["name"] for s in kong["services"] for r in s["routes"]}


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        ("core,auth,em", ["core", "em", "auth"]),
        ("core", ["core"]),
        ("ssx em", ["ssx", "em"]),
        (None, ALL),
    ],
)
def test_only_the_selected_services_are_rendered(selection, expected, gateway_tool, tmp_path):
    env = {"ISPYB_VAR_DIR": str(tmp_path)}
    if selection is not None:
        env["ISPYB_SERVICES"] = selection
    rendered = gateway_tool.render_site(env)
    assert rendered.services == expected

    kong = yaml.safe_load(rendered.kong_file.read_text())
    assert gateway_tool.project_services(kong) == expected
    assert set(routes_of(kong).values()) == {*expected, "docs", "viewer"}
    assert ("auth-login" in routes_of(kong)) == ("auth" in expected)
    docs_body = next(
        p["config"]["body"]
        for s in kong["services"]
        for r in s["routes"]
        for p in r.get("plugins", [])
        if p["name"] == "request-termination" and r["name"] == "docs-page"
    )
    for name in ALL:
        assert (f'href="/ispyb/api/v1/{name}/docs"' in docs_body) == (name in expected)
        assert (f'href="/ispyb/api/v1/{name}/swagger.json"' in docs_body) == (name in expected)

    nginx = rendered.nginx_file.read_text()
    for name in ALL:
        assert (f"location /ispyb/api/v1/{name} {{" in nginx) == (name in expected)
    assert "location /ispyb/api/v1/docs {" in nginx
    # The file says what it was made from and for.
    assert f"for: {', '.join(expected)}" in rendered.kong_file.read_text().splitlines()[0]


def test_rendered_nginx_config_is_accepted_by_nginx(gateway_tool, tmp_path):
    rendered = gateway_tool.render_site({"ISPYB_VAR_DIR": str(tmp_path)}, services="core,em")
    nginx = gateway_tool.find_nginx()
    assert nginx, "nginx is not installed: bash tools/install-system-deps.sh gateway"
    result = subprocess.run(
        gateway_tool.nginx_command(rendered, nginx, test=True), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_an_unknown_service_is_refused_with_the_known_ones(gateway_tool, tmp_path):
    with pytest.raises(gateway_tool.GatewayConfigError, match=r"unknown service.*mx.*core, ssx"):
        gateway_tool.render_site({"ISPYB_VAR_DIR": str(tmp_path), "ISPYB_SERVICES": "core mx"})
    result = subprocess.run(
        [sys.executable, "-m", "ispyb_gateway", "render", "--services", "nope"],
        capture_output=True,
        text=True,
        env={"ISPYB_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2 and "unknown service" in result.stderr


def test_ports_and_listen_address_come_from_the_environment(gateway_tool, tmp_path):
    env = {
        "ISPYB_VAR_DIR": str(tmp_path),
        "ISPYB_CORE_PORT": "18001",
        "ISPYB_GATEWAY_PORT": "18000",
        "ISPYB_HOST": "0.0.0.0",
    }
    nginx = gateway_tool.render_site(env, services="core,ssx").nginx_file.read_text()
    assert "listen 0.0.0.0:18000;" in nginx
    # Listening everywhere, the services are still reached on loopback, at start-up
    # resolved addresses (nginx starts even if a service is down).
    assert "server 127.0.0.1:18001 max_fails=2 fail_timeout=10s;" in nginx
    assert "server 127.0.0.1:8002 max_fails=2 fail_timeout=10s;" in nginx  # kong.yml's port
    assert "proxy_pass http://service_core;" in nginx
    assert nginx.count("keepalive 32;") == nginx.count("upstream service_")
    assert nginx.count("keepalive_timeout 60s;") == nginx.count("upstream service_")
    # Keep-alive to the services: HTTP/1.1 without the client's Connection header.
    assert nginx.count("proxy_http_version 1.1;") >= 1
    assert 'proxy_set_header Connection "";' in nginx
    # Down services fail fast: kong.yml's connect_timeout.
    assert "proxy_connect_timeout 2000ms;" in nginx
    with pytest.raises(gateway_tool.GatewayConfigError, match="ISPYB_CORE_PORT"):
        gateway_tool.render_site({**env, "ISPYB_CORE_PORT": "eighty"})


def test_each_local_instance_is_a_server_of_its_service(gateway_tool, tmp_path):
    """ISPYB_<SVC>_PORTS (make run's instances): one server each, kong.yml's passive checks
    as max_fails/fail_timeout, retries for idempotent requests only."""
    env = {"ISPYB_VAR_DIR": str(tmp_path), "ISPYB_CORE_PORTS": "18001,18101"}
    nginx = gateway_tool.render_site(env, services="core,ssx").nginx_file.read_text()
    core = nginx.split("upstream service_core {")[1].split("}")[0]
    servers = [line.strip() for line in core.splitlines() if line.strip().startswith("server")]
    # kong.yml: passive tcp_failures/timeouts 2; active healthy interval 5 s x 2 successes.
    assert servers == [
        "server 127.0.0.1:18001 max_fails=2 fail_timeout=10s;",
        "server 127.0.0.1:18101 max_fails=2 fail_timeout=10s;",
    ]
    core_location = nginx.split("location /ispyb/api/v1/core {")[1].split("\n        }")[0]
    assert "proxy_next_upstream error timeout http_502 http_503 http_504;" in core_location
    assert "proxy_next_upstream_tries 3;" in core_location  # kong.yml's retries: 2
    assert "non_idempotent;" not in nginx and " non_idempotent " not in nginx
    with pytest.raises(gateway_tool.GatewayConfigError, match="ISPYB_CORE_PORTS"):
        gateway_tool.render_site({**env, "ISPYB_CORE_PORTS": "18001,x"})


def test_cors_origins_are_a_site_setting(gateway_tool, tmp_path):
    env = {
        "ISPYB_VAR_DIR": str(tmp_path),
        "ISPYB_GATEWAY_CORS_ORIGINS": "https://ispyb.example.org, https://staff.example.org",
    }
    rendered = gateway_tool.render_site(env)
    kong = yaml.safe_load(rendered.kong_file.read_text())
    cors = next(p for p in kong["plugins"] if p["name"] == "cors")
    assert cors["config"]["origins"] == ["https://ispyb.example.org", "https://staff.example.org"]
    nginx = rendered.nginx_file.read_text()
    assert '"https://ispyb.example.org" $http_origin;' in nginx
    assert "localhost:3000" not in nginx
    with pytest.raises(gateway_tool.GatewayConfigError, match="origin"):
        gateway_tool.render_site({**env, "ISPYB_GATEWAY_CORS_ORIGINS": "not-an-origin"})


def test_the_source_is_never_modified(gateway_tool, tmp_path):
    before = (ROOT / "gateway" / "kong.yml").read_bytes()
    gateway_tool.render_site(
        {"ISPYB_VAR_DIR": str(tmp_path), "ISPYB_GATEWAY_CORS_ORIGINS": "https://a.example.org"},
        services="core",
    )
    assert (ROOT / "gateway" / "kong.yml").read_bytes() == before


def test_each_rate_limit_window_gets_an_nginx_zone(gateway_tool, tmp_path):
    nginx = gateway_tool.render_site({"ISPYB_VAR_DIR": str(tmp_path)}).nginx_file.read_text()
    zones = {
        name: (key, rate)
        for key, name, rate in re.findall(r"limit_req_zone (\S+) zone=(\w+):10m rate=(\S+);", nginx)
    }
    # The global limits count per client (token, or address without one); the credential
    # routes per address.
    assert zones == {
        "rl_global_second": ("$ispyb_rate_client", "100r/s"),
        "rl_global_minute": ("$ispyb_rate_client", "3000r/m"),
        "rl_route_auth_login_minute": ("$binary_remote_addr", "10r/m"),
        "rl_route_auth_token_minute": ("$binary_remote_addr", "120r/m"),
    }
    login = re.search(r"location /ispyb/api/v1/auth/login \{\n(.*?)\n        \}", nginx, re.S)
    assert "limit_req zone=rl_route_auth_login_minute burst=10 nodelay;" in login.group(1)
    assert "rl_global" not in login.group(1)  # the route's plugin replaces the global one


def test_the_access_log_is_written_in_batches_unless_turned_off(gateway_tool, tmp_path):
    env = {"ISPYB_VAR_DIR": str(tmp_path)}
    nginx = gateway_tool.render_site(env, services="core").nginx_file.read_text()
    assert nginx.count("kong_file_log buffer=32k flush=1s;") == 2  # the file and stdout
    for value in ("off", "0"):
        unbuffered = gateway_tool.render_site(
            {**env, "ISPYB_GATEWAY_LOG_BUFFER": value}, services="core"
        ).nginx_file.read_text()
        assert "buffer=" not in unbuffered and "kong_file_log;" in unbuffered
    bigger = gateway_tool.render_site(
        {**env, "ISPYB_GATEWAY_LOG_BUFFER": "1m"}, services="core"
    ).nginx_file.read_text()
    assert "buffer=1m flush=1s" in bigger
    with pytest.raises(gateway_tool.GatewayConfigError, match="ISPYB_GATEWAY_LOG_BUFFER"):
        gateway_tool.render_site({**env, "ISPYB_GATEWAY_LOG_BUFFER": "lots"}, services="core")
