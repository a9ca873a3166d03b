"""The compat service's configuration: the shared sections but ``database`` (it owns
none), token verification, where core, auth, em and ssx are. What py-ispyb-ui's ``/options/ui``
answers is core's (``/options/ui``, set by staff)."""

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


class JavaConfig(StrictSchema):
    """The Java dialect (/java/...)."""

    login_plugin = fields.String(
        load_default="local",
        metadata={"description": "auth's login plugin that POST /java/authenticate uses."},
    )


class PyIspybSSXConfig(StrictSchema):
    """mxcubecore's SSX client sends no image directory or file template, which ISPyB's
    data collections (and ssx) need: these site-specific templates fill them, with
    ``{beamLineName}``, ``{visit}``, ``{imagePrefix}``, ``{dataCollectionGroupId}``."""

    image_directory = fields.String(
        load_default="/data/{beamLineName}/{visit}/ssx/{imagePrefix}",
        validate=validate.Length(min=1, max=255),
        metadata={"description": "Template of the run's imageDirectory."},
    )
    file_template = fields.String(
        load_default="{imagePrefix}_master.h5",
        validate=validate.Length(min=1, max=255),
        metadata={"description": "Template of the run's fileTemplate."},
    )


class PyIspybRunConfig(StrictSchema):
    """One of the site's runs (scheduling periods, ESRF's v_run rows): py-ispyb's
    ``/stats/runs`` and the statistics' ``runId`` (core keeps no runs)."""

    runId = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    run = fields.String(required=True, validate=validate.Length(min=1, max=45))
    startDate = fields.DateTime(required=True, format="iso")
    endDate = fields.DateTime(required=True, format="iso")


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
    java = fields.Nested(JavaConfig, load_default=lambda: JavaConfig().load({}))
    pyispyb_ssx = fields.Nested(PyIspybSSXConfig, load_default=lambda: PyIspybSSXConfig().load({}))
    pyispyb_runs = fields.List(
        fields.Nested(PyIspybRunConfig),
        load_default=list,
        metadata={"description": "The site's runs for py-ispyb's /stats/runs (none: empty)."},
    )


def load_compat_config(environ=None) -> dict[str, Any]:
    return load_config("compat", CompatConfig, default_path=DEFAULT_CONFIG_PATH, environ=environ)
