"""The ssx service's app factory. ``gunicorn 'ispyb_ssx.app:create_app()'``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ispyb_shared.app import create_service_app
from ispyb_shared.config import validate_config
from ispyb_shared.db import Database

from .config import SSXConfig, load_ssx_config
from .core_client import CoreClient


def create_app(
    config: Mapping[str, Any] | None = None,
    *,
    database: Database | None = None,
    core_client: CoreClient | None = None,
):
    config = load_ssx_config() if config is None else validate_config(config, SSXConfig)
    from .api import components, runs, sessions

    app = create_service_app(
        service="ssx",
        title="ISPyB ssx",
        description="Serial crystallography: runs registered in one request (core data "
        "collection + SSX parameters + pump-probe events + composition), processing results, "
        "live hit/indexing chunks, session summaries. Links to core by UUID; core decides "
        "who may see what. Units are in docs/ssx.md and the models.",
        config=config,
        namespaces=[runs, sessions, components],
        database=database,
    )
    app.extensions["ssx_core_client"] = core_client or CoreClient.from_settings(config["core"])
    return app
