"""The em service's configuration: the shared sections, token verification, where core is,
and the limits of bulk ingestion."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from marshmallow import fields, validate

from ispyb_shared.auth import AuthSettings
from ispyb_shared.config import ServiceConfig, load_config
from ispyb_shared.core_client import CoreSettings
from ispyb_shared.schemas import StrictSchema

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "config.yaml"


class IngestionSettings(StrictSchema):
    """Limits of ``POST /movies/batch``."""

    max_records = fields.Integer(
        load_default=2000,
        validate=validate.Range(min=1, max=100_000),
        metadata={"description": "Most movie records in one batch."},
    )


class EMConfig(ServiceConfig):
    """Shared sections, how to verify callers' tokens, core, ingestion limits."""

    auth = fields.Nested(AuthSettings, required=True)
    core = fields.Nested(CoreSettings, load_default=lambda: CoreSettings().load({}))
    ingestion = fields.Nested(IngestionSettings, load_default=lambda: IngestionSettings().load({}))


def load_em_config(environ=None) -> dict[str, Any]:
    return load_config("em", EMConfig, default_path=DEFAULT_CONFIG_PATH, environ=environ)
