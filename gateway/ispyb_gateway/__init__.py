"""The API gateway's configuration: project checks, per-site selection, local nginx.

``gateway/kong.yml`` (Kong 3, DB-less) is the one source of the gateway's routes and
plugins. This package checks it (``kong_config``), renders for the services a site deploys
a filtered kong.yml for Kong and an nginx.conf for the local gateway (``site``, ``nginx``,
``docs_page``), and has the ``ispyb-gateway`` command (``cli``). The names below are its
public API (tools/run.py and the tests use them).
"""

from .docs_page import docs_page
from .errors import GATEWAY_ERRORS
from .kong_config import (
    API_ROOT,
    GatewayConfigError,
    check_kong_config,
    deck_validate,
    load_kong_config,
)
from .nginx import LocalSettings, find_nginx, render_nginx
from .paths import DEFAULT_SOURCE
from .site import (
    RenderedGateway,
    kong_site_config,
    nginx_command,
    parse_selection,
    project_services,
    render_site,
    select_services,
    site_config,
)

__all__ = [
    "API_ROOT",
    "DEFAULT_SOURCE",
    "GATEWAY_ERRORS",
    "GatewayConfigError",
    "LocalSettings",
    "RenderedGateway",
    "check_kong_config",
    "deck_validate",
    "docs_page",
    "find_nginx",
    "kong_site_config",
    "load_kong_config",
    "nginx_command",
    "parse_selection",
    "project_services",
    "render_nginx",
    "render_site",
    "select_services",
    "site_config",
]
