"""The ssx service's app factory. ``gunicorn 'ispyb_ssx.app:create_app()'``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from ispyb_shared.app import create_service_app
from ispyb_shared.config import validate_config
from ispyb_shared.core_client import Credentials
from ispyb_shared.db import Database
from ispyb_shared.idempotency import init_idempotency
from ispyb_shared.readiness import add_dependency

from .config import SSXConfig, load_ssx_config
from .core import SSXCoreClient

log = logging.getLogger(__name__)


def create_app(
    config: Mapping[str, Any] | None = None,
    *,
    database: Database | None = None,
    core_client: SSXCoreClient | None = None,
    undo_credentials: Callable[[str | None], Credentials] | None = None,
):
    """Build ssx. ``undo_credentials`` (tests) replaces the client credentials of
    ``core.undo`` for undos retried later."""
    config = load_ssx_config() if config is None else validate_config(config, SSXConfig)
    from .components.api import ns as components
    from .files.api import ns as run_files
    from .results.api import ns as results
    from .runs.api import ns as runs
    from .runs.api import sessions_ns as sessions
    from .runs.recovery import ClientCredentials, RetryLoop

    app = create_service_app(
        service="ssx",
        title="ISPyB ssx",
        description="Serial crystallography: runs registered in one request (core data "
        "collection + SSX parameters + pump-probe events + composition), processing results, "
        "live hit/indexing chunks, session summaries. Links to core by UUID; core decides "
        "who may see what. Units are in docs/ssx.md and the models.",
        config=config,
        namespaces=[runs, results, run_files, sessions, components],
        database=database,
    )
    from .database import IdempotencyRecord

    init_idempotency(app, IdempotencyRecord)
    undo = config["core"]["undo"]
    app.extensions["ssx_core_client"] = core_client or SSXCoreClient.from_settings(config["core"])
    add_dependency(app, "core", app.extensions["ssx_core_client"].readiness)
    app.extensions["ssx_undo_credentials"] = undo_credentials or ClientCredentials.from_settings(
        undo
    )
    if undo["retry_seconds"] > 0:
        if app.extensions["ssx_undo_credentials"] is None:
            log.warning(
                "core.undo names no client: registrations whose undo core could not confirm "
                "are not retried (configure core.undo.client_id, client_secret, token_url)"
            )
        else:
            app.extensions["ssx_undo_loop"] = RetryLoop(
                lambda: retry_pending_undos(app), undo["retry_seconds"]
            ).start()
    return app


def retry_pending_undos(app):
    """One run of the retry loop for this app (also ``ispyb-ssx undo-pending``)."""
    from .runs.recovery import retry_undos

    core_settings = app.config["ISPYB_CONFIG"]["core"]
    return retry_undos(
        database=app.extensions["ispyb_database"],
        core=app.extensions["ssx_core_client"],
        credentials=app.extensions["ssx_undo_credentials"],
        stale_after_seconds=stale_after(core_settings),
        retry_seconds=core_settings["undo"]["retry_seconds"],
    )


def stale_after(core_settings: Mapping[str, Any]) -> float:
    """How long an attempt can stay ``started`` while its request is alive: the calls made
    after it is recorded (the registration, its retries, the undo) all timing out, with a
    wide margin. An older ``started`` attempt was abandoned (ssx stopped)."""
    calls = core_settings["write_retries"] + 8
    return calls * core_settings["timeout_seconds"] + 60
