"""gateway/kong.yml: decK's validation plus the project's own checks, and broken files caught."""

from __future__ import annotations

import copy
import shutil
import subprocess
import sys

import pytest
import yaml

from tests.gateway.support import SOURCE


def deck(path) -> subprocess.CompletedProcess:
    binary = shutil.which("deck")
    assert binary, "deck is not installed: bash tools/install-system-deps.sh deck"
    return subprocess.run(
        [binary, "validate", "-s", str(path)], capture_output=True, text=True, timeout=60
    )


def check_cli(*paths) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ispyb_gateway", "check", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def source_config(gateway_tool):
    return gateway_tool.load_kong_config(SOURCE)


def test_source_passes_deck_validate():
    result = deck(SOURCE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_source_passes_the_project_checks(gateway_tool, source_config):
    assert gateway_tool.check_kong_config(source_config) == []
    result = check_cli(SOURCE)
    assert result.returncode == 0 and "ok" in result.stdout


def test_source_has_the_required_shape(gateway_tool, source_config):
    assert source_config["_format_version"] == "3.0"
    services = {s["name"]: s for s in source_config["services"]}
    upstreams = {u["name"]: u for u in source_config["upstreams"]}
    # One Kong service per project service, routed by its prefix, path kept.
    assert gateway_tool.project_services(source_config) == ["core", "ssx", "em", "auth", "compat"]
    for name in ("core", "ssx", "em", "auth", "compat"):
        routes = services[name]["routes"]
        assert f"/ispyb/api/v1/{name}" in [p for r in routes for p in r["paths"]]
        assert all(route["strip_path"] is False for route in routes)
        # Balanced over its upstream: the compose name as target, /ready probed, retries.
        assert services[name]["host"] == f"{name}-upstream"
        assert services[name]["retries"] >= 1
        upstream = upstreams[f"{name}-upstream"]
        assert upstream["targets"] == [{"target": f"{name}:{services[name]['port']}"}]
        active = upstream["healthchecks"]["active"]
        assert active["http_path"] == f"/ispyb/api/v1/{name}/ready"
        assert active["healthy"]["interval"] > 0 and active["unhealthy"]["interval"] > 0
        assert upstream["healthchecks"]["passive"]["unhealthy"]["tcp_failures"] > 0
    global_plugins = {p["name"]: p["config"] for p in source_config["plugins"]}
    assert set(global_plugins) == {
        "correlation-id",
        "file-log",
        "cors",
        "rate-limiting",
        "request-size-limiting",
        "prometheus",
        "response-transformer",
    }
    # The services' caller headers are logged (file-log) and kept from clients.
    caller_headers = ["X-ISPyB-Subject", "X-ISPyB-Subject-Kind"]
    assert global_plugins["response-transformer"] == {"remove": {"headers": caller_headers}}
    fields = global_plugins["file-log"]["custom_fields_by_lua"]
    assert fields["caller.subject"] == "return ngx.var.upstream_http_x_ispyb_subject"
    assert global_plugins["correlation-id"]["header_name"] == "X-Request-ID"
    assert global_plugins["correlation-id"]["echo_downstream"] is True
    assert global_plugins["file-log"]["path"] == "/dev/stdout"
    assert global_plugins["rate-limiting"]["policy"] == "local"
    # Per client (its token; the address without one), the login per address.
    assert global_plugins["rate-limiting"]["limit_by"] == "header"
    assert global_plugins["rate-limiting"]["header_name"] == "Authorization"
    # The login route has its own, stricter limit.
    login = next(r for r in services["auth"]["routes"] if r["name"] == "auth-login")
    login_limit = next(p for p in login["plugins"] if p["name"] == "rate-limiting")["config"]
    assert login_limit["minute"] < global_plugins["rate-limiting"]["minute"]
    assert login_limit["policy"] == "local"
    assert login_limit["limit_by"] == "ip"
    # So are client credentials and refresh tokens (/token, /token/refresh).
    token = next(r for r in services["auth"]["routes"] if r["name"] == "auth-token")
    assert token["paths"] == ["/ispyb/api/v1/auth/token"]
    token_limit = next(p for p in token["plugins"] if p["name"] == "rate-limiting")["config"]
    assert token_limit["limit_by"] == "ip"
    assert login_limit["minute"] < token_limit["minute"] < global_plugins["rate-limiting"]["minute"]


def test_source_holds_no_secret():
    text = SOURCE.read_text().lower()
    for word in ("password:", "secret:", "token:", "api_key:", "-----begin"):
        assert word not in text


def _global(config, name):
    return next(p for p in config["plugins"] if p["name"] == name)


def _service(config, name):
    return next(s for s in config["services"] if s["name"] == name)


def _login_limit(config):
    login = next(r for r in _service(config, "auth")["routes"] if r["name"] == "auth-login")
    return next(p for p in login["plugins"] if p["name"] == "rate-limiting")["config"]


def _upstream(config, service):
    return next(u for u in config["upstreams"] if u["name"] == f"{service}-upstream")


def _set(path, value):
    def mutate(config):
        node = config
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return mutate


BROKEN = {
    "old format version": (_set(["_format_version"], "1.1"), "_format_version"),
    "no format version": (lambda c: c.pop("_format_version"), "_format_version"),
    "unknown plugin": (
        lambda c: c["plugins"].append({"name": "rate-limitting", "config": {}}),
        "unknown plugin",
    ),
    "unknown config key": (
        lambda c: _global(c, "cors")["config"].update(origin=["http://x"]),
        "unknown config key 'origin'",
    ),
    "path without a leading slash": (
        lambda c: _service(c, "em")["routes"][0].update(paths=["ispyb/api/v1/em"]),
        "must start with '/'",
    ),
    "regex path": (
        lambda c: _service(c, "em")["routes"][0].update(paths=["~/ispyb/api/v1/em$"]),
        "must start with '/'",
    ),
    "service without a route": (lambda c: _service(c, "ssx").pop("routes"), "has no route"),
    "two routes with the same path": (
        lambda c: _service(c, "em")["routes"].append(
            {"name": "em-twice", "paths": ["/ispyb/api/v1/em"], "strip_path": False}
        ),
        "overlap",
    ),
    "a route inside another service's prefix": (
        lambda c: c["services"].append(
            {
                "name": "legacy",
                "url": "http://legacy:9000",
                "routes": [
                    {"name": "legacy", "paths": ["/ispyb/api/v1/core/old"], "strip_path": False}
                ],
            }
        ),
        "overlap",
    ),
    "cluster rate-limiting policy": (
        lambda c: _global(c, "rate-limiting")["config"].update(policy="cluster"),
        "DB-less",
    ),
    "rate-limiting policy left to the default": (
        lambda c: _global(c, "rate-limiting")["config"].pop("policy"),
        "DB-less",
    ),
    "minute limit below the second limit": (
        lambda c: _global(c, "rate-limiting")["config"].update(second=100, minute=10),
        "cannot be lower",
    ),
    "strip_path left to Kong's default": (
        lambda c: _service(c, "core")["routes"][0].pop("strip_path"),
        "strip_path",
    ),
    "a secret in a plugin": (
        lambda c: _global(c, "rate-limiting")["config"].update(redis_password="hunter2"),
        "secret",
    ),
    "routing by method": (
        lambda c: _service(c, "core")["routes"][0].update(methods=["GET", "OPTIONS"]),
        "not reproduced",
    ),
    "no correlation id": (
        lambda c: c["plugins"].remove(_global(c, "correlation-id")),
        "correlation-id",
    ),
    "a global-only plugin on a route": (
        lambda c: _service(c, "core")["routes"][0].update(
            plugins=[{"name": "file-log", "config": {"path": "/dev/stdout"}}]
        ),
        "must be global",
    ),
    "a project service outside its prefix": (
        lambda c: _service(c, "core")["routes"][0].update(paths=["/ispyb/api/v1/sessions"]),
        "must be /ispyb/api/v1/core",
    ),
    "the same plugin twice in one scope": (
        lambda c: c["plugins"].append(copy.deepcopy(_global(c, "cors"))),
        "configured 2 times",
    ),
    "an upstream URL with a path": (
        lambda c: c["services"].append(
            {
                "name": "legacy",
                "url": "http://legacy:9000/api",
                "routes": [{"name": "legacy", "paths": ["/legacy"], "strip_path": False}],
            }
        ),
        "must have no path",
    ),
    "a project service without its upstream": (
        lambda c: _service(c, "em").update(host="em"),
        "host must be the upstream em-upstream",
    ),
    "a project service with url and host": (
        lambda c: _service(c, "em").update(url="http://em:8003"),
        "not both",
    ),
    "no retries to another instance": (
        lambda c: _service(c, "core").update(retries=0),
        "retries must be at least 1",
    ),
    "an upstream without active checks": (
        lambda c: _upstream(c, "core")["healthchecks"].pop("active"),
        "healthchecks.active is required",
    ),
    "active checks left off (interval 0)": (
        lambda c: _upstream(c, "core")["healthchecks"]["active"]["healthy"].update(interval=0),
        "active.healthy.interval",
    ),
    "active checks of the wrong path": (
        lambda c: _upstream(c, "core")["healthchecks"]["active"].update(
            http_path="/ispyb/api/v1/core/health"
        ),
        "active.http_path must be /ispyb/api/v1/core/ready",
    ),
    "an upstream without passive checks": (
        lambda c: _upstream(c, "ssx")["healthchecks"].pop("passive"),
        "healthchecks.passive is required",
    ),
    "passive checks that never trip": (
        lambda c: _upstream(c, "ssx")["healthchecks"]["passive"]["unhealthy"].update(
            tcp_failures=0
        ),
        "max_fails",
    ),
    "a target that is not the compose name": (
        lambda c: _upstream(c, "auth").update(targets=[{"target": "10.0.0.5:8004"}]),
        "must be auth:<port>",
    ),
    "an upstream without targets": (
        lambda c: _upstream(c, "auth").update(targets=[]),
        "targets must list",
    ),
    "weighted targets": (
        lambda c: _upstream(c, "auth").update(targets=[{"target": "auth:8004", "weight": 5}]),
        "not reproduced",
    ),
    "hash balancing": (
        lambda c: _upstream(c, "auth").update(algorithm="consistent-hashing"),
        "algorithm must be",
    ),
    "an upstream no service uses": (
        lambda c: c["upstreams"].append(copy.deepcopy(_upstream(c, "auth")) | {"name": "spare"}),
        "no service uses it",
    ),
    "rate limit by consumer (needs Kong authentication)": (
        lambda c: _global(c, "rate-limiting")["config"].update(limit_by="consumer"),
        "limit_by must be ip or header",
    ),
    "rate limit by a header the client makes up": (
        lambda c: _global(c, "rate-limiting")["config"].update(header_name="X-Client"),
        "header_name must be Authorization",
    ),
    "the login limited per token": (
        lambda c: _login_limit(c).update(limit_by="header", header_name="Authorization"),
        "the rate limit of a credential route must be limit_by ip",
    ),
    "redis policy without a host": (
        lambda c: _global(c, "rate-limiting")["config"].update(policy="redis"),
        "needs redis.host",
    ),
    "a redis password in the file": (
        lambda c: _global(c, "rate-limiting")["config"].update(
            policy="redis", redis={"host": "redis", "password": "hunter2"}
        ),
        "vault reference",
    ),
    "a plugin for a service that does not exist": (
        lambda c: c["plugins"].append(
            {"name": "request-size-limiting", "service": "nope", "config": {}}
        ),
        "does not exist",
    ),
    "a disabled plugin": (
        lambda c: _global(c, "prometheus").update(enabled=False),
        "enabled must be true",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_kong_yml_is_caught(case, source_config, gateway_tool, tmp_path):
    mutate, expected = BROKEN[case]
    mutate(source_config)
    problems = gateway_tool.check_kong_config(source_config)
    assert any(expected in problem for problem in problems), problems
    broken = tmp_path / "kong.yml"
    broken.write_text(yaml.safe_dump(source_config, sort_keys=False))
    result = check_cli(broken)
    assert result.returncode == 1 and expected in result.stdout
    # Nothing is rendered from it either: `make run` stops with the problems.
    with pytest.raises(gateway_tool.GatewayConfigError, match="problems"):
        gateway_tool.render_site({"ISPYB_VAR_DIR": str(tmp_path / "var")}, source=broken)


def test_shared_counters_with_redis_as_documented_pass_the_checks(source_config, gateway_tool):
    """docs/gateway.md's settings for several Kong nodes: one Redis, password from Kong's
    vault (an environment variable of the Kong container), never in kong.yml."""
    _global(source_config, "rate-limiting")["config"].update(
        policy="redis",
        redis={
            "host": "redis",
            "port": 6379,
            "database": 0,
            "timeout": 2000,
            "password": "{vault://env/ispyb-redis-password}",
        },
    )
    assert gateway_tool.check_kong_config(source_config) == []


DECK_CATCHES = {
    "invalid YAML": "_format_version: '3.0'\nservices: [\n",
    "two services with one name": """
_format_version: "3.0"
services:
  - {name: core, url: "http://core:8001", routes: [{name: a, paths: [/a], strip_path: false}]}
  - {name: core, url: "http://core:8001", routes: [{name: b, paths: [/b], strip_path: false}]}
""",
    "a Kong-3-only service field decK 1.4 rejects": """
_format_version: "3.0"
services:
  - {name: core, url: "http://core:8001", enabled: true,
     routes: [{name: a, paths: [/a], strip_path: false}]}
""",
}


@pytest.mark.parametrize("case", sorted(DECK_CATCHES))
def test_structural_errors_are_caught_by_deck_and_by_our_check(case, tmp_path):
    broken = tmp_path / "kong.yml"
    broken.write_text(DECK_CATCHES[case])
    assert deck(broken).returncode != 0
    assert check_cli(broken).returncode == 1


@pytest.mark.parametrize("selection", ["core,ssx,em,auth", "core,auth,em", "core"])
def test_rendered_site_kong_yml_passes_deck_and_the_checks(selection, gateway_tool, tmp_path):
    rendered = gateway_tool.render_site(
        {"ISPYB_VAR_DIR": str(tmp_path)}, services=selection, kong_only=True
    )
    result = deck(rendered.kong_file)
    assert result.returncode == 0, result.stdout + result.stderr
    assert check_cli(rendered.kong_file).returncode == 0
