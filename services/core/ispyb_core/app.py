"""Core's app factory. ``gunicorn 'ispyb_core.app:create_app()'``."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from flask import Flask

from ispyb_shared.app import create_service_app
from ispyb_shared.config import validate_config
from ispyb_shared.db import Database
from ispyb_shared.idempotency import init_idempotency

from .config import CoreConfig, load_core_config

# The main reads, run once by each worker before it serves (ispyb_shared.app.warm_up);
# the items do not exist (id 0): their first statements are compiled all the same.
WARM_UP_PATHS = (
    "/proposals?limit=1",
    "/sessions?limit=1",
    "/sessions/0/data-collections",
    "/data-collections/0",
    "/data-collections/0/processing",
    "/shipments/0",
)


def create_app(config: Mapping[str, Any] | None = None, *, database: Database | None = None):
    """Build core. ``config`` is validated like the file; None reads file + environment."""
    config = load_core_config() if config is None else validate_config(config, CoreConfig)
    # Imported here so that importing the package reads and registers nothing.
    from .containers.api import ns as containers
    from .crystals.api import ns as crystals
    from .data_collection_attachments.api import collection_ns as data_collection_attachment_lists
    from .data_collection_attachments.api import ns as data_collection_attachments
    from .data_collection_comments.api import ns as data_collection_comments
    from .data_collections.api import groups_ns as data_collection_groups
    from .data_collections.api import ns as data_collections
    from .data_collections.api import registrations_ns as data_collection_registrations
    from .detector_images.api import ns as detector_images
    from .dewar_registry.api import ns as dewar_registry
    from .dewars.api import ns as dewars
    from .diffraction_plans.api import ns as diffraction_plans
    from .energy_scans.api import ns as energy_scans
    from .events.api import ns as events
    from .files.api import attachments_ns as processing_attachments
    from .files.api import energy_scan_files_ns as energy_scan_files
    from .files.api import images_ns as image_files
    from .files.api import robot_action_files_ns as robot_action_files
    from .files.api import snapshots_ns as data_collection_files
    from .files.api import xrf_spectrum_files_ns as xrf_spectrum_files
    from .grid_info.api import ns as grid_info
    from .image_quality_indicators.api import ns as image_quality_indicators
    from .images.api import ns as images
    from .lab_contacts.api import ns as lab_contacts
    from .laboratories.api import ns as laboratories
    from .persons.api import ns as persons
    from .processing.api import ns as processing
    from .processing_jobs.api import ns as processing_jobs
    from .processing_messages.api import ns as processing_messages
    from .proposals.api import ns as proposals
    from .proteins.api import ns as proteins
    from .robot_actions.api import ns as robot_actions
    from .sample_changer.api import ns as sample_changer
    from .sample_changer.api import queue_samples_ns as container_queue_samples
    from .sample_changer.api import queues_ns as container_queues
    from .sample_groups.api import ns as sample_groups
    from .samples.api import ns as samples
    from .screenings.api import ns as screenings
    from .sessions.api import ns as sessions
    from .shipment_documents.api import ns as shipment_documents
    from .shipments.api import ns as shipments
    from .statistics.api import ns as statistics
    from .ui_options.api import ns as ui_options
    from .user_office.api import ns as user_office
    from .workflows.api import ns as workflows
    from .xrf_spectra.api import ns as xrf_spectra

    app: Flask = create_service_app(
        service="core",
        title="ISPyB core",
        description="Proposals, sessions, people, laboratories and lab contacts; proteins, "
        "crystals, samples, diffraction plans and shipments (dewars, containers); data "
        "collections and processing results of the ISPyB schema. JSON field names are ISPyB "
        "column names.",
        config=config,
        namespaces=[
            proposals,
            sessions,
            persons,
            laboratories,
            lab_contacts,
            proteins,
            crystals,
            samples,
            sample_groups,
            diffraction_plans,
            shipments,
            shipment_documents,
            dewars,
            dewar_registry,
            containers,
            data_collection_groups,
            data_collections,
            data_collection_registrations,
            images,
            robot_actions,
            energy_scans,
            events,
            xrf_spectra,
            screenings,
            grid_info,
            sample_changer,
            container_queues,
            container_queue_samples,
            data_collection_comments,
            processing,
            data_collection_files,
            processing_attachments,
            image_files,
            robot_action_files,
            energy_scan_files,
            xrf_spectrum_files,
            detector_images,
            user_office,
            ui_options,
            statistics,
            image_quality_indicators,
            data_collection_attachment_lists,
            data_collection_attachments,
            workflows,
            processing_jobs,
            processing_messages,
        ],
        database=database,
        warm_up_paths=WARM_UP_PATHS,
    )
    from .database import IdempotencyRecord

    init_idempotency(app, IdempotencyRecord)
    _look_at_the_schema(app.extensions["ispyb_database"])
    return app


def _look_at_the_schema(database: Database) -> None:
    """What differs between ISPyB flavours and is looked up per database, looked up now
    rather than on a user's request; if the database is not there yet, on first use."""
    from sqlalchemy.exc import SQLAlchemyError

    from .processing.conventions import detect_esrf_anomalous

    with contextlib.suppress(SQLAlchemyError):
        detect_esrf_anomalous(database.engine)
