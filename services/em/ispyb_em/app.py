"""The em service's app factory. ``gunicorn 'ispyb_em.app:create_app()'``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ispyb_shared.app import create_service_app
from ispyb_shared.config import validate_config
from ispyb_shared.db import Database
from ispyb_shared.idempotency import init_idempotency
from ispyb_shared.readiness import add_dependency

from .config import EMConfig, load_em_config
from .core_client import EMCoreClient


def create_app(
    config: Mapping[str, Any] | None = None,
    *,
    database: Database | None = None,
    core_client: EMCoreClient | None = None,
):
    """Build em. ``config`` is validated like the file; None reads file + environment."""
    config = load_em_config() if config is None else validate_config(config, EMConfig)
    # Imported here so that importing the package reads and registers nothing.
    from .classification.api import classes, groups, initial_models, pickers
    from .files.api import ns as files
    from .grids.api import atlases, foil_holes, grid_squares
    from .ingestion import api as ingestion_api
    from .monitoring.api import ns as monitoring
    from .motion_correction.api import ctfs, motion_corrections, relative_ice_thicknesses
    from .programs.api import ns as programs
    from .tomography.api import tilt_image_alignments, tomograms

    app = create_service_app(
        service="em",
        title="ISPyB em",
        description="Cryo-EM: movies, motion correction, CTF, ice thickness, particle "
        "picking and classification, tomograms, grids; bulk ingestion and live monitoring. "
        "Every row belongs to a data collection of core (dataCollectionUUID), and core "
        "decides who may see it. JSON field names are ISPyB column names; units are in "
        "each field's description.",
        config=config,
        namespaces=[
            monitoring,
            ingestion_api.ns,
            programs,
            motion_corrections,
            ctfs,
            relative_ice_thicknesses,
            pickers,
            groups,
            classes,
            initial_models,
            tomograms,
            tilt_image_alignments,
            atlases,
            grid_squares,
            foil_holes,
            files,
        ],
        database=database,
    )
    from .database import IdempotencyRecord

    init_idempotency(app, IdempotencyRecord)
    app.extensions["em_core_client"] = core_client or EMCoreClient.from_settings(config["core"])
    add_dependency(app, "core", app.extensions["em_core_client"].readiness)
    return app
