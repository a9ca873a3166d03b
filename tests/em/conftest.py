"""Fixtures of em's tests: em on SQLite and MariaDB (like every service), asking the real
core app in-process (its Flask test client behind em's core client: tests/support/
in_process.py), so visibility is core's own rules on core's own database."""

from __future__ import annotations

import pytest

from ispyb_shared.migrations import upgrade
from tests.conftest import fresh_database_url, service_config
from tests.em.support import CoreForEM, EMWorld
from tests.support.in_process import CORE_URL, in_process_core


@pytest.fixture(scope="session")
def em_database_url(backend, request, tmp_path_factory) -> str:
    url = fresh_database_url(backend, request, tmp_path_factory, "em")
    upgrade(package="ispyb_em", database_url=url, version_table="em_alembic_version")
    return url


def em_config(database_url: str, core_url: str, **core) -> dict:
    return service_config(
        database_url,
        core={"url": core_url, "timeout_seconds": 2, "cache_seconds": 30, **core},
    )


@pytest.fixture(scope="session")
def em_app_session(em_database_url, core_app_session):
    from ispyb_em.app import create_app
    from ispyb_em.core_client import EMCoreClient

    transport, line = in_process_core(core_app_session)
    config = em_config(em_database_url, CORE_URL)
    client = EMCoreClient.from_settings(
        {**config["core"], "cache_entries": 20000}, transport=transport
    )
    app = create_app(config, core_client=client)
    app.extensions["test_core_line"] = line
    yield app
    app.extensions["ispyb_database"].dispose()


def empty_em_tables(app) -> None:
    from ispyb_em.models import Base

    with app.extensions["ispyb_database"].engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def em_app(em_app_session, core_app):
    """em with empty tables, an empty core, a quiet line to core and nothing cached."""
    empty_em_tables(em_app_session)
    em_app_session.extensions["test_core_line"].reset()
    em_app_session.extensions["em_core_client"].clear_cache()
    return em_app_session


@pytest.fixture
def em_db(em_app):
    return em_app.extensions["ispyb_database"]


@pytest.fixture
def em_core(em_app, factory) -> CoreForEM:
    """Core's data as em's tests need it, and the line em reaches core through."""
    return CoreForEM(factory, em_app.extensions["test_core_line"])


@pytest.fixture
def world(em_app, em_core, tokens) -> EMWorld:
    return EMWorld(em_app, em_core, tokens)
