"""The compat service's configuration: the shared sections but ``database`` (it owns
none), token verification, where core, auth, em and ssx are, and the answers py-ispyb-ui
reads from configuration (``/options/ui``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from marshmallow import fields, validate

from ispyb_shared.auth import AuthSettings
from ispyb_shared.config import ApiConfig, FilesConfig, LoggingConfig, load_config
from ispyb_shared.core_client import CoreSettings
from ispyb_shared.schemas import StrictSchema

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "config.yaml"


def _upstream(url: str):
    return fields.Nested(CoreSettings, load_default=lambda: CoreSettings().load({"url": url}))


class BeamLineGroup(StrictSchema):
    """A group of beamlines as py-ispyb-ui's home page shows them (``/options/ui``)."""

    groupName = fields.String(required=True, validate=validate.Length(min=1, max=64))
    uiGroup = fields.String(load_default="mx", validate=validate.Length(min=1, max=32))
    permission = fields.String(load_default="", validate=validate.Length(max=64))
    beamLines = fields.List(
        fields.String(validate=validate.Length(min=1, max=45)), load_default=list
    )


class PyIspybSettings(StrictSchema):
    """What the py-ispyb dialect answers from configuration."""

    motd = fields.String(
        load_default="",
        validate=validate.Length(max=2000),
        metadata={"description": "Message of the day shown on py-ispyb-ui's home page"},
    )
    beamline_groups = fields.List(
        fields.Nested(BeamLineGroup),
        load_default=list,
        metadata={"description": "Beamline groups of /options/ui and /user/current"},
    )


class CompatConfig(StrictSchema):
    """compat's sections. No ``database``: it owns none."""

    api = fields.Nested(ApiConfig, load_default=lambda: ApiConfig().load({}))
    logging = fields.Nested(LoggingConfig, load_default=lambda: LoggingConfig().load({}))
    files = fields.Nested(FilesConfig, load_default=lambda: FilesConfig().load({}))
    auth = fields.Nested(AuthSettings, required=True)
    core = _upstream("http://127.0.0.1:8001")
    auth_service = _upstream("http://127.0.0.1:8004")
    em = _upstream("http://127.0.0.1:8003")
    ssx = _upstream("http://127.0.0.1:8002")
    pyispyb = fields.Nested(PyIspybSettings, load_default=lambda: PyIspybSettings().load({}))


def load_compat_config(environ=None) -> dict[str, Any]:
    return load_config("compat", CompatConfig, default_path=DEFAULT_CONFIG_PATH, environ=environ)
