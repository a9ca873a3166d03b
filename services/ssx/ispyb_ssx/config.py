"""The ssx service's configuration: the shared sections, token verification, where core
is, and a test-only switch for failure injection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from marshmallow import RAISE, Schema, fields, validate

from ispyb_shared.auth import AuthSettings
from ispyb_shared.config import ServiceConfig, load_config

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "config.yaml"


class CoreSettings(Schema):
    """How ssx reaches core (data collections, sessions, samples)."""

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
        metadata={"description": "Time allowed for one answer of core; beyond, ssx answers 503."},
    )
    cache_seconds = fields.Integer(
        load_default=30,
        validate=validate.Range(min=0, max=3600),
        metadata={
            "description": "How long core's positive answer about a data collection is reused "
            "for the same access token (0: ask every time)."
        },
    )


class TestingSettings(Schema):
    class Meta:
        unknown = RAISE

    failure_injection = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Honour the X-SSX-Inject-Failure header (tests only; never in "
            "production)."
        },
    )


class SSXConfig(ServiceConfig):
    """Shared sections, how to verify callers' tokens, where core is."""

    auth = fields.Nested(AuthSettings, required=True)
    core = fields.Nested(CoreSettings, load_default=lambda: CoreSettings().load({}))
    testing = fields.Nested(TestingSettings, load_default=lambda: TestingSettings().load({}))


def load_ssx_config(environ=None) -> dict[str, Any]:
    return load_config("ssx", SSXConfig, default_path=DEFAULT_CONFIG_PATH, environ=environ)
