"""The API gateway's configuration: project checks, per-site selection, local nginx.

``gateway/kong.yml`` (Kong 3, DB-less) is the one source of the gateway's routes and
plugins. This tool:

- checks a kong.yml for what decK does not check (``check``): known plugins and their
  config keys and values, ``_format_version``, every service has a route, paths start
  with ``/``, no two routes overlap, a rate-limiting policy that works without a
  database, no secrets, and only features the local gateway reproduces;
- renders, for the services a site deploys (``ISPYB_SERVICES``), a filtered kong.yml (what
  Kong reads in production) and an nginx.conf (the local gateway of ``make run``) that
  reproduces the plugins with stock nginx (``render``); the unified docs page is rendered
  into both;
- runs that nginx in the foreground (``run``).

Settings (environment; the command line can override some):
  ISPYB_SERVICES              services to deploy, space- or comma-separated (default: all)
  ISPYB_GATEWAY_SOURCE        the source kong.yml (default gateway/kong.yml)
  ISPYB_GATEWAY_CORS_ORIGINS  comma-separated origins allowed by CORS (default: kong.yml's)
  ISPYB_GATEWAY_PORT          port of the local gateway (default 8000)
  ISPYB_HOST                  address the local gateway listens on and finds services at
                              (default 127.0.0.1)
  ISPYB_<SVC>_PORT            port of a service for the local gateway (default: the port
                              of the service's URL in kong.yml)
  ISPYB_VAR_DIR               var directory (default ./var): the rendered files go to
                              var/gateway/, the gateway's logs to var/log/
  ISPYB_GATEWAY_WORKERS       nginx worker processes (default auto: one per CPU)

docs/gateway.md explains the mapping from each Kong plugin to nginx, and the differences.
"""

from __future__ import annotations

import argparse
import copy
import html
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT / "gateway" / "kong.yml"
API_ROOT = "/ispyb/api/v1"
FORMAT_VERSION = "3.0"
DEFAULT_GATEWAY_PORT = 8000

# Tags that give a Kong service a role in this project.
SERVICE_TAG = "ispyb-service"  # a project service, selectable per site
DOCS_TAG = "ispyb-docs"  # the route that answers the unified docs page

# Shown on the docs page next to each service's links.
SERVICE_DESCRIPTIONS = {
    "core": "Proposals, sessions, people, laboratories and lab contacts",
    "ssx": "Serial synchrotron crystallography",
    "em": "Cryo-electron microscopy",
    "auth": "Login, tokens and permissions",
}

# --- what a kong.yml of this project may contain ------------------------------------------

TOP_LEVEL_KEYS = {"_format_version", "_info", "services", "plugins"}
SERVICE_KEYS = {"name", "url", "tags", "routes", "plugins"} | {
    "connect_timeout",
    "read_timeout",
    "write_timeout",
    "retries",
}
ROUTE_KEYS = {"name", "paths", "strip_path", "preserve_host", "protocols", "tags", "plugins"} | {
    "https_redirect_status_code",
    "request_buffering",
    "response_buffering",
}
# Route fields Kong has but the local gateway does not reproduce: with them, development
# and production would route differently. (A route with `methods` must also list OPTIONS,
# or CORS preflights get 404 from Kong.)
ROUTE_KEYS_NOT_REPRODUCED = {"methods", "hosts", "headers", "snis", "sources", "destinations"} | {
    "expression",
    "priority",
    "regex_priority",
    "path_handling",
}
PLUGIN_KEYS = {"name", "config", "enabled", "protocols", "tags", "service", "route"}

# Kong 3 bundled plugins this project uses, with every config key of their schema.
KNOWN_PLUGINS: dict[str, set[str]] = {
    name: set(keys.split())
    for name, keys in {
        "correlation-id": "header_name generator echo_downstream",
        "file-log": "path reopen custom_fields_by_lua",
        "cors": "origins headers exposed_headers methods max_age credentials private_network "
        "preflight_continue allow_origin_absent",
        "rate-limiting": "second minute hour day month year limit_by header_name path policy "
        "fault_tolerant redis redis_host redis_port redis_password redis_username redis_ssl "
        "redis_ssl_verify redis_server_name redis_timeout redis_database hide_client_headers "
        "error_code error_message sync_rate",
        "request-size-limiting": "allowed_payload_size size_unit require_content_length",
        "prometheus": "per_consumer status_code_metrics ai_metrics latency_metrics "
        "bandwidth_metrics upstream_health_metrics",
        "request-termination": "status_code message content_type body echo trigger",
    }.items()
}
# The local gateway implements these once for the whole server.
GLOBAL_ONLY_PLUGINS = {"correlation-id", "file-log", "cors", "prometheus"}
RATE_WINDOWS = ("second", "minute", "hour", "day", "month", "year")
# nginx's limit_req counts per second or per minute; an hour is spread over its minutes.
LOCAL_RATE_WINDOWS = ("second", "minute", "hour")
CORS_METHODS = {"GET", "HEAD", "PUT", "PATCH", "POST", "DELETE", "OPTIONS", "TRACE", "CONNECT"}
SIZE_UNITS = {"megabytes": 1024 * 1024, "kilobytes": 1024, "bytes": 1}
SECRET_KEY = re.compile(r"password|secret|token|api_?key|private_key", re.I)
NAME = re.compile(r"^[a-z][a-z0-9-]*$")
HEADER_NAME = re.compile(r"^[A-Za-z0-9-]+$")


class GatewayConfigError(Exception):
    """The kong.yml or the site settings are wrong; the message says what to fix."""


# --- loading and checking ------------------------------------------------------------------


def load_kong_config(path: Path) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise GatewayConfigError(f"cannot read {path}: {exc.strerror}") from None
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise GatewayConfigError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(config, dict):
        raise GatewayConfigError(f"{path}: the top level must be a mapping")
    return config


def _plugins_of(entity: Mapping[str, Any]) -> list[Any]:
    plugins = entity.get("plugins") or []
    return plugins if isinstance(plugins, list) else []


def _routes_of(service: Mapping[str, Any]) -> list[Any]:
    routes = service.get("routes") or []
    return routes if isinstance(routes, list) else []


def _services_of(config: Mapping[str, Any]) -> list[dict[str, Any]]:
    services = config.get("services") or []
    return [s for s in services if isinstance(s, dict)] if isinstance(services, list) else []


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_kong_config(config: Mapping[str, Any]) -> list[str]:
    """Every problem of a kong.yml that decK's validate does not report; [] when fine."""
    problems: list[str] = []
    add = problems.append

    version = config.get("_format_version")
    if version != FORMAT_VERSION:
        add(f'_format_version must be the string "{FORMAT_VERSION}" (Kong 3), not {version!r}')
    for key in sorted(set(config) - TOP_LEVEL_KEYS):
        add(
            f"top-level key {key!r} is not used by this project "
            f"(allowed: {_sorted(TOP_LEVEL_KEYS)})"
        )

    services = config.get("services")
    if not isinstance(services, list) or not services:
        add("services: there must be a list of services")
        services = []

    service_names: set[str] = set()
    route_names: dict[str, str] = {}  # route -> service
    route_paths: list[tuple[str, str, str]] = []  # (path, route, service)
    for index, service in enumerate(services):
        if not isinstance(service, dict):
            add(f"services[{index}] must be a mapping")
            continue
        name = service.get("name")
        where = f"service {name!r}" if name else f"services[{index}]"
        if not isinstance(name, str) or not NAME.match(name):
            add(f"{where}: name must match {NAME.pattern}")
            name = f"#{index}"
        elif name in service_names:
            add(f"{where}: the name is used twice")
        service_names.add(name)
        for key in sorted(set(service) - SERVICE_KEYS):
            add(
                f"{where}: key {key!r} is not used by this project "
                f"(allowed: {_sorted(SERVICE_KEYS)})"
            )
        _check_service_url(service, where, add)
        for key in ("connect_timeout", "read_timeout", "write_timeout"):
            if key in service and not (
                isinstance(service[key], int) and not isinstance(service[key], bool)
            ):
                add(f"{where}: {key} must be a number of milliseconds")
            elif key in service and service[key] < 1:
                add(f"{where}: {key} must be at least 1 ms")
        tags = service.get("tags") or []
        if not isinstance(tags, list):
            add(f"{where}: tags must be a list")
            tags = []
        routes = service.get("routes")
        if not isinstance(routes, list) or not routes:
            add(f"{where}: has no route (every service needs at least one)")
            routes = []
        for route_index, route in enumerate(routes):
            _check_route(route, route_index, name, tags, where, route_names, route_paths, add)
        for plugin in _plugins_of(service):
            _check_plugin(plugin, f"{where}, plugin", "service", add, nested=True)
        if "plugins" in service and not isinstance(service["plugins"], list):
            add(f"{where}: plugins must be a list")

    plugins = config.get("plugins", [])
    if not isinstance(plugins, list):
        add("plugins: must be a list")
        plugins = []
    for index, plugin in enumerate(plugins):
        if not isinstance(plugin, dict):
            add(f"plugins[{index}] must be a mapping")
            continue
        scope = "global"
        if plugin.get("route") is not None:
            scope = "route"
            if plugin["route"] not in route_names:
                add(
                    f"plugins[{index}] ({plugin.get('name')}): route {plugin['route']!r} "
                    "does not exist"
                )
        elif plugin.get("service") is not None:
            scope = "service"
            if plugin["service"] not in service_names:
                add(
                    f"plugins[{index}] ({plugin.get('name')}): service "
                    f"{plugin['service']!r} does not exist"
                )
        _check_plugin(plugin, f"plugins[{index}]", scope, add)
    _check_duplicate_plugins(config, add)
    _check_overlaps(route_paths, add)
    if not any(p.get("name") == "correlation-id" for p in plugins if isinstance(p, dict)):
        add("plugins: correlation-id must be enabled globally (logs are joined by request id)")
    return problems


def _sorted(values: Iterable[str]) -> str:
    return ", ".join(sorted(values))


def _check_service_url(service: Mapping[str, Any], where: str, add) -> None:
    url = service.get("url")
    if not isinstance(url, str):
        add(f"{where}: url is required (http://<host>:<port>)")
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        add(f"{where}: url {url!r} must be http(s)://<host>[:<port>]")
    elif parts.path not in ("", "/"):
        # The services serve under their own prefix: an upstream path would be prepended.
        add(f"{where}: url {url!r} must have no path (routes keep the request path as is)")
    if parts.username or parts.password:
        add(f"{where}: url {url!r} must not contain credentials")


def _check_route(route, index, service_name, tags, where, route_names, route_paths, add) -> None:
    if not isinstance(route, dict):
        add(f"{where}: routes[{index}] must be a mapping")
        return
    name = route.get("name")
    route_where = f"route {name!r}" if name else f"{where}, routes[{index}]"
    if not isinstance(name, str) or not NAME.match(name):
        add(f"{route_where}: name must match {NAME.pattern}")
    elif name in route_names:
        add(f"{route_where}: the name is used twice")
    else:
        route_names[name] = service_name
    for key in sorted(set(route) - ROUTE_KEYS):
        if key in ROUTE_KEYS_NOT_REPRODUCED:
            add(
                f"{route_where}: {key!r} is not reproduced by the local gateway, so development "
                f"and production would route differently; route by path prefix only"
            )
        else:
            add(
                f"{route_where}: key {key!r} is not used by this project "
                f"(allowed: {_sorted(ROUTE_KEYS)})"
            )
    if route.get("strip_path") is not False:
        add(
            f"{route_where}: strip_path must be false (Kong's default true would strip the "
            f"prefix the services serve under)"
        )
    paths = route.get("paths")
    if not isinstance(paths, list) or not paths:
        add(f"{route_where}: paths must be a non-empty list")
        return
    for path in paths:
        if not isinstance(path, str) or not path.startswith("/"):
            add(
                f"{route_where}: path {path!r} must start with '/' (plain prefixes only; "
                f"regex paths '~...' are not reproduced by the local gateway)"
            )
            continue
        if re.search(r"[\s\"'{};$\\]", path):
            add(f"{route_where}: path {path!r} contains characters not allowed in a prefix")
            continue
        if SERVICE_TAG in tags:
            prefix = f"{API_ROOT}/{service_name}"
            if path != prefix and not path.startswith(prefix + "/"):
                add(
                    f"{route_where}: path {path!r} of project service {service_name!r} must be "
                    f"{prefix} or under it"
                )
        route_paths.append((path, name if isinstance(name, str) else route_where, service_name))
    for plugin in _plugins_of(route):
        _check_plugin(plugin, f"{route_where}, plugin", "route", add, nested=True)


def _check_plugin(plugin: Any, where: str, scope: str, add, *, nested: bool = False) -> None:
    if not isinstance(plugin, dict):
        add(f"{where}: a plugin must be a mapping")
        return
    name = plugin.get("name")
    where = f"{where} {name!r}"
    if name not in KNOWN_PLUGINS:
        add(f"{where}: unknown plugin (this project knows: {_sorted(KNOWN_PLUGINS)})")
        return
    for key in sorted(set(plugin) - PLUGIN_KEYS):
        add(f"{where}: key {key!r} is not allowed in a plugin entry")
    if nested and ("service" in plugin or "route" in plugin):
        add(f"{where}: a nested plugin must not name a service or route")
    if plugin.get("enabled", True) is not True:
        add(f"{where}: enabled must be true (remove the plugin to disable it)")
    if name in GLOBAL_ONLY_PLUGINS and scope != "global":
        add(f"{where}: must be global (the local gateway applies it to every request)")
    config = plugin.get("config", {})
    if not isinstance(config, dict):
        add(f"{where}: config must be a mapping")
        return
    for key in sorted(set(config) - KNOWN_PLUGINS[name]):
        add(f"{where}: unknown config key {key!r} (known: {_sorted(KNOWN_PLUGINS[name])})")
    for key, value in config.items():
        if SECRET_KEY.search(key) and isinstance(value, str) and value:
            add(f"{where}: config.{key} looks like a secret; secrets do not belong in kong.yml")
    checker = _PLUGIN_CHECKS.get(name)
    if checker:
        checker(config, where, add)


def _check_correlation_id(config, where, add) -> None:
    header = config.get("header_name", "Kong-Request-ID")
    if not isinstance(header, str) or not HEADER_NAME.match(header):
        add(f"{where}: header_name must be a header name")
    if config.get("generator", "uuid#counter") not in ("uuid", "uuid#counter", "tracker"):
        add(f"{where}: generator must be uuid, uuid#counter or tracker")
    if not isinstance(config.get("echo_downstream", False), bool):
        add(f"{where}: echo_downstream must be true or false")


def _check_file_log(config, where, add) -> None:
    if not isinstance(config.get("path"), str) or not config["path"].startswith("/"):
        add(f"{where}: path is required and must be absolute (e.g. /dev/stdout)")
    fields = config.get("custom_fields_by_lua", {})
    if not isinstance(fields, dict) or not all(isinstance(v, str) for v in fields.values()):
        add(f"{where}: custom_fields_by_lua must map field names to Lua snippets")


def _check_cors(config, where, add) -> None:
    origins = config.get("origins", [])
    if not isinstance(origins, list) or not all(isinstance(o, str) and o for o in origins):
        add(f"{where}: origins must be a list of origins")
    else:
        for origin in origins:
            if origin != "*" and not _is_regex_origin(origin):
                parts = urlsplit(origin)
                if parts.scheme not in ("http", "https") or not parts.hostname or parts.path:
                    add(f"{where}: origin {origin!r} must be scheme://host[:port] or '*'")
            elif _is_regex_origin(origin):
                try:
                    re.compile(origin)
                except re.error as exc:
                    add(f"{where}: origin {origin!r} is not a valid regex: {exc}")
    methods = config.get("methods", [])
    if not isinstance(methods, list) or not set(methods) <= CORS_METHODS:
        add(f"{where}: methods must be a list of {_sorted(CORS_METHODS)}")
    for key in ("headers", "exposed_headers"):
        values = config.get(key, [])
        if not isinstance(values, list) or not all(
            isinstance(v, str) and HEADER_NAME.match(v) for v in values
        ):
            add(f"{where}: {key} must be a list of header names")
    if "max_age" in config and not (_is_number(config["max_age"]) and config["max_age"] >= 0):
        add(f"{where}: max_age must be a number of seconds")
    for key in ("credentials", "preflight_continue", "private_network"):
        if not isinstance(config.get(key, False), bool):
            add(f"{where}: {key} must be true or false")
    if config.get("preflight_continue"):
        add(f"{where}: preflight_continue is not reproduced by the local gateway")


def _check_rate_limiting(config, where, add) -> None:
    windows = [w for w in RATE_WINDOWS if w in config]
    if not windows:
        add(f"{where}: set at least one of {', '.join(RATE_WINDOWS)}")
    for window in windows:
        if not _is_number(config[window]) or config[window] <= 0:
            add(f"{where}: {window} must be a positive number")
    for window in windows:
        if window not in LOCAL_RATE_WINDOWS:
            add(
                f"{where}: {window} windows are not reproduced by the local gateway "
                f"(use {', '.join(LOCAL_RATE_WINDOWS)})"
            )
    numeric = [(w, config[w]) for w in windows if _is_number(config[w])]
    for i, (lower, lower_limit) in enumerate(numeric):
        for upper, upper_limit in numeric[i + 1 :]:
            if upper_limit < lower_limit:
                add(
                    f"{where}: the limit for {upper} ({upper_limit}) cannot be lower than the "
                    f"limit for {lower} ({lower_limit})"
                )
    policy = config.get("policy")
    if policy not in ("local", "redis"):
        add(
            f"{where}: policy must be set to local or redis: DB-less Kong has no database for "
            f"the default policy 'cluster' (got {policy!r})"
        )
    if config.get("limit_by", "consumer") != "ip":
        add(f"{where}: limit_by must be ip (the only key the local gateway reproduces)")
    if "error_code" in config and config["error_code"] != 429:
        add(f"{where}: error_code must stay 429")


def _check_request_size_limiting(config, where, add) -> None:
    size = config.get("allowed_payload_size", 128)
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        add(f"{where}: allowed_payload_size must be a positive integer")
    if config.get("size_unit", "megabytes") not in SIZE_UNITS:
        add(f"{where}: size_unit must be one of {_sorted(SIZE_UNITS)}")


def _check_prometheus(config, where, add) -> None:
    for key, value in config.items():
        if not isinstance(value, bool):
            add(f"{where}: {key} must be true or false")


def _check_request_termination(config, where, add) -> None:
    status = config.get("status_code", 503)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        add(f"{where}: status_code must be an integer from 100 to 599")
    if config.get("message") and (config.get("body") or config.get("content_type")):
        add(f"{where}: message cannot be used with content_type or body")
    if config.get("content_type") and not config.get("body"):
        add(f"{where}: content_type requires a body")
    if config.get("echo"):
        add(f"{where}: echo is not reproduced by the local gateway")


_PLUGIN_CHECKS = {
    "correlation-id": _check_correlation_id,
    "file-log": _check_file_log,
    "cors": _check_cors,
    "rate-limiting": _check_rate_limiting,
    "request-size-limiting": _check_request_size_limiting,
    "prometheus": _check_prometheus,
    "request-termination": _check_request_termination,
}


def _check_duplicate_plugins(config: Mapping[str, Any], add) -> None:
    """Kong allows one instance of a plugin per scope (global, a service, a route)."""
    scopes: dict[tuple[str, str], list[str]] = {}
    for plugin in _plugins_of(config):
        if isinstance(plugin, dict):
            scope = (
                f"route {plugin['route']}"
                if plugin.get("route")
                else f"service {plugin['service']}"
                if plugin.get("service")
                else "global"
            )
            scopes.setdefault((scope, str(plugin.get("name"))), []).append("")
    for service in _services_of(config):
        for plugin in _plugins_of(service):
            if isinstance(plugin, dict):
                key = (f"service {service.get('name')}", str(plugin.get("name")))
                scopes.setdefault(key, []).append("")
        for route in _routes_of(service):
            if isinstance(route, dict):
                for plugin in _plugins_of(route):
                    if isinstance(plugin, dict):
                        key = (f"route {route.get('name')}", str(plugin.get("name")))
                        scopes.setdefault(key, []).append("")
    for (scope, name), uses in sorted(scopes.items()):
        if len(uses) > 1:
            add(f"plugin {name!r} is configured {len(uses)} times for {scope}")


def _check_overlaps(route_paths: list[tuple[str, str, str]], add) -> None:
    """Two routes overlap when one request could match both and it is not obvious which.

    Kong matches paths as plain string prefixes and prefers the longest. So identical paths
    are ambiguous, and a path that is a prefix of another service's path (/ispyb/api/v1/core
    and /ispyb/api/v1/corex, or /ispyb/api/v1/core and /ispyb/api/v1/core/x of another
    service) mixes two services' URLs. A longer path of the same service (auth-login inside
    auth-api) is how a route gets its own plugins, and is allowed.
    """
    for i, (path, route, service) in enumerate(route_paths):
        for other_path, other_route, other_service in route_paths[i + 1 :]:
            if path == other_path:
                add(f"routes {route!r} and {other_route!r} overlap: both have path {path}")
            elif service != other_service and (
                path.startswith(other_path) or other_path.startswith(path)
            ):
                add(
                    f"routes {route!r} (service {service}) and {other_route!r} (service "
                    f"{other_service}) overlap: {path} and {other_path} are prefixes of one "
                    f"another, so one service's URLs would reach the other"
                )


def deck_validate(path: Path) -> tuple[bool, str]:
    """decK's structural validation of a kong.yml (offline). (ok, output)."""
    deck = shutil.which("deck")
    if deck is None:
        raise GatewayConfigError("deck is not installed: bash tools/install-system-deps.sh deck")
    result = subprocess.run(
        [deck, "validate", "-s", str(path)], capture_output=True, text=True, timeout=60
    )
    return result.returncode == 0, (result.stdout + result.stderr).strip()


# --- per-site selection ---------------------------------------------------------------------


def project_services(config: Mapping[str, Any]) -> list[str]:
    return [s["name"] for s in _services_of(config) if SERVICE_TAG in (s.get("tags") or [])]


def parse_selection(raw: str | None, config: Mapping[str, Any]) -> list[str]:
    """The services named by ISPYB_SERVICES (all project services when unset)."""
    known = project_services(config)
    if raw is None or not raw.strip():
        return known
    names = [name for name in raw.replace(",", " ").split() if name]
    unknown = [name for name in names if name not in known]
    if unknown:
        raise GatewayConfigError(
            f"ISPYB_SERVICES names unknown service(s) {', '.join(unknown)}; "
            f"kong.yml has: {', '.join(known)}"
        )
    return [name for name in known if name in names]  # kong.yml's order, no duplicates


def select_services(config: Mapping[str, Any], selected: Iterable[str]) -> dict[str, Any]:
    """A copy of ``config`` without the project services that are not selected."""
    selected = set(selected)
    result = copy.deepcopy(dict(config))
    kept, dropped_services, dropped_routes = [], set(), set()
    for service in _services_of(result):
        if SERVICE_TAG in (service.get("tags") or []) and service["name"] not in selected:
            dropped_services.add(service["name"])
            dropped_routes.update(r.get("name") for r in _routes_of(service) if isinstance(r, dict))
        else:
            kept.append(service)
    result["services"] = kept
    result["plugins"] = [
        plugin
        for plugin in _plugins_of(result)
        if plugin.get("service") not in dropped_services
        and plugin.get("route") not in dropped_routes
    ]
    return result


def docs_page(selected: Iterable[str]) -> str:
    """The unified docs page: each deployed service's Swagger UI and OpenAPI document."""
    rows = []
    for name in selected:
        base = f"{API_ROOT}/{name}"
        rows.append(
            f'<tr class="service" id="service-{name}"><td class="name">{html.escape(name)}</td>'
            f"<td>{html.escape(SERVICE_DESCRIPTIONS.get(name, ''))}</td>"
            f'<td><a class="swagger-ui" href="{base}/docs">Swagger UI</a></td>'
            f'<td><a class="openapi" href="{base}/swagger.json">swagger.json</a></td>'
            f"<td><code>{base}</code></td></tr>"
        )
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8"><title>ISPyB API</title>\n'
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse}td,th{padding:.4em .8em;border-bottom:1px solid #ddd;"
        "text-align:left}</style></head>\n"
        "<body><h1>ISPyB API</h1>\n"
        "<p>The services deployed here. Every link goes through this gateway: the same URLs "
        "work for API clients. Errors use one JSON envelope "
        '<code>{"code","message","details","requestId"}</code>; send '
        "<code>X-Request-ID</code> to follow a request through the logs.</p>\n"
        "<table><thead><tr><th>Service</th><th>What</th><th>Interactive docs</th>"
        "<th>OpenAPI document</th><th>Base URL</th></tr></thead><tbody>\n"
        + "\n".join(rows)
        + "\n</tbody></table></body></html>\n"
    )


def set_docs_page(config: dict[str, Any], page: str) -> None:
    """Put the page into the request-termination plugin of the docs route(s)."""
    for service in _services_of(config):
        docs_service = DOCS_TAG in (service.get("tags") or [])
        for route in _routes_of(service):
            if docs_service or DOCS_TAG in (route.get("tags") or []):
                for plugin in _plugins_of(route) + _plugins_of(service):
                    if plugin.get("name") == "request-termination":
                        plugin.setdefault("config", {})["body"] = page


def set_cors_origins(config: dict[str, Any], origins: list[str]) -> None:
    for plugin in _plugins_of(config):
        if plugin.get("name") == "cors":
            plugin.setdefault("config", {})["origins"] = list(origins)


def parse_origins(raw: str) -> list[str]:
    origins = [origin.strip() for origin in raw.split(",") if origin.strip()]
    if not origins:
        raise GatewayConfigError("ISPYB_GATEWAY_CORS_ORIGINS is set but names no origin")
    return origins


# --- the local gateway: nginx ---------------------------------------------------------------


@dataclass
class LocalSettings:
    """Where the local gateway listens, finds the services and writes its files."""

    listen_host: str = "127.0.0.1"
    listen_port: int = DEFAULT_GATEWAY_PORT
    upstream_host: str = "127.0.0.1"
    service_ports: dict[str, int] = field(default_factory=dict)
    prefix_dir: Path = ROOT / "var" / "gateway"
    log_dir: Path = ROOT / "var" / "log"
    workers: str = "auto"


@dataclass
class Route:
    name: str
    service: str
    paths: list[str]
    plugins: dict[str, dict[str, Any]]  # effective plugin configs by name
    overridden: set[str]  # plugins set on the service or route, replacing the global one
    preserve_host: bool
    upstream: tuple[str, int] | None  # None: answered by the gateway itself
    timeouts: dict[str, int]


def effective_routes(config: Mapping[str, Any], settings: LocalSettings) -> list[Route]:
    """Every route with the plugins that apply to it: route's over service's over global."""
    global_plugins, by_service, by_route = {}, {}, {}
    for plugin in _plugins_of(config):
        if plugin.get("route"):
            by_route.setdefault(plugin["route"], {})[plugin["name"]] = plugin.get("config") or {}
        elif plugin.get("service"):
            by_service.setdefault(plugin["service"], {})[plugin["name"]] = (
                plugin.get("config") or {}
            )
        else:
            global_plugins[plugin["name"]] = plugin.get("config") or {}
    routes = []
    for service in _services_of(config):
        url = urlsplit(service["url"])
        port = settings.service_ports.get(service["name"]) or url.port or 80
        service_plugins = {p["name"]: p.get("config") or {} for p in _plugins_of(service)}
        service_plugins.update(by_service.get(service["name"], {}))
        for route in _routes_of(service):
            specific = dict(service_plugins)
            specific.update({p["name"]: p.get("config") or {} for p in _plugins_of(route)})
            specific.update(by_route.get(route["name"], {}))
            plugins = {**global_plugins, **specific}
            terminated = "request-termination" in plugins
            routes.append(
                Route(
                    name=route["name"],
                    service=service["name"],
                    paths=list(route["paths"]),
                    plugins=plugins,
                    overridden=set(specific),
                    preserve_host=bool(route.get("preserve_host", False)),
                    upstream=None if terminated else (settings.upstream_host, port),
                    timeouts={
                        "proxy_connect_timeout": service.get("connect_timeout", 60000),
                        "proxy_send_timeout": service.get("write_timeout", 60000),
                        "proxy_read_timeout": service.get("read_timeout", 60000),
                    },
                )
            )
    return routes


# The gateway's own errors: Kong's status and message, in the services' envelope.
GATEWAY_ERRORS = {
    400: ("BAD_REQUEST", "Bad request"),
    404: ("NOT_FOUND", "no Route matched with those values"),
    408: ("BAD_REQUEST", "Request timeout"),
    413: ("PAYLOAD_TOO_LARGE", "Request size limit exceeded"),
    414: ("BAD_REQUEST", "URI too long"),
    429: ("RATE_LIMITED", "API rate limit exceeded"),
    494: ("BAD_REQUEST", "Request header or cookie too large"),
    500: ("INTERNAL_ERROR", "An unexpected error occurred"),
    502: ("SERVICE_UNAVAILABLE", "An invalid response was received from the upstream server"),
    503: ("SERVICE_UNAVAILABLE", "The upstream server is currently unavailable"),
    504: ("SERVICE_UNAVAILABLE", "The upstream server is timing out"),
}


def _nginx_string(text: str) -> str:
    """A single-quoted nginx string whose content is taken literally.

    nginx expands ``$name`` inside strings and has no escape for ``$``; a variable that
    holds a dollar sign (``$ispyb_dollar``) stands in for it.
    """
    escaped = text.replace("\\", "\\\\").replace("'", "\\'").replace("$", "${ispyb_dollar}")
    return f"'{escaped}'"


def _error_body(status: int) -> str:
    code, message = GATEWAY_ERRORS[status]
    details = "null" if status in (400, 404, 408, 414, 494) else '{"service":"$ispyb_service"}'
    # The request id is either validated ([A-Za-z0-9._:-]) or generated (hex): JSON-safe.
    return (
        f'\'{{"code":"{code}","message":"{message}","details":{details},'
        f'"requestId":"$ispyb_request_id"}}\''
    )


def _seconds_to_ms_map(source: str, target: str, missing: str) -> list[str]:
    """nginx has no arithmetic: turn "0.012" (seconds) into 12 (ms) with regexes."""
    last = "(?:.*, )?"  # with retries nginx lists every try; the last one answered
    return [
        f"    map {source} {target} {{",
        f'        "~^{last}0\\.0*(?<{target[1:]}_ms>\\d+)$" ${target[1:]}_ms;',
        f'        "~^{last}(?<{target[1:]}_s>[1-9]\\d*)\\.(?<{target[1:]}_f>\\d{{3}})$" '
        f'"${target[1:]}_s${target[1:]}_f";',
        f"        default {missing};",
        "    }",
    ]


def _rate_limit_zones(
    route_or_global: str, config: Mapping[str, Any]
) -> list[tuple[str, str, int]]:
    """(zone name, nginx rate, burst) per window of a rate-limiting config.

    Kong counts requests in fixed windows; nginx's limit_req is a leaky bucket. A bucket
    of the window's limit (burst) that drains at limit per window lets the same number of
    requests through at once and the same average rate.
    """
    zones = []
    for window in LOCAL_RATE_WINDOWS:
        if window not in config:
            continue
        limit = int(config[window])
        if window == "second":
            rate = f"{limit}r/s"
        elif window == "minute":
            rate = f"{limit}r/m"
        else:  # an hour: nginx's finest unit is requests per minute
            rate = f"{max(1, -(-limit // 60))}r/m"
        zones.append((f"rl_{route_or_global}_{window}".replace("-", "_"), rate, limit))
    return zones


def _size_limit(config: Mapping[str, Any]) -> int:
    return (
        int(config.get("allowed_payload_size", 128))
        * SIZE_UNITS[config.get("size_unit", "megabytes")]
    )


def _origin_map_entries(origins: list[str], credentials: bool) -> list[str]:
    if "*" in origins:
        # With credentials the browser refuses "*": echo the origin instead, as Kong does.
        return [f"        default {'$http_origin' if credentials else '*'};"]
    entries = ['        default "";']
    for origin in origins:
        if _is_regex_origin(origin):
            # Kong anchors the end; entries without a port match the origin's host only.
            pattern = origin.removeprefix("^").removesuffix("$")
            if ":" in origin:
                entries.append(f'        "~^(?:{pattern})$" $http_origin;')
            else:
                entries.append(
                    f'        "~^[a-z][a-z0-9+.-]*://(?:{pattern})(?::\\d+)?$" $http_origin;'
                )
        else:
            entries.append(f'        "{_normalize_origin(origin)}" $http_origin;')
    return entries


def _is_regex_origin(origin: str) -> bool:
    return origin != "*" and re.search(r"[^A-Za-z0-9.:/-]", origin) is not None


def _normalize_origin(origin: str) -> str:
    parts = urlsplit(origin)
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    port = f":{parts.port}" if parts.port and parts.port != default_port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


class _Raw(str):
    """A log field written without quotes: a number (or null) from nginx."""


def _log_layout(id_header: str) -> dict[str, Any]:
    """Kong's file-log fields (kong.log.serialize), filled from nginx variables."""
    return {
        "started_at": _Raw("$ispyb_msec_ms"),
        "client_ip": "$remote_addr",
        "correlation_id": "$ispyb_request_id",
        "request": {
            "id": "$request_id",
            "method": "$request_method",
            "uri": "$request_uri",
            "url": "$scheme://$host:$server_port$request_uri",
            "size": _Raw("$request_length"),
            "headers": {
                "host": "$http_host",
                "user-agent": "$http_user_agent",
                "origin": "$http_origin",
                id_header.lower(): "$ispyb_request_id",
            },
        },
        "upstream_uri": "$ispyb_upstream_uri",
        "upstream_status": "$upstream_status",
        "response": {
            "status": _Raw("$status"),
            "size": _Raw("$bytes_sent"),
            "headers": {
                "content-type": "$sent_http_content_type",
                "content-length": "$sent_http_content_length",
            },
        },
        "latencies": {"request": _Raw("$ispyb_request_ms"), "proxy": _Raw("$ispyb_proxy_ms")},
        "service": {
            "name": "$ispyb_service",
            "host": "$ispyb_service_host",
            "port": _Raw("$ispyb_service_port"),
            "protocol": "http",
        },
        "route": {"name": "$ispyb_route"},
    }


def _json_template(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f'"{k}":{_json_template(v)}' for k, v in value.items()) + "}"
    return str(value) if isinstance(value, _Raw) else f'"{value}"'


def _log_format(id_header: str) -> list[str]:
    """The log_format directive: one quoted chunk per top-level field, for readability."""
    layout = _log_layout(id_header)
    chunks = [f'"{key}":{_json_template(value)}' for key, value in layout.items()]
    chunks = ["{" + chunks[0], *chunks[1:-1], chunks[-1] + "}"]
    lines = ["    log_format kong_file_log escape=json"]
    lines += [
        f"        '{chunk}{',' if i < len(chunks) - 1 else ''}'" for i, chunk in enumerate(chunks)
    ]
    lines[-1] += ";"
    return lines


def render_nginx(
    config: Mapping[str, Any], settings: LocalSettings, *, source: str = "gateway/kong.yml"
) -> str:
    """nginx.conf reproducing ``config`` (already filtered) with stock nginx."""
    problems = check_kong_config(config)
    if problems:
        raise GatewayConfigError("kong.yml has problems:\n  " + "\n  ".join(problems))
    routes = effective_routes(config, settings)
    global_plugins = {
        p["name"]: p.get("config") or {}
        for p in _plugins_of(config)
        if not p.get("service") and not p.get("route")
    }
    correlation = global_plugins["correlation-id"]
    id_header = correlation.get("header_name", "Kong-Request-ID")
    id_variable = "$http_" + id_header.lower().replace("-", "_")
    cors = global_plugins.get("cors")
    file_log = "file-log" in global_plugins
    prefix = settings.prefix_dir
    log_dir = settings.log_dir
    selected = [r.service for r in routes]
    out: list[str] = [
        f"# Generated by tools/gateway.py from {source} for: {', '.join(dict.fromkeys(selected))}.",
        "# Do not edit: edit gateway/kong.yml and render again (make run does).",
        "# docs/gateway.md maps each Kong plugin to the nginx directives below.",
        "daemon off;",
        f"worker_processes {settings.workers};",
        f"pid {prefix}/nginx.pid;",
        f"error_log {log_dir}/gateway-error.log warn;",
        "",
        "events {",
        "    worker_connections 1024;",
        "}",
        "",
        "http {",
        f"    client_body_temp_path {prefix}/tmp/client_body;",
        f"    proxy_temp_path {prefix}/tmp/proxy;",
        f"    fastcgi_temp_path {prefix}/tmp/fastcgi;",
        f"    uwsgi_temp_path {prefix}/tmp/uwsgi;",
        f"    scgi_temp_path {prefix}/tmp/scgi;",
        "    server_tokens off;",
        "    default_type application/json;",
        "    # nginx has no escape for $ in strings; literal text uses this variable.",
        '    geo $ispyb_dollar { default "$"; }',
        "",
        f"    # correlation-id: keep the client's {id_header} (when it is an id the services",
        "    # also keep), else generate a UUID-shaped one from nginx's random $request_id.",
        "    map $request_id $ispyb_generated_request_id {",
        '        "~^(?<rid_a>.{8})(?<rid_b>.{4})(?<rid_c>.{4})(?<rid_d>.{4})(?<rid_e>.{12})$" '
        '"$rid_a-$rid_b-$rid_c-$rid_d-$rid_e";',
        "    }",
        f"    map {id_variable} $ispyb_request_id {{",
        '        "~^[A-Za-z0-9._:-]{1,128}$" ' + id_variable + ";",
        "        default $ispyb_generated_request_id;",
        "    }",
        "",
        "    # Route and service of a request, also for requests nginx answers itself (413,",
        "    # 429): Kong's prefix matching, longest prefix first.",
        "    map $uri $ispyb_route {",
    ]
    for path, route in sorted(
        ((p, r) for r in routes for p in r.paths), key=lambda item: -len(item[0])
    ):
        out.append(f'        "~^{re.escape(path)}" {route.name};')
    out += ['        default "";', "    }", "    map $ispyb_route $ispyb_service {"]
    out += [f"        {r.name} {r.service};" for r in routes]
    out += ['        default "";', "    }", "    map $ispyb_service $ispyb_service_host {"]
    proxied = {r.service: r.upstream for r in routes if r.upstream}
    out += [f"        {name} {host};" for name, (host, _port) in proxied.items()]
    out += ['        default "";', "    }", "    map $ispyb_service $ispyb_service_port {"]
    out += [f"        {name} {port};" for name, (_host, port) in proxied.items()]
    out += ["        default null;", "    }", ""]

    if file_log:
        out += [
            "    # file-log: one JSON object per request with Kong's field names.",
            *_seconds_to_ms_map("$request_time", "$ispyb_request_ms", "-1"),
            *_seconds_to_ms_map("$upstream_response_time", "$ispyb_proxy_ms", "-1"),
            "    map $msec $ispyb_msec_ms {",
            '        "~^(?<msec_s>\\d+)\\.(?<msec_ms>\\d{3})$" "$msec_s$msec_ms";',
            "    }",
            "    map $upstream_addr $ispyb_upstream_uri {",
            '        "" "";',
            "        default $request_uri;",
            "    }",
            *_log_format(id_header),
            "",
        ]

    if cors is not None:
        origins = cors.get("origins") or ["*"]
        credentials = bool(cors.get("credentials", False))
        methods = ",".join(cors.get("methods") or sorted(CORS_METHODS))
        out += [
            "    # cors: allowed origins are echoed; preflights are answered by the gateway.",
            "    map $http_origin $ispyb_cors_allow_origin {",
            *_origin_map_entries(origins, credentials),
            "    }",
            '    map "$request_method:$http_origin:$http_access_control_request_method" '
            "$ispyb_cors_preflight {",
            '        "~^OPTIONS:.+:.+$" 1;',
            "        default 0;",
            "    }",
            "    map $ispyb_cors_allow_origin $ispyb_cors_allow_credentials {",
            '        "" "";',
            f'        default "{"true" if credentials else ""}";',
            "    }",
            '    map "$ispyb_cors_preflight:$http_origin" $ispyb_cors_expose_headers {',
            f'        "~^0:." "{",".join(cors.get("exposed_headers") or [])}";',
            '        default "";',
            "    }",
            "    map $ispyb_cors_preflight $ispyb_cors_allow_methods {",
            f'        1 "{methods}";',
            '        default "";',
            "    }",
            "    map $ispyb_cors_preflight $ispyb_cors_allow_headers {",
            # Kong echoes the requested headers when none are configured.
            f'        1 "{",".join(cors["headers"])}";'
            if cors.get("headers")
            else "        1 $http_access_control_request_headers;",
            '        default "";',
            "    }",
            "    map $ispyb_cors_preflight $ispyb_cors_max_age {",
            f'        1 "{cors["max_age"]}";' if "max_age" in cors else '        1 "";',
            '        default "";',
            "    }",
            "    map $http_origin $ispyb_cors_vary {",
            '        "" "";',
            f'        default "{"" if "*" in origins else "Origin"}";',
            "    }",
            "",
        ]

    # rate-limiting: one zone per window of each rate-limiting plugin instance.
    zone_sets: dict[str, list[tuple[str, str, int]]] = {}
    if "rate-limiting" in global_plugins:
        zone_sets["global"] = _rate_limit_zones("global", global_plugins["rate-limiting"])
    for route in routes:
        if "rate-limiting" in route.overridden:
            zone_sets[route.name] = _rate_limit_zones(
                f"route_{route.name}", route.plugins["rate-limiting"]
            )
    if zone_sets:
        out.append("    # rate-limiting (policy local): per client address, answered with 429.")
        for zones in zone_sets.values():
            for zone, rate, _burst in zones:
                out.append(f"    limit_req_zone $binary_remote_addr zone={zone}:10m rate={rate};")
        out += ["    limit_req_status 429;", "    limit_req_log_level warn;", ""]

    size_global = global_plugins.get("request-size-limiting")
    out += [
        "    server {",
        f"        listen {settings.listen_host}:{settings.listen_port};",
        "",
    ]
    if size_global is not None:
        size = _size_limit(size_global)
        out += [
            "        # request-size-limiting: larger bodies get 413 before reaching a service.",
            f"        client_max_body_size {size};",
        ]
    else:
        out.append("        client_max_body_size 0;")
    # Bodies stay in memory: nginx's workers may run as another user than the master,
    # which cannot then use temporary files under var/.
    buffer = _size_limit(size_global) if size_global is not None else 16 * 1024 * 1024
    out += [
        f"        client_body_buffer_size {buffer};",
        "        proxy_max_temp_file_size 0;",
    ]
    for zone, _rate, burst in zone_sets.get("global", []):
        out.append(f"        limit_req zone={zone} burst={burst} nodelay;")
    out += [
        "",
        f"        # correlation-id: to the service, and echoed to the client (echo_downstream: "
        f"{str(bool(correlation.get('echo_downstream'))).lower()}).",
        f"        proxy_set_header {id_header} $ispyb_request_id;",
        f"        proxy_hide_header {id_header};",
    ]
    if correlation.get("echo_downstream"):
        out.append(f"        add_header {id_header} $ispyb_request_id always;")
    if cors is not None:
        out += [
            "        add_header Access-Control-Allow-Origin $ispyb_cors_allow_origin always;",
            "        add_header Access-Control-Allow-Credentials $ispyb_cors_allow_credentials "
            "always;",
            "        add_header Access-Control-Expose-Headers $ispyb_cors_expose_headers always;",
            "        add_header Access-Control-Allow-Methods $ispyb_cors_allow_methods always;",
            "        add_header Access-Control-Allow-Headers $ispyb_cors_allow_headers always;",
            "        add_header Access-Control-Max-Age $ispyb_cors_max_age always;",
            "        add_header Vary $ispyb_cors_vary always;",
            "        proxy_hide_header Access-Control-Allow-Origin;",
            "        proxy_hide_header Access-Control-Allow-Credentials;",
            "        proxy_hide_header Access-Control-Expose-Headers;",
        ]
    out += [
        "        proxy_http_version 1.1;",
        '        proxy_set_header Connection "";',
        "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "        proxy_set_header X-Forwarded-Proto $scheme;",
        "        proxy_set_header X-Forwarded-Host $host;",
        "        proxy_set_header X-Forwarded-Port $server_port;",
        "        proxy_set_header X-Real-IP $remote_addr;",
        "        # The services' own errors pass through untouched; only the gateway's own",
        "        # answers get the bodies below.",
        "        proxy_intercept_errors off;",
        "",
    ]
    if file_log:
        out += [
            f"        access_log {log_dir}/gateway.log kong_file_log;",
            "        access_log /dev/stdout kong_file_log;",
        ]
    else:
        out.append("        access_log off;")
    out.append("")
    for status in GATEWAY_ERRORS:
        if status != 404:
            out.append(f"        error_page {status} @gateway_error_{status};")
    for status in GATEWAY_ERRORS:
        if status != 404:
            out += [
                f"        location @gateway_error_{status} {{",
                "            default_type application/json;",
                f"            return {status} {_error_body(status)};",
                "        }",
            ]
    out.append("")

    for route in routes:
        for path in route.paths:
            out += _render_location(route, path, global_plugins, zone_sets)
    out += [
        "        # No route: Kong's 404 message, in the services' envelope.",
        "        location / {",
        f"            return 404 {_error_body(404)};",
        "        }",
        "    }",
        "}",
        "",
    ]
    return "\n".join(out)


def _render_location(route: Route, path: str, global_plugins, zone_sets) -> list[str]:
    # `location <prefix>` (no trailing slash, no `=`) is Kong's plain prefix match.
    lines = [
        f"        # route {route.name} -> service {route.service}",
        f"        location {path} {{",
    ]
    if "cors" in global_plugins:
        lines.append("            if ($ispyb_cors_preflight) { return 200; }")
    for zone, _rate, burst in zone_sets.get(route.name, []):
        lines.append(f"            limit_req zone={zone} burst={burst} nodelay;")
    size = route.plugins.get("request-size-limiting")
    if "request-size-limiting" in route.overridden:
        lines.append(f"            client_max_body_size {_size_limit(size)};")
        lines.append(f"            client_body_buffer_size {_size_limit(size)};")
    termination = route.plugins.get("request-termination")
    if termination is not None:
        status = termination.get("status_code", 503)
        if termination.get("body"):
            content_type = termination.get("content_type", "text/plain")
            lines.append(f'            default_type "{content_type}";')
            lines.append(f"            return {status} {_nginx_string(termination['body'])};")
        else:
            message = termination.get("message") or "Service unavailable"
            lines.append("            default_type application/json;")
            lines.append(f"            return {status} {_nginx_string(_json_message(message))};")
    else:
        host, port = route.upstream
        for directive, milliseconds in route.timeouts.items():
            lines.append(f"            {directive} {milliseconds}ms;")
        if route.preserve_host:
            lines.append("            proxy_set_header Host $http_host;")
        # No URI part: the request path is passed on as is (strip_path: false).
        lines.append(f"            proxy_pass http://{host}:{port};")
    lines.append("        }")
    return lines


def _json_message(message: str) -> str:
    return json.dumps({"message": message})


# --- rendering a site ---------------------------------------------------------------------


@dataclass
class RenderedGateway:
    services: list[str]
    kong_file: Path
    nginx_file: Path | None
    settings: LocalSettings


def local_settings_from_env(environ: Mapping[str, str], config: Mapping[str, Any]) -> LocalSettings:
    var_dir = Path(environ.get("ISPYB_VAR_DIR") or ROOT / "var")
    host = environ.get("ISPYB_HOST") or "127.0.0.1"
    ports = {}
    for service in _services_of(config):
        variable = f"ISPYB_{service['name'].upper().replace('-', '_')}_PORT"
        if environ.get(variable):
            ports[service["name"]] = _port(environ[variable], variable)
    upstream_host = host
    try:
        if ipaddress.ip_address(host).is_unspecified:
            upstream_host = "127.0.0.1"  # listening everywhere: reach the services locally
    except ValueError:
        pass  # a host name
    return LocalSettings(
        listen_host=host,
        listen_port=_port(
            environ.get("ISPYB_GATEWAY_PORT") or DEFAULT_GATEWAY_PORT, "ISPYB_GATEWAY_PORT"
        ),
        upstream_host=upstream_host,
        service_ports=ports,
        prefix_dir=var_dir / "gateway",
        log_dir=var_dir / "log",
        workers=environ.get("ISPYB_GATEWAY_WORKERS") or "auto",
    )


def _port(raw: Any, variable: str) -> int:
    try:
        port = int(raw)
    except (TypeError, ValueError):
        raise GatewayConfigError(f"{variable}={raw!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise GatewayConfigError(f"{variable}={raw!r} is not a port number (1-65535)")
    return port


def site_config(
    source: Path, environ: Mapping[str, str], services: str | None = None
) -> tuple[dict[str, Any], list[str]]:
    """The kong.yml of a site: checked, filtered to its services, docs page, CORS origins."""
    config = load_kong_config(source)
    problems = check_kong_config(config)
    if problems:
        raise GatewayConfigError(f"{source} has problems:\n  " + "\n  ".join(problems))
    selected = parse_selection(
        services if services is not None else environ.get("ISPYB_SERVICES"), config
    )
    site = select_services(config, selected)
    set_docs_page(site, docs_page(selected))
    if environ.get("ISPYB_GATEWAY_CORS_ORIGINS"):
        set_cors_origins(site, parse_origins(environ["ISPYB_GATEWAY_CORS_ORIGINS"]))
    problems = check_kong_config(site)
    if problems:
        raise GatewayConfigError("the site's kong.yml has problems:\n  " + "\n  ".join(problems))
    return site, selected


class _LiteralDumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_LiteralDumper.add_representer(str, _represent_str)


def dump_kong_config(config: Mapping[str, Any], selected: list[str], source: str) -> str:
    header = (
        f"# Generated by tools/gateway.py from {source} for: {', '.join(selected)}.\n"
        "# Do not edit: edit gateway/kong.yml and render again.\n"
    )
    return header + yaml.dump(
        dict(config), Dumper=_LiteralDumper, sort_keys=False, allow_unicode=True, width=100
    )


def render_site(
    environ: Mapping[str, str] | None = None,
    *,
    source: Path | None = None,
    out_dir: Path | None = None,
    services: str | None = None,
    kong_only: bool = False,
) -> RenderedGateway:
    """Write the site's kong.yml (and nginx.conf) and return where they are."""
    environ = os.environ if environ is None else environ
    source = Path(source or environ.get("ISPYB_GATEWAY_SOURCE") or DEFAULT_SOURCE)
    site, selected = site_config(source, environ, services)
    settings = local_settings_from_env(environ, site)
    if out_dir is not None:
        settings.prefix_dir = Path(out_dir)
    settings.prefix_dir = settings.prefix_dir.resolve()
    settings.log_dir = settings.log_dir.resolve()
    settings.prefix_dir.mkdir(parents=True, exist_ok=True)
    shown_source = _shown(source)
    kong_file = settings.prefix_dir / "kong.yml"
    kong_file.write_text(dump_kong_config(site, selected, shown_source), encoding="utf-8")
    nginx_file = None
    if not kong_only:
        settings.log_dir.mkdir(parents=True, exist_ok=True)
        (settings.prefix_dir / "tmp").mkdir(exist_ok=True)
        nginx_file = settings.prefix_dir / "nginx.conf"
        nginx_file.write_text(render_nginx(site, settings, source=shown_source), encoding="utf-8")
    return RenderedGateway(selected, kong_file, nginx_file, settings)


def _shown(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def find_nginx() -> str | None:
    """nginx lives in /usr/sbin, which is not on a non-root user's PATH."""
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])
    return shutil.which("nginx", path=search)


def nginx_command(rendered: RenderedGateway, nginx: str, *, test: bool = False) -> list[str]:
    command = [
        nginx,
        "-p",
        str(rendered.settings.prefix_dir),
        "-c",
        str(rendered.nginx_file),
        # Errors before the config is read would otherwise go to a system path.
        "-e",
        str(rendered.settings.log_dir / "gateway-error.log"),
    ]
    return [*command, "-t", "-q"] if test else command


# --- command line ---------------------------------------------------------------------------


def _cmd_check(args) -> int:
    failed = False
    for path in args.files or [DEFAULT_SOURCE]:
        try:
            problems = check_kong_config(load_kong_config(path))
        except GatewayConfigError as exc:
            problems = [str(exc)]
        if args.deck:
            ok, output = deck_validate(path)
            if not ok:
                problems.append(f"deck validate: {output}")
        if problems:
            failed = True
            print(f"{path}: {len(problems)} problem(s)")
            for problem in problems:
                print(f"  - {problem}")
        else:
            print(f"{path}: ok")
    return 1 if failed else 0


def _cmd_render(args) -> int:
    rendered = render_site(
        source=args.source, out_dir=args.out, services=args.services, kong_only=args.kong_only
    )
    print(f"services: {', '.join(rendered.services)}")
    print(f"kong.yml: {rendered.kong_file}")
    if rendered.nginx_file:
        print(f"nginx.conf: {rendered.nginx_file}")
        nginx = find_nginx()
        if nginx is None:
            print("nginx is not installed (bash tools/install-system-deps.sh gateway)")
            return 1
        result = subprocess.run(
            nginx_command(rendered, nginx, test=True), capture_output=True, text=True
        )
        if result.returncode != 0:
            print(f"nginx -t failed:\n{result.stderr}", file=sys.stderr)
            return 1
    return 0


def _cmd_run(args) -> int:
    rendered = render_site(source=args.source, services=args.services)
    nginx = find_nginx()
    if nginx is None:
        print("nginx is not installed: bash tools/install-system-deps.sh gateway", file=sys.stderr)
        return 1
    settings = rendered.settings
    print(
        f"gateway for {', '.join(rendered.services)} on "
        f"http://{settings.listen_host}:{settings.listen_port}{API_ROOT}/docs",
        flush=True,
    )
    os.execv(nginx, nginx_command(rendered, nginx))
    return 1  # not reached


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tools/gateway.py",
        description="Check gateway/kong.yml, render a site's kong.yml and nginx.conf, run nginx.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("Settings", 1)[1].join(["Settings", ""]),
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="the project's checks of kong.yml files")
    check.add_argument("files", nargs="*", type=Path, help="default: gateway/kong.yml")
    check.add_argument("--deck", action="store_true", help="also run `deck validate`")
    for name, text in (
        ("render", "write the site's kong.yml and nginx.conf"),
        ("run", "render, then run the local gateway (nginx) in the foreground"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument(
            "--source", type=Path, help="default: $ISPYB_GATEWAY_SOURCE or gateway/kong.yml"
        )
        command.add_argument("--services", help="default: $ISPYB_SERVICES (all when unset)")
        if name == "render":
            command.add_argument("--out", type=Path, help="default: $ISPYB_VAR_DIR/gateway")
            command.add_argument(
                "--kong-only", action="store_true", help="only kong.yml (for Kong, e.g. in compose)"
            )
    args = parser.parse_args(argv)
    try:
        return {"check": _cmd_check, "render": _cmd_render, "run": _cmd_run}[args.command](args)
    except GatewayConfigError as exc:
        print(f"gateway: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
