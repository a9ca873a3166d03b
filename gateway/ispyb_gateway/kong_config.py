"""kong.yml: loading it and the project's checks of what decK does not check.

A kong.yml of this project may use only what the local gateway reproduces (plain path
prefixes, the plugins in KNOWN_PLUGINS with their Kong 3 config keys), so development and
production route alike. ``check_kong_config`` lists every problem; ``deck_validate`` runs
decK's structural validation.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

API_ROOT = "/ispyb/api/v1"
FORMAT_VERSION = "3.0"

# Tags that give a Kong service a role in this project.
SERVICE_TAG = "ispyb-service"  # a project service, selectable per site
DOCS_TAG = "ispyb-docs"  # the route that answers the unified docs page
# A service of static files (the reference viewer, clients/viewer): in production a small
# nginx container (url http://<name>:<port>), locally the gateway's nginx serves the files
# itself from clients/<name> (ISPYB_<NAME>_STATIC_DIR overrides).
STATIC_TAG = "ispyb-static"

# --- what a kong.yml of this project may contain ------------------------------------------

TOP_LEVEL_KEYS = {"_format_version", "_info", "services", "upstreams", "plugins"}
SERVICE_KEYS = {"name", "url", "protocol", "host", "port", "tags", "routes", "plugins"} | {
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
# Upstreams: what nginx's `upstream` block reproduces (round-robin over the targets, passive
# checks as max_fails/fail_timeout). Target weights and the hashing algorithms are not.
UPSTREAM_KEYS = {"name", "algorithm", "targets", "healthchecks", "tags"}
UPSTREAM_ALGORITHMS = {"round-robin": "", "least-connections": "least_conn"}
TARGET_KEYS = {"target", "tags"}
UPSTREAM_SUFFIX = "-upstream"
HEALTH_COUNTERS = ("http_failures", "tcp_failures", "timeouts")

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
        "response-transformer": "remove rename replace add append",
    }.items()
}
# The local gateway implements these once for the whole server.
GLOBAL_ONLY_PLUGINS = {"correlation-id", "file-log", "cors", "prometheus"}
# Plugins a route of a static service may set for itself: its own answer headers
# (response-transformer add.headers: the Content-Security-Policy of a page).
STATIC_ROUTE_PLUGINS = {"response-transformer"}
HEADER_VALUE = re.compile(r"^[A-Za-z0-9-]+:[^\r\n\"\\$]+$")
RATE_WINDOWS = ("second", "minute", "hour", "day", "month", "year")
# nginx's limit_req counts per second or per minute; an hour is spread over its minutes.
LOCAL_RATE_WINDOWS = ("second", "minute", "hour")
CORS_METHODS = {"GET", "HEAD", "PUT", "PATCH", "POST", "DELETE", "OPTIONS", "TRACE", "CONNECT"}
SIZE_UNITS = {"megabytes": 1024 * 1024, "kilobytes": 1024, "bytes": 1}
SECRET_KEY = re.compile(r"password|secret|token|api_?key|private_key", re.I)
# A secret taken from Kong's vault (e.g. {vault://env/ispyb-redis-password}) is a
# reference, not a secret.
VAULT_REFERENCE = re.compile(r"^\{vault://[a-z0-9-]+/[A-Za-z0-9/_.-]+\}$")
# The one header the local gateway can key a rate limit on: who the client is (its token).
CLIENT_KEY_HEADER = "Authorization"
# Routes that take credentials: their rate limits count per address.
CREDENTIAL_PATHS = ("/login", "/token")
REDIS_KEYS = {"host", "port", "username", "password", "database", "timeout", "ssl"} | {
    "ssl_verify",
    "server_name",
}
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


def plugins_of(entity: Mapping[str, Any]) -> list[Any]:
    plugins = entity.get("plugins") or []
    return plugins if isinstance(plugins, list) else []


def routes_of(service: Mapping[str, Any]) -> list[Any]:
    routes = service.get("routes") or []
    return routes if isinstance(routes, list) else []


def services_of(config: Mapping[str, Any]) -> list[dict[str, Any]]:
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
        _check_service_address(service, where, add)
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
        if STATIC_TAG in tags:
            _check_static_service(service, name, tags, where, add)
        for plugin in plugins_of(service):
            _check_plugin(plugin, f"{where}, plugin", "service", add, nested=True)
        if "plugins" in service and not isinstance(service["plugins"], list):
            add(f"{where}: plugins must be a list")

    _check_upstreams(config, add)

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


def service_address(service: Mapping[str, Any]) -> tuple[str, str | None, int | None]:
    """(protocol, host, port) of a service, from its url or its protocol/host/port fields."""
    if isinstance(service.get("url"), str):
        parts = urlsplit(service["url"])
        try:
            port = parts.port
        except ValueError:
            port = None
        return parts.scheme, parts.hostname, port
    port = service.get("port")
    return (
        service.get("protocol", "http"),
        service.get("host") if isinstance(service.get("host"), str) else None,
        port if isinstance(port, int) and not isinstance(port, bool) else None,
    )


def _check_service_address(service: Mapping[str, Any], where: str, add) -> None:
    url = service.get("url")
    if url is None:
        if not isinstance(service.get("host"), str) or not service["host"]:
            add(f"{where}: url (http://<host>:<port>) or host (an upstream's name) is required")
            return
        if service.get("protocol", "http") not in ("http", "https"):
            add(f"{where}: protocol must be http or https")
        port = service.get("port", 80)
        if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
            add(f"{where}: port must be a port number")
        return
    if any(key in service for key in ("protocol", "host", "port")):
        add(f"{where}: set either url or protocol/host/port, not both")
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


def upstreams_of(config: Mapping[str, Any]) -> list[dict[str, Any]]:
    upstreams = config.get("upstreams") or []
    return [u for u in upstreams if isinstance(u, dict)] if isinstance(upstreams, list) else []


def upstream_of(config: Mapping[str, Any], service: Mapping[str, Any]) -> dict[str, Any] | None:
    """The upstream a service's host names, or None (the host is contacted directly)."""
    host = service_address(service)[1]
    return next((u for u in upstreams_of(config) if u.get("name") == host), None)


def target_address(target: Mapping[str, Any]) -> tuple[str, int | None]:
    """(host, port) of an upstream target "host:port"."""
    host, _, port = str(target.get("target", "")).rpartition(":")
    return (host, int(port)) if port.isdigit() else (str(target.get("target", "")), None)


def _check_upstreams(config: Mapping[str, Any], add) -> None:
    """Each project service is balanced over an upstream named <service>-upstream, with
    active and passive health checks, and retries to another target."""
    raw = config.get("upstreams", [])
    if not isinstance(raw, list):
        add("upstreams: must be a list")
        raw = []
    names: set[str] = set()
    for index, upstream in enumerate(raw):
        if not isinstance(upstream, dict):
            add(f"upstreams[{index}] must be a mapping")
            continue
        name = upstream.get("name")
        where = f"upstream {name!r}" if name else f"upstreams[{index}]"
        if not isinstance(name, str) or not NAME.match(name):
            add(f"{where}: name must match {NAME.pattern}")
        elif name in names:
            add(f"{where}: the name is used twice")
        names.add(str(name))
        for key in sorted(set(upstream) - UPSTREAM_KEYS):
            add(
                f"{where}: key {key!r} is not reproduced by the local gateway "
                f"(allowed: {_sorted(UPSTREAM_KEYS)})"
            )
        if upstream.get("algorithm", "round-robin") not in UPSTREAM_ALGORITHMS:
            add(f"{where}: algorithm must be one of {_sorted(UPSTREAM_ALGORITHMS)}")
        targets = upstream.get("targets")
        if not isinstance(targets, list) or not targets:
            add(f"{where}: targets must list at least one host:port")
            targets = []
        for target in targets:
            if not isinstance(target, dict):
                add(f"{where}: a target must be a mapping ({{target: host:port}})")
                continue
            for key in sorted(set(target) - TARGET_KEYS):
                add(f"{where}: target key {key!r} is not reproduced by the local gateway")
            host, port = target_address(target)
            if not host or port is None or not 1 <= port <= 65535:
                add(f"{where}: target {target.get('target')!r} must be host:port")
        _check_healthchecks(upstream.get("healthchecks"), where, add)

    used: set[str] = set()
    for service in services_of(config):
        name = service.get("name")
        host = service_address(service)[1]
        upstream = upstream_of(config, service)
        if upstream is not None:
            used.add(str(host))
            retries = service.get("retries", 5)
            if not isinstance(retries, int) or isinstance(retries, bool) or retries < 1:
                add(
                    f"service {name!r}: retries must be at least 1 (a request that cannot reach "
                    f"one target is tried on another)"
                )
            _check_targets_of_project_service(service, upstream, add)
        elif SERVICE_TAG in (service.get("tags") or []):
            add(
                f"service {name!r}: host must be the upstream {name}{UPSTREAM_SUFFIX} "
                f"(upstreams: with its targets and health checks), so it can run several "
                f"instances"
            )
    for name in sorted(names - used):
        add(f"upstream {name!r}: no service uses it (host: {name})")


def _check_targets_of_project_service(service, upstream, add) -> None:
    name = service.get("name")
    where = f"upstream {upstream.get('name')!r}"
    if SERVICE_TAG not in (service.get("tags") or []):
        return
    if upstream.get("name") != f"{name}{UPSTREAM_SUFFIX}":
        add(f"{where}: the upstream of service {name!r} must be named {name}{UPSTREAM_SUFFIX}")
    for target in upstream.get("targets") or []:
        if isinstance(target, dict) and target_address(target)[0] != name:
            # The compose name: with replicas it resolves to every instance's address.
            add(f"{where}: target {target.get('target')!r} must be {name}:<port> (compose name)")
    active = ((upstream.get("healthchecks") or {}).get("active")) or {}
    ready = f"{API_ROOT}/{name}/ready"
    if isinstance(active, dict) and active.get("http_path") != ready:
        add(f"{where}: active.http_path must be {ready} (the instance can serve requests)")


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _check_healthchecks(healthchecks: Any, where: str, add) -> None:
    if not isinstance(healthchecks, dict):
        add(f"{where}: healthchecks with active and passive checks are required")
        return
    for key in sorted(set(healthchecks) - {"active", "passive", "threshold"}):
        add(f"{where}: healthchecks key {key!r} is not used by this project")
    active, passive = healthchecks.get("active"), healthchecks.get("passive")
    if not isinstance(active, dict):
        add(f"{where}: healthchecks.active is required (Kong probes each target)")
    else:
        if active.get("type", "http") != "http":
            add(f"{where}: healthchecks.active.type must be http")
        if not isinstance(active.get("http_path"), str) or not active["http_path"].startswith("/"):
            add(f"{where}: healthchecks.active.http_path must be a path")
        healthy, unhealthy = active.get("healthy") or {}, active.get("unhealthy") or {}
        # Kong's default interval 0 turns the probes off.
        for label, section in (("healthy", healthy), ("unhealthy", unhealthy)):
            if not _positive_int(section.get("interval") if isinstance(section, dict) else None):
                add(f"{where}: healthchecks.active.{label}.interval must be a number of seconds")
        if isinstance(healthy, dict) and not _positive_int(healthy.get("successes")):
            add(f"{where}: healthchecks.active.healthy.successes must be at least 1")
        if isinstance(unhealthy, dict) and not all(
            _positive_int(unhealthy.get(counter)) for counter in HEALTH_COUNTERS
        ):
            add(
                f"{where}: healthchecks.active.unhealthy needs "
                f"{', '.join(HEALTH_COUNTERS)} of at least 1"
            )
    if not isinstance(passive, dict):
        add(f"{where}: healthchecks.passive is required (failed requests mark a target down)")
    else:
        if passive.get("type", "http") != "http":
            add(f"{where}: healthchecks.passive.type must be http")
        unhealthy = passive.get("unhealthy") or {}
        if not isinstance(unhealthy, dict) or not all(
            _positive_int(unhealthy.get(counter)) for counter in HEALTH_COUNTERS
        ):
            add(
                f"{where}: healthchecks.passive.unhealthy needs "
                f"{', '.join(HEALTH_COUNTERS)} of at least 1 (nginx's max_fails)"
            )


def passive_max_fails(upstream: Mapping[str, Any]) -> int:
    """nginx counts every kind of failure in one counter: the strictest of Kong's three."""
    unhealthy = upstream["healthchecks"]["passive"]["unhealthy"]
    return min(int(unhealthy[counter]) for counter in HEALTH_COUNTERS)


def recovery_seconds(upstream: Mapping[str, Any]) -> int:
    """How long a failed target stays out: Kong's next successful probe, nginx's
    fail_timeout."""
    healthy = upstream["healthchecks"]["active"]["healthy"]
    return int(healthy["interval"]) * int(healthy["successes"])


def _check_static_service(service, name, tags, where, add) -> None:
    """A static service: files from an nginx container in production (its compose name),
    from clients/<name> locally; its routes are page paths, not API prefixes."""
    if SERVICE_TAG in tags:
        add(f"{where}: a static service ({STATIC_TAG}) is not a project service ({SERVICE_TAG})")
    host = service_address(service)[1]
    if not isinstance(service.get("url"), str) or host != name:
        add(f"{where}: a static service's url must be http://{name}:<port> (its container)")
    for plugin in plugins_of(service):
        add(f"{where}: plugin {plugin.get('name')!r}: set a static service's plugins on its route")
    for route in routes_of(service):
        if not isinstance(route, dict):
            continue
        for path in route.get("paths") or []:
            if isinstance(path, str) and (
                path == API_ROOT or path.startswith(API_ROOT + "/") or path.endswith("/")
            ):
                add(
                    f"route {route.get('name')!r}: path {path!r} of static service {name!r} must "
                    f"be a page prefix outside {API_ROOT}, without a trailing '/'"
                )


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
    for plugin in plugins_of(route):
        _check_plugin(plugin, f"{route_where}, plugin", "route", add, nested=True)
        if (
            isinstance(plugin, dict)
            and plugin.get("name") in STATIC_ROUTE_PLUGINS
            and STATIC_TAG not in tags
        ):
            add(
                f"{route_where}, plugin {plugin.get('name')!r}: only a static service's route "
                f"may set it (a route's response-transformer replaces the global one, which "
                f"keeps the services' internal headers from clients)"
            )
        if (
            isinstance(plugin, dict)
            and plugin.get("name") == "rate-limiting"
            and any(str(path).rstrip("/").endswith(CREDENTIAL_PATHS) for path in paths)
            and (plugin.get("config") or {}).get("limit_by") != "ip"
        ):
            # A password guesser sends no token, or a new made-up one each time.
            add(f"{route_where}: the rate limit of a credential route must be limit_by ip")


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
        if (
            SECRET_KEY.search(key)
            and isinstance(value, str)
            and value
            and not VAULT_REFERENCE.match(value)
        ):
            add(f"{where}: config.{key} looks like a secret; secrets do not belong in kong.yml")
    if name == "response-transformer":
        _check_response_transformer(config, where, add, scope=scope)
        return
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
            if origin != "*" and not is_regex_origin(origin):
                parts = urlsplit(origin)
                if parts.scheme not in ("http", "https") or not parts.hostname or parts.path:
                    add(f"{where}: origin {origin!r} must be scheme://host[:port] or '*'")
            elif is_regex_origin(origin):
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
    limit_by = config.get("limit_by", "consumer")
    if limit_by == "header":
        if str(config.get("header_name", "")).lower() != CLIENT_KEY_HEADER.lower():
            add(
                f"{where}: header_name must be {CLIENT_KEY_HEADER} (the client's token: any other "
                f"header is the client's free choice, and the local gateway keys on this one)"
            )
    elif limit_by != "ip":
        add(
            f"{where}: limit_by must be ip or header (Authorization): consumer and credential "
            f"need Kong authentication, which this project does not use"
        )
    if policy == "redis":
        redis = config.get("redis", {})
        if not isinstance(redis, dict) or not redis.get("host"):
            add(f"{where}: policy redis needs redis.host (the Redis all Kong nodes share)")
        elif set(redis) - REDIS_KEYS:
            add(f"{where}: unknown redis key(s) {_sorted(set(redis) - REDIS_KEYS)}")
        elif redis.get("password") and not VAULT_REFERENCE.match(str(redis["password"])):
            add(f"{where}: redis.password must be a vault reference ({{vault://env/...}})")
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


def _check_response_transformer(config, where, add, *, scope: str = "global") -> None:
    # Global: keeps the services' internal headers (the caller, for the log) from clients;
    # only removing headers is reproduced locally (proxy_hide_header). On a static
    # service's route: the page's own headers too (add.headers, "Name:value"; add_header).
    allowed = {"remove"} if scope == "global" else {"remove", "add"}
    for key in sorted(set(config) - allowed):
        add(
            f"{where}: {key} is not reproduced by the local gateway (only remove.headers"
            + (")" if scope == "global" else " and add.headers)")
        )
    remove = config.get("remove", {})
    if not isinstance(remove, dict) or set(remove) - {"headers"}:
        add(f"{where}: remove may only list headers (remove.headers)")
        return
    headers = remove.get("headers", [])
    if not isinstance(headers, list) or not all(
        isinstance(h, str) and HEADER_NAME.match(h) for h in headers
    ):
        add(f"{where}: remove.headers must be a list of header names")
    added = config.get("add", {})
    if not isinstance(added, dict) or set(added) - {"headers"}:
        add(f"{where}: add may only list headers (add.headers)")
        return
    headers = added.get("headers", [])
    if not isinstance(headers, list) or not all(
        isinstance(h, str) and HEADER_VALUE.match(h) for h in headers
    ):
        add(
            f'{where}: add.headers must be a list of "Name:value" (no quotes, backslashes, '
            f"dollar signs or line breaks in the value)"
        )


def added_headers(config: Mapping[str, Any]) -> list[tuple[str, str]]:
    """response-transformer add.headers as (name, value) pairs."""
    pairs = []
    for header in (config.get("add") or {}).get("headers") or []:
        name, _, value = header.partition(":")
        pairs.append((name.strip(), value.strip()))
    return pairs


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
    for plugin in plugins_of(config):
        if isinstance(plugin, dict):
            scope = (
                f"route {plugin['route']}"
                if plugin.get("route")
                else f"service {plugin['service']}"
                if plugin.get("service")
                else "global"
            )
            scopes.setdefault((scope, str(plugin.get("name"))), []).append("")
    for service in services_of(config):
        for plugin in plugins_of(service):
            if isinstance(plugin, dict):
                key = (f"service {service.get('name')}", str(plugin.get("name")))
                scopes.setdefault(key, []).append("")
        for route in routes_of(service):
            if isinstance(route, dict):
                for plugin in plugins_of(route):
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


def is_regex_origin(origin: str) -> bool:
    """A CORS origin Kong treats as a regex (anything beyond scheme://host:port)."""
    return origin != "*" and re.search(r"[^A-Za-z0-9.:/-]", origin) is not None
