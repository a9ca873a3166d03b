"""The local gateway: an nginx.conf that reproduces a site's kong.yml with stock nginx.

``render_nginx`` works out what each route gets (the plugins that apply to it, its
upstream, its limits) and fills in templates/nginx.conf.j2. docs/gateway.md maps each
Kong plugin to its nginx directives, and says where they differ.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import GATEWAY_ERRORS, nginx_error_body, nginx_termination_body
from .kong_config import (
    CORS_METHODS,
    LOCAL_RATE_WINDOWS,
    SIZE_UNITS,
    STATIC_TAG,
    UPSTREAM_ALGORITHMS,
    GatewayConfigError,
    added_headers,
    check_kong_config,
    is_regex_origin,
    passive_max_fails,
    plugins_of,
    recovery_seconds,
    routes_of,
    service_address,
    services_of,
    target_address,
    upstream_of,
)
from .paths import DEFAULT_VAR_DIR, REPOSITORY
from .redaction import nginx_redaction_maps
from .templates import nginx_string, render

DEFAULT_GATEWAY_PORT = 8000
# nginx's buffers for a request line or a header line: at most one 4 KB buffer each (so
# request lines up to gunicorn's limit_request_line, 4094 bytes), four in all.
HEADER_BUFFERS = "4 4k"
# JSON answers compressed for clients that accept gzip, from 1 KB (smaller ones gain
# little), whatever the service answered (proxied). Kong gets the same directives
# (KONG_NGINX_PROXY_GZIP* in docker-compose.yml, which a test keeps equal to these).
GZIP = {
    "gzip": "on",
    "gzip_types": "application/json application/problem+json text/csv",
    "gzip_min_length": "1024",
    "gzip_proxied": "any",
    "gzip_vary": "on",
    "gzip_comp_level": "5",
}
# Brotli (smaller than gzip for JSON) where nginx has the ngx_brotli filter module, as Kong
# bundles it (KONG_NGINX_PROXY_BROTLI*); preferred by nginx when a client accepts both.
BROTLI = {
    "brotli": "on",
    "brotli_types": GZIP["gzip_types"],
    "brotli_min_length": GZIP["gzip_min_length"],
    "brotli_comp_level": "4",
}
BROTLI_MODULE_PATHS = (
    "/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so",
    "/usr/local/nginx/modules/ngx_http_brotli_filter_module.so",
)


def find_brotli_module() -> str | None:
    """The ngx_brotli filter module of this machine's nginx (Debian:
    libnginx-mod-http-brotli-filter), or None: then answers are gzip-compressed only."""
    return next((path for path in BROTLI_MODULE_PATHS if os.path.exists(path)), None)


@dataclass
class LocalSettings:
    """Where the local gateway listens, finds the services and writes its files."""

    listen_host: str = "127.0.0.1"
    listen_port: int = DEFAULT_GATEWAY_PORT
    upstream_host: str = "127.0.0.1"
    # The local instances of a service (ISPYB_<SVC>_PORTS, or ISPYB_<SVC>_PORT): one nginx
    # server each. Unset: the ports of kong.yml's targets.
    service_ports: dict[str, list[int]] = field(default_factory=dict)
    prefix_dir: Path = DEFAULT_VAR_DIR / "gateway"
    log_dir: Path = DEFAULT_VAR_DIR / "log"
    workers: str = "auto"
    # access_log buffer size ("32k"; written at least every second), or "" for a write per
    # request (ISPYB_GATEWAY_LOG_BUFFER=off).
    log_buffer: str = "32k"
    # nginx's error log: "" (log_dir/gateway-error.log, written by nginx) or "stderr", for
    # a supervisor that redacts each line into that file (tools/run.py:
    # redaction.ErrorLogPump; ISPYB_GATEWAY_ERROR_LOG).
    error_log: str = ""
    # The directory of each static service's files (ISPYB_<NAME>_STATIC_DIR); unset:
    # clients/<name> of the repository.
    static_dirs: dict[str, Path] = field(default_factory=dict)


@dataclass
class Route:
    name: str
    service: str
    paths: list[str]
    plugins: dict[str, dict[str, Any]]  # effective plugin configs by name
    overridden: set[str]  # plugins set on the service or route, replacing the global one
    preserve_host: bool
    upstream: ServerGroup | None  # None: answered by the gateway itself
    timeouts: dict[str, int]
    static_dir: Path | None = None  # a static service's files, served by the gateway
    added_headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ServerGroup:
    """A service's nginx upstream block: its instances and kong.yml's balancing rules."""

    name: str  # the nginx upstream's name
    servers: list[tuple[str, int]]
    balancing: str  # "" (round-robin) or an nginx directive (least_conn)
    max_fails: int  # passive checks: failures before an instance is taken out ...
    fail_timeout: int  # ... and the seconds it stays out before nginx tries it again
    tries: int  # 1 + kong.yml's retries


@dataclass
class RateZone:
    name: str
    rate: str  # nginx's rate: "10r/s", "10r/m"
    burst: int
    # What is counted: the client address, or the client (its token; the address when it
    # sends none), as Kong's limit_by ip / header.
    key: str = "$binary_remote_addr"


CLIENT_KEY = "$ispyb_rate_client"


def global_plugins_of(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        p["name"]: p.get("config") or {}
        for p in plugins_of(config)
        if not p.get("service") and not p.get("route")
    }


def effective_routes(config: Mapping[str, Any], settings: LocalSettings) -> list[Route]:
    """Every route with the plugins that apply to it: route's over service's over global."""
    global_plugins, by_service, by_route = {}, {}, {}
    for plugin in plugins_of(config):
        if plugin.get("route"):
            by_route.setdefault(plugin["route"], {})[plugin["name"]] = plugin.get("config") or {}
        elif plugin.get("service"):
            by_service.setdefault(plugin["service"], {})[plugin["name"]] = (
                plugin.get("config") or {}
            )
        else:
            global_plugins[plugin["name"]] = plugin.get("config") or {}
    routes = []
    for service in services_of(config):
        static = STATIC_TAG in (service.get("tags") or [])
        group = None if static else server_group(config, service, settings)
        static_dir = (
            Path(
                settings.static_dirs.get(service["name"])
                or REPOSITORY / "clients" / service["name"]
            )
            if static
            else None
        )
        service_plugins = {p["name"]: p.get("config") or {} for p in plugins_of(service)}
        service_plugins.update(by_service.get(service["name"], {}))
        for route in routes_of(service):
            specific = dict(service_plugins)
            specific.update({p["name"]: p.get("config") or {} for p in plugins_of(route)})
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
                    upstream=None if terminated else group,
                    static_dir=None if terminated else static_dir,
                    added_headers=added_headers(plugins.get("response-transformer") or {})
                    if "response-transformer" in specific
                    else [],
                    timeouts={
                        "proxy_connect_timeout": service.get("connect_timeout", 60000),
                        "proxy_send_timeout": service.get("write_timeout", 60000),
                        "proxy_read_timeout": service.get("read_timeout", 60000),
                    },
                )
            )
    return routes


def server_group(
    config: Mapping[str, Any], service: Mapping[str, Any], settings: LocalSettings
) -> ServerGroup:
    """The nginx upstream of a service: every local instance, passive checks, retries."""
    name = "service_" + re.sub(r"[^A-Za-z0-9_]", "_", service["name"])
    upstream = upstream_of(config, service)
    ports = settings.service_ports.get(service["name"])
    if upstream is None:  # a plain url: one server, no retries (Kong's default aside)
        port = service_address(service)[2] or 80
        return ServerGroup(name, [(settings.upstream_host, (ports or [port])[0])], "", 1, 10, 1)
    if not ports:
        ports = [target_address(target)[1] for target in upstream["targets"]]
    return ServerGroup(
        name,
        [(settings.upstream_host, port) for port in dict.fromkeys(ports)],
        UPSTREAM_ALGORITHMS[upstream.get("algorithm", "round-robin")],
        passive_max_fails(upstream),
        recovery_seconds(upstream),
        1 + int(service.get("retries", 5)),
    )


def rate_limit_zones(zone_prefix: str, config: Mapping[str, Any]) -> list[RateZone]:
    """One nginx zone per window of a rate-limiting config.

    Kong counts requests in fixed windows; nginx's limit_req is a leaky bucket. A bucket
    of the window's limit (burst) that drains at limit per window lets the same number of
    requests through at once and the same average rate.
    """
    zones = []
    key = CLIENT_KEY if config.get("limit_by") == "header" else "$binary_remote_addr"
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
        zones.append(RateZone(f"rl_{zone_prefix}_{window}".replace("-", "_"), rate, limit, key))
    return zones


def retry_seconds(zones: list[RateZone]) -> int:
    """Retry-After of a 429 from these zones: the time one more request takes to drain
    (nginx's bucket frees one request every 1/rate), the longest of them, at least 1."""
    waits = [1]
    for zone in zones:
        count, unit = zone.rate.removesuffix("r/s").removesuffix("r/m"), zone.rate[-1]
        waits.append(-(-(60 if unit == "m" else 1) // int(count)))
    return max(waits)


def size_limit(config: Mapping[str, Any]) -> int:
    return (
        int(config.get("allowed_payload_size", 128))
        * SIZE_UNITS[config.get("size_unit", "megabytes")]
    )


def _origin_map_entries(origins: list[str], credentials: bool) -> list[str]:
    if "*" in origins:
        # With credentials the browser refuses "*": echo the origin instead, as Kong does.
        return [f"default {'$http_origin' if credentials else '*'}"]
    entries = ['default ""']
    for origin in origins:
        if is_regex_origin(origin):
            # Kong anchors the end; entries without a port match the origin's host only.
            pattern = origin.removeprefix("^").removesuffix("$")
            if ":" in origin:
                entries.append(f'"~^(?:{pattern})$" $http_origin')
            else:
                entries.append(f'"~^[a-z][a-z0-9+.-]*://(?:{pattern})(?::\\d+)?$" $http_origin')
        else:
            entries.append(f'"{_normalize_origin(origin)}" $http_origin')
    return entries


def _normalize_origin(origin: str) -> str:
    parts = urlsplit(origin)
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    port = f":{parts.port}" if parts.port and parts.port != default_port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


def _cors_context(cors: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if cors is None:
        return None
    origins = cors.get("origins") or ["*"]
    credentials = bool(cors.get("credentials", False))
    return {
        "origin_entries": _origin_map_entries(origins, credentials),
        "credentials": credentials,
        "exposed_headers": ",".join(cors.get("exposed_headers") or []),
        "methods": ",".join(cors.get("methods") or sorted(CORS_METHODS)),
        "headers": ",".join(cors.get("headers") or []),
        "max_age": cors.get("max_age", ""),
        "vary": "" if "*" in origins else "Origin",
    }


class _Raw(str):
    """A log field written without quotes: a number (or null) from nginx."""


def _log_layout(id_header: str, logged_uri: str) -> dict[str, Any]:
    """Kong's file-log fields (kong.log.serialize), filled from nginx variables."""
    return {
        "started_at": _Raw("$ispyb_msec_ms"),
        "client_ip": "$remote_addr",
        "correlation_id": "$ispyb_request_id",
        "request": {
            "id": "$request_id",
            "method": "$request_method",
            "uri": logged_uri,
            "url": f"$scheme://$host:$server_port{logged_uri}",
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
        # Who did it, as the service verified it (its X-ISPyB-Subject answer headers, which
        # the gateway keeps from the client): empty for anonymous requests.
        "caller": {
            "subject": "$upstream_http_x_ispyb_subject",
            "kind": "$upstream_http_x_ispyb_subject_kind",
        },
    }


def _json_template(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f'"{k}":{_json_template(v)}' for k, v in value.items()) + "}"
    return str(value) if isinstance(value, _Raw) else f'"{value}"'


def _log_chunks(id_header: str, logged_uri: str) -> list[str]:
    """log_format's JSON, one quoted chunk per top-level field for readability."""
    layout = _log_layout(id_header, logged_uri)
    chunks = [f'"{key}":{_json_template(value)}' for key, value in layout.items()]
    chunks = ["{" + chunks[0], *chunks[1:-1], chunks[-1] + "}"]
    return [chunk + ("," if i < len(chunks) - 1 else "") for i, chunk in enumerate(chunks)]


def _termination(route: Route) -> dict[str, Any] | None:
    termination = route.plugins.get("request-termination")
    if termination is None:
        return None
    status = termination.get("status_code", 503)
    if termination.get("body"):
        content_type = termination.get("content_type", "text/plain")
        return {
            "status": status,
            "content_type": f'"{content_type}"',
            "body": nginx_string(termination["body"]),
        }
    message = termination.get("message") or "Service unavailable"
    return {
        "status": status,
        "content_type": "application/json",
        "body": nginx_termination_body(status, message),
    }


def render_nginx(
    config: Mapping[str, Any], settings: LocalSettings, *, source: str = "gateway/kong.yml"
) -> str:
    """nginx.conf reproducing ``config`` (already filtered) with stock nginx."""
    problems = check_kong_config(config)
    if problems:
        raise GatewayConfigError("kong.yml has problems:\n  " + "\n  ".join(problems))
    routes = effective_routes(config, settings)
    global_plugins = global_plugins_of(config)
    correlation = global_plugins["correlation-id"]
    id_header = correlation.get("header_name", "Kong-Request-ID")

    # rate-limiting: one zone per window of each rate-limiting plugin instance.
    server_zones = (
        rate_limit_zones("global", global_plugins["rate-limiting"])
        if "rate-limiting" in global_plugins
        else []
    )
    route_zones = {
        route.name: rate_limit_zones(f"route_{route.name}", route.plugins["rate-limiting"])
        for route in routes
        if "rate-limiting" in route.overridden
    }
    size_global = global_plugins.get("request-size-limiting")
    redaction_maps, logged_uri = nginx_redaction_maps()
    locations = [
        {
            "route": route,
            "path": path,
            "zones": route_zones.get(route.name, []),
            "body_limit": size_limit(route.plugins["request-size-limiting"])
            if "request-size-limiting" in route.overridden
            else None,
            "termination": _termination(route),
        }
        for route in routes
        for path in route.paths
    ]
    return render(
        "nginx.conf.j2",
        source=source,
        deployed=list(dict.fromkeys(route.service for route in routes)),
        settings=settings,
        id_header=id_header,
        id_variable="$http_" + id_header.lower().replace("-", "_"),
        echo_request_id=bool(correlation.get("echo_downstream")),
        route_patterns=[
            (re.escape(path), route.name)
            for path, route in sorted(
                ((p, r) for r in routes for p in r.paths), key=lambda item: -len(item[0])
            )
        ],
        routes=routes,
        upstreams={route.service: route.upstream for route in routes if route.upstream},
        file_log="file-log" in global_plugins,
        redaction_maps=redaction_maps,
        logged_uri=logged_uri,
        log_chunks=_log_chunks(id_header, logged_uri),
        header_buffers=HEADER_BUFFERS,
        gzip=GZIP,
        brotli_module=find_brotli_module(),
        brotli=BROTLI,
        cors=_cors_context(global_plugins.get("cors")),
        hidden_headers=(global_plugins.get("response-transformer", {}).get("remove") or {}).get(
            "headers", []
        ),
        rate_zones=[*server_zones, *(zone for zones in route_zones.values() for zone in zones)],
        retry_after={
            "default": retry_seconds(server_zones),
            # A route's own limit replaces the global one (the most specific plugin wins).
            **{name: retry_seconds(zones) for name, zones in route_zones.items()},
        },
        server_zones=server_zones,
        body_limit=size_limit(size_global) if size_global is not None else None,
        body_buffer=size_limit(size_global) if size_global is not None else 16 * 1024 * 1024,
        errors=[{"status": status, "body": nginx_error_body(status)} for status in GATEWAY_ERRORS],
        locations=locations,
        not_found_body=nginx_error_body(404),
    )


def find_nginx() -> str | None:
    """nginx lives in /usr/sbin, which is not on a non-root user's PATH."""
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])
    return shutil.which("nginx", path=search)
