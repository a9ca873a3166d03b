"""The em service's app factory. ``gunicorn 'ispyb_em.app:create_app()'``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ispyb_shared.app import create_service_app
from ispyb_shared.config import validate_config
from ispyb_shared.db import Database

from .config import EMConfig, load_em_config


def create_app(config: Mapping[str, Any] | None = None, *, database: Database | None = None):
    config = load_em_config() if config is None else validate_config(config, EMConfig)
    return create_service_app(
        service="em",
        title="ISPyB em",
        description="The cryo-EM service of ISPyB.",
        config=config,
        database=database,
    )
