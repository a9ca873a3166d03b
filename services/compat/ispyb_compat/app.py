"""The compat service's app factory. ``gunicorn 'ispyb_compat.app:create_app()'``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ispyb_shared.app import create_service_app
from ispyb_shared.config import validate_config
from ispyb_shared.core_client import Transport
from ispyb_shared.readiness import add_dependency

from .config import CompatConfig, load_compat_config
from .namespaces import namespaces
from .upstreams import Upstreams


def create_app(config: Mapping[str, Any] | None = None, *, transport: Transport | None = None):
    """Build compat. ``transport`` (tests) carries its calls to core, auth, em and ssx."""
    config = load_compat_config() if config is None else validate_config(config, CompatConfig)
    app = create_service_app(
        service="compat",
        title="ISPyB compat",
        description="The REST dialects of clients sites already run: py-ispyb's (for "
        "py-ispyb-ui and mxcubecore) under /pyispyb and the Java server's (EXI) under "
        "/java/{token}. It owns no data: every answer is core's, auth's, em's or ssx's "
        "answer to the caller's own token, reshaped (docs/compat.md).",
        config=config,
        namespaces=namespaces(),
    )
    app.extensions["compat_upstreams"] = Upstreams.from_config(config, transport=transport)
    # Core answers every read; the others are needed by some routes only.
    clients = app.extensions["compat_upstreams"]
    add_dependency(app, "core", clients.core.readiness)
    add_dependency(app, "auth", clients.auth.readiness)
    add_dependency(app, "em", clients.em.readiness, required=False)
    add_dependency(app, "ssx", clients.ssx.readiness, required=False)
    add_detail_to_errors(app)
    return app


def add_detail_to_errors(app) -> None:
    """py-ispyb-ui reads ``detail`` on an error: the py-ispyb dialect's errors carry the
    envelope's message there too (the envelope itself is unchanged)."""
    from flask import request

    @app.after_request
    def _detail(response):
        if (
            response.status_code >= 400
            and response.mimetype == "application/json"
            and "/compat/pyispyb/" in request.path
        ):
            body = response.get_json(silent=True)
            if isinstance(body, dict) and "message" in body and "detail" not in body:
                body["detail"] = body["message"]
                response.set_data(app.json.dumps(body))
        return response
