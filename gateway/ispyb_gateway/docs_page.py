"""The unified docs page: each deployed service's Swagger UI and OpenAPI document.

The gateway answers it itself (the docs route's request-termination plugin), in Kong and
in the local nginx alike; ``site.render_site`` puts the page rendered here into it.
"""

from __future__ import annotations

from collections.abc import Iterable

from .kong_config import API_ROOT
from .templates import render

# Shown on the docs page next to each service's links.
SERVICE_DESCRIPTIONS = {
    "core": "Proposals, sessions, people, laboratories and lab contacts",
    "ssx": "Serial synchrotron crystallography",
    "compat": "py-ispyb's and the Java server's REST dialects (existing clients)",
    "em": "Cryo-electron microscopy",
    "auth": "Login, tokens and permissions",
}


def docs_page(selected: Iterable[str]) -> str:
    services = [
        {
            "name": name,
            "description": SERVICE_DESCRIPTIONS.get(name, ""),
            "base": f"{API_ROOT}/{name}",
        }
        for name in selected
    ]
    return render("docs.html.j2", services=services)
