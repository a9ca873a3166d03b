"""The ssx service's app factory. ``gunicorn 'ispyb_ssx.app:create_app()'``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ispyb_shared.app import create_service_app
from ispyb_shared.config import validate_config
from ispyb_shared.db import Database

from .config import SSXConfig, load_ssx_config


def create_app(config: Mapping[str, Any] | None = None, *, database: Database | None = None):
    config = load_ssx_config() if config is None else validate_config(config, SSXConfig)
    return create_service_app(
        service="ssx",
        title="ISPyB ssx",
        description="The serial crystallography service of ISPyB.",
        config=config,
        database=database,
    )
