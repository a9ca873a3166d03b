"""The ssx service's configuration: the shared sections, token verification, where core
is, and how registrations left behind are undone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from ispyb_shared.auth import AuthSettings
from ispyb_shared.config import ServiceConfig, load_config
from ispyb_shared.core_client import CoreSettings
from ispyb_shared.schemas import StrictSchema

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "config.yaml"


class UndoSettings(StrictSchema):
    """How ssx undoes, later, a registration whose undo core could not confirm at once
    (docs/ssx.md): with its own client credentials, since the caller's token expires."""

    retry_seconds = fields.Float(
        load_default=30,
        validate=validate.Range(min=0, max=3600),
        metadata={
            "description": "Seconds between two runs of the retry loop (it also runs at "
            "start-up); 0: no loop (``ispyb-ssx undo-pending`` by hand)."
        },
    )
    token_url = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.URL(schemes={"http", "https"}, require_tld=False),
        metadata={"description": "The auth service's token endpoint (.../auth/token)."},
    )
    client_id = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "ssx's machine client in the auth service."},
    )
    client_secret = fields.String(
        load_default=None, allow_none=True, metadata={"description": "Its secret."}
    )
    scope = fields.String(
        load_default="core:acquisition:write",
        metadata={"description": "Scopes asked for (core:acquisition:write is needed)."},
    )

    @validates_schema
    def _all_or_nothing(self, data, **_kwargs):
        given = [name for name in ("token_url", "client_id", "client_secret") if data.get(name)]
        if given and len(given) < 3:
            missing = sorted({"token_url", "client_id", "client_secret"} - set(given))
            raise ValidationError("token_url, client_id and client_secret go together.", missing[0])


class SSXCoreSettings(CoreSettings):
    """How ssx reaches core (data collections, sessions, samples)."""

    write_retries = fields.Integer(
        load_default=1,
        validate=validate.Range(min=0, max=5),
        metadata={
            "description": "Times a registration whose answer was lost is sent again by "
            "key (core answers the same rows) before it is undone."
        },
    )
    undo = fields.Nested(UndoSettings, load_default=lambda: UndoSettings().load({}))


class SSXConfig(ServiceConfig):
    """Shared sections, how to verify callers' tokens, where core is."""

    auth = fields.Nested(AuthSettings, required=True)
    core = fields.Nested(SSXCoreSettings, load_default=lambda: SSXCoreSettings().load({}))


def load_ssx_config(environ=None) -> dict[str, Any]:
    return load_config("ssx", SSXConfig, default_path=DEFAULT_CONFIG_PATH, environ=environ)
