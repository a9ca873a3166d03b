"""Core's configuration: the shared sections (database, api, logging)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from marshmallow import fields

from ispyb_shared.auth import AuthSettings
from ispyb_shared.config import ServiceConfig, load_config

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "config.yaml"


class CoreConfig(ServiceConfig):
    """Shared sections plus how to verify callers' tokens."""

    auth = fields.Nested(AuthSettings, required=True)


def load_core_config(environ=None) -> dict[str, Any]:
    return load_config("core", CoreConfig, default_path=DEFAULT_CONFIG_PATH, environ=environ)
