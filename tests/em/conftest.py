"""Fixtures of em's tests: em on SQLite and MariaDB (like every service), with a fake core
answering the data-collection contract (fake_core.py) so em is tested on its own."""

from __future__ import annotations

import pytest

from ispyb_shared.migrations import upgrade
from tests.conftest import fresh_database_url, service_config
from tests.em.fake_core import FakeCore
from tests.em.support import EMWorld


@pytest.fixture(scope="session")
def fake_core():
    core = FakeCore().start()
    yield core
    core.stop()


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
def em_app_session(em_database_url, fake_core):
    from ispyb_em.app import create_app

    app = create_app(em_config(em_database_url, fake_core.url))
    yield app
    app.extensions["ispyb_database"].dispose()


def empty_em_tables(app) -> None:
    from ispyb_em.models import Base

    with app.extensions["ispyb_database"].engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def em_app(em_app_session, fake_core):
    """em with empty tables, an empty fake core and nothing cached from core."""
    empty_em_tables(em_app_session)
    fake_core.reset()
    em_app_session.extensions["em_core_client"].clear_cache()
    return em_app_session


@pytest.fixture
def em_db(em_app):
    return em_app.extensions["ispyb_database"]


@pytest.fixture
def world(em_app, fake_core, tokens) -> EMWorld:
    return EMWorld(em_app, fake_core, tokens)
