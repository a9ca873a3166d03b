"""A site's gateway: the services it deploys, its settings, and the files rendered for it.

``render_site`` checks the source kong.yml, keeps the services the site selects
(``ISPYB_SERVICES``), fills in the docs page and the CORS origins, then writes the site's
kong.yml (what Kong reads) and, for the local gateway, nginx.conf.
"""

from __future__ import annotations

import copy
import ipaddress
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .docs_page import docs_page
from .errors import KONG_ERROR_TEMPLATE_FILE, kong_error_template, termination_envelope
from .kong_config import (
    DOCS_TAG,
    SERVICE_TAG,
    STATIC_TAG,
    GatewayConfigError,
    check_kong_config,
    load_kong_config,
    plugins_of,
    routes_of,
    service_address,
    services_of,
)
from .nginx import DEFAULT_GATEWAY_PORT, LocalSettings, render_nginx
from .paths import DEFAULT_SOURCE, DEFAULT_VAR_DIR, shown

# --- per-site selection ---------------------------------------------------------------------


def project_services(config: Mapping[str, Any]) -> list[str]:
    return [s["name"] for s in services_of(config) if SERVICE_TAG in (s.get("tags") or [])]


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
    kept, dropped_services, dropped_routes, dropped_hosts = [], set(), set(), set()
    for service in services_of(result):
        if SERVICE_TAG in (service.get("tags") or []) and service["name"] not in selected:
            dropped_services.add(service["name"])
            dropped_hosts.add(service_address(service)[1])
            dropped_routes.update(r.get("name") for r in routes_of(service) if isinstance(r, dict))
        else:
            kept.append(service)
    result["services"] = kept
    if "upstreams" in result:
        result["upstreams"] = [
            upstream
            for upstream in result["upstreams"] or []
            if not isinstance(upstream, dict) or upstream.get("name") not in dropped_hosts
        ]
    result["plugins"] = [
        plugin
        for plugin in plugins_of(result)
        if plugin.get("service") not in dropped_services
        and plugin.get("route") not in dropped_routes
    ]
    return result


def set_docs_page(config: dict[str, Any], page: str) -> None:
    """Put the page into the request-termination plugin of the docs route(s)."""
    for service in services_of(config):
        docs_service = DOCS_TAG in (service.get("tags") or [])
        for route in routes_of(service):
            if docs_service or DOCS_TAG in (route.get("tags") or []):
                for plugin in plugins_of(route) + plugins_of(service):
                    if plugin.get("name") == "request-termination":
                        plugin.setdefault("config", {})["body"] = page


def set_cors_origins(config: dict[str, Any], origins: list[str]) -> None:
    for plugin in plugins_of(config):
        if plugin.get("name") == "cors":
            plugin.setdefault("config", {})["origins"] = list(origins)


def parse_origins(raw: str) -> list[str]:
    origins = [origin.strip() for origin in raw.split(",") if origin.strip()]
    if not origins:
        raise GatewayConfigError("ISPYB_GATEWAY_CORS_ORIGINS is set but names no origin")
    return origins


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


def kong_site_config(site: Mapping[str, Any]) -> dict[str, Any]:
    """The site's kong.yml as Kong reads it: terminated routes answer in the envelope.

    Kong's request-termination answers a ``message`` as ``{"message": ...}``; a fixed JSON
    body is the only way to give it the envelope's shape (without the request id, which
    the client still gets in the X-Request-ID header). The local gateway renders the
    envelope itself, with the id.
    """
    result = copy.deepcopy(dict(site))
    entities = [result, *services_of(result)]
    entities += [route for service in services_of(result) for route in routes_of(service)]
    for entity in entities:
        for plugin in plugins_of(entity):
            config = plugin.get("config") or {}
            if plugin.get("name") == "request-termination" and not config.get("body"):
                status = config.get("status_code", 503)
                message = config.pop("message", None) or "Service unavailable"
                config["content_type"] = "application/json; charset=utf-8"
                config["body"] = termination_envelope(status, message)
                plugin["config"] = config
    return result


# --- the local gateway's settings -----------------------------------------------------------


def local_settings_from_env(environ: Mapping[str, str], config: Mapping[str, Any]) -> LocalSettings:
    var_dir = Path(environ.get("ISPYB_VAR_DIR") or DEFAULT_VAR_DIR)
    host = environ.get("ISPYB_HOST") or "127.0.0.1"
    ports = {}
    for service in services_of(config):
        upper = service["name"].upper().replace("-", "_")
        several, one = f"ISPYB_{upper}_PORTS", f"ISPYB_{upper}_PORT"
        if environ.get(several):
            # The local instances of a service (make run's ISPYB_<SVC>_INSTANCES).
            values = [v for v in environ[several].replace(",", " ").split() if v]
            ports[service["name"]] = [_port(value, several) for value in values]
        elif environ.get(one):
            ports[service["name"]] = [_port(environ[one], one)]
    static_dirs = {}
    for service in services_of(config):
        if STATIC_TAG in (service.get("tags") or []):
            variable = f"ISPYB_{service['name'].upper().replace('-', '_')}_STATIC_DIR"
            if environ.get(variable):
                static_dirs[service["name"]] = Path(environ[variable]).resolve()
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
        log_buffer=_log_buffer(environ.get("ISPYB_GATEWAY_LOG_BUFFER")),
        error_log=_error_log(environ.get("ISPYB_GATEWAY_ERROR_LOG")),
        static_dirs=static_dirs,
    )


def _error_log(raw: str | None) -> str:
    """ISPYB_GATEWAY_ERROR_LOG: ``file`` (the default) or ``stderr`` (tools/run.py, which
    redacts each line into the same file)."""
    value = (raw or "file").strip().lower()
    if value not in ("file", "stderr"):
        raise GatewayConfigError("ISPYB_GATEWAY_ERROR_LOG must be file or stderr")
    return "" if value == "file" else "stderr"


def _log_buffer(raw: str | None) -> str:
    """ISPYB_GATEWAY_LOG_BUFFER: a size (32k, the default; 64k, 1m) or off."""
    if raw is None or raw.strip() == "":
        return "32k"
    value = raw.strip().lower()
    if value in {"off", "0", "no", "false"}:
        return ""
    if not re.fullmatch(r"[1-9]\d{0,5}[km]?", value):
        raise GatewayConfigError(f"ISPYB_GATEWAY_LOG_BUFFER={raw!r}: a size like 32k or 1m, or off")
    return value


def _port(raw: Any, variable: str) -> int:
    try:
        port = int(raw)
    except (TypeError, ValueError):
        raise GatewayConfigError(f"{variable}={raw!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise GatewayConfigError(f"{variable}={raw!r} is not a port number (1-65535)")
    return port


# --- writing the files ----------------------------------------------------------------------


class _LiteralDumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_LiteralDumper.add_representer(str, _represent_str)


def dump_kong_config(config: Mapping[str, Any], selected: list[str], source: str) -> str:
    header = (
        f"# Generated by ispyb-gateway from {source} for: {', '.join(selected)}.\n"
        "# Do not edit: edit gateway/kong.yml and render again.\n"
    )
    return header + yaml.dump(
        dict(config), Dumper=_LiteralDumper, sort_keys=False, allow_unicode=True, width=100
    )


@dataclass
class RenderedGateway:
    services: list[str]
    kong_file: Path
    nginx_file: Path | None
    settings: LocalSettings

    @property
    def kong_error_template(self) -> Path:
        return self.kong_file.with_name(KONG_ERROR_TEMPLATE_FILE)


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
    shown_source = shown(source)
    kong_file = settings.prefix_dir / "kong.yml"
    kong_file.write_text(
        dump_kong_config(kong_site_config(site), selected, shown_source), encoding="utf-8"
    )
    # Kong's error_template_json (docker-compose.yml: KONG_ERROR_TEMPLATE_JSON).
    (settings.prefix_dir / KONG_ERROR_TEMPLATE_FILE).write_text(
        kong_error_template(), encoding="utf-8"
    )
    nginx_file = None
    if not kong_only:
        settings.log_dir.mkdir(parents=True, exist_ok=True)
        (settings.prefix_dir / "tmp").mkdir(exist_ok=True)
        nginx_file = settings.prefix_dir / "nginx.conf"
        nginx_file.write_text(render_nginx(site, settings, source=shown_source), encoding="utf-8")
    return RenderedGateway(selected, kong_file, nginx_file, settings)


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
