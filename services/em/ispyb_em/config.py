"""The em service's configuration: the shared sections, token verification, where core is,
and the limits of bulk ingestion."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from marshmallow import RAISE, Schema, fields, validate

from ispyb_shared.auth import AuthSettings
from ispyb_shared.config import ServiceConfig, load_config

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "config.yaml"


class CoreSettings(Schema):
    """How em reaches core, which decides who may see which data collection."""

    class Meta:
        unknown = RAISE

    url = fields.String(
        load_default="http://127.0.0.1:8001",
        validate=validate.URL(schemes={"http", "https"}, require_tld=False),
        metadata={"description": "Base URL of core (without /ispyb/api/v1/core)."},
    )
    timeout_seconds = fields.Float(
        load_default=5.0,
        validate=validate.Range(min=0.1, max=120),
        metadata={"description": "Time allowed for one answer of core; beyond, em answers 503."},
    )
    cache_seconds = fields.Integer(
        load_default=30,
        validate=validate.Range(min=0, max=3600),
        metadata={
            "description": "How long core's answer about a data collection is reused for the "
            "same access token (0: ask every time)."
        },
    )
    cache_entries = fields.Integer(
        load_default=20000,
        validate=validate.Range(min=1, max=10_000_000),
        metadata={"description": "Most (token, data collection) answers kept per process."},
    )


class IngestionSettings(Schema):
    """Limits of ``POST /movies/batch``."""

    class Meta:
        unknown = RAISE

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
