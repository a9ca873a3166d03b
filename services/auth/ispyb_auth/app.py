"""The auth service's app factory. ``gunicorn 'ispyb_auth.app:create_app()'``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ispyb_shared.app import create_service_app
from ispyb_shared.config import validate_config
from ispyb_shared.db import Database

from .config import AuthConfig, load_auth_config


def create_app(config: Mapping[str, Any] | None = None, *, database: Database | None = None):
    config = load_auth_config() if config is None else validate_config(config, AuthConfig)
    return create_service_app(
        service="auth",
        title="ISPyB auth",
        description="The authentication and authorisation service of ISPyB.",
        config=config,
        database=database,
    )
