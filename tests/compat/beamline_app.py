"""The compat app the beamline write routes are tested in: compat's own app, whose core
client reaches the real core app in-process (tests/support/in_process.py)."""

from __future__ import annotations

import tests.conftest as shared_fixtures
from tests.support.in_process import CORE_URL, in_process_core

COMPAT = "/ispyb/api/v1/compat"
PYISPYB = f"{COMPAT}/pyispyb"


def build(core_app):
    """The compat app (ispyb_compat.app) whose calls to core reach ``core_app``."""
    from ispyb_compat.app import create_app

    transport, line = in_process_core(core_app)
    app = create_app(
        {
            "logging": {"level": "INFO"},
            "api": {"warm_up": False},
            "auth": shared_fixtures._tokens.settings(),
            "core": {"url": CORE_URL},
            "auth_service": {"url": "http://auth.test"},
            "em": {"url": "http://em.test"},
            "ssx": {"url": "http://ssx.test"},
        },
        transport=transport,
    )
    app.extensions["test_core_transport"] = line
    return app
