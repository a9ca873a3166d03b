"""Core's configuration: the shared sections (database, api, logging)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from marshmallow import fields

from ispyb_shared.auth import AuthSettings
from ispyb_shared.config import ServiceConfig, load_config

from .user_office.config import UserOfficeConfig

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "config.yaml"


class CoreConfig(ServiceConfig):
    """Shared sections, how to verify callers' tokens, the user-office synchronisation."""

    auth = fields.Nested(AuthSettings, required=True)
    user_office = fields.Nested(UserOfficeConfig, load_default=lambda: UserOfficeConfig().load({}))


def load_core_config(environ=None) -> dict[str, Any]:
    return load_config("core", CoreConfig, default_path=DEFAULT_CONFIG_PATH, environ=environ)
