"""The compat app the beamline write routes are tested in: their namespaces
(ispyb_compat.pyispyb.beamline) in a service app whose core client reaches the real core
app in-process (tests/support/in_process.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from marshmallow import fields

from ispyb_shared.auth import AuthSettings
from ispyb_shared.config import ServiceConfig, validate_config
from ispyb_shared.core_client import CoreClient
from tests.conftest import service_config
from tests.support.in_process import CORE_URL, in_process_core

COMPAT = "/ispyb/api/v1/compat"
PYISPYB = f"{COMPAT}/pyispyb"
ROOT = Path(__file__).resolve().parents[2]


class _Config(ServiceConfig):
    auth = fields.Nested(AuthSettings, required=True)


def build(core_app, database_url: str):
    """The compat app with the beamline namespaces and a core client into ``core_app``."""
    if str(ROOT / "services" / "compat") not in sys.path:
        sys.path.insert(0, str(ROOT / "services" / "compat"))
    from ispyb_compat.pyispyb.beamline.api import NAMESPACES

    from ispyb_shared.app import create_service_app

    config = validate_config(service_config(database_url, api={"warm_up": False}), _Config)
    app = create_service_app(
        service="compat",
        title="ISPyB compat (beamline routes under test)",
        description="py-ispyb's beamline write routes.",
        config=config,
        namespaces=NAMESPACES,
    )
    transport, line = in_process_core(core_app)
    app.extensions["compat_core_client"] = CoreClient(url=CORE_URL, transport=transport)
    app.extensions["test_core_transport"] = line
    return app
