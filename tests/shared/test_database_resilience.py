"""A restarted MariaDB (connections cut) does not need a service restart."""

import contextlib

from sqlalchemy.engine import make_url

from ispyb_core.app import create_app
from tests.conftest import service_config

CORE = "/ispyb/api/v1/core"


def test_service_recovers_after_its_connections_are_killed(mariadb, tokens):
    url = mariadb.create_database("resilience")
    from ispyb_shared.migrations import upgrade

    upgrade(package="ispyb_core", database_url=url, version_table="core_alembic_version")
    app = create_app(service_config(url))
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = tokens.admin()["Authorization"]
    assert client.get(f"{CORE}/proposals").status_code == 200
    database = make_url(url).database
    assert mariadb.kill_connections(database) >= 1
    for _ in range(3):
        response = client.get(f"{CORE}/proposals")
        assert response.status_code == 200, response.json
    assert client.get(f"{CORE}/ready").status_code == 200
    app.extensions["ispyb_database"].dispose()


def test_write_fails_whole_when_the_database_goes_away_mid_request(core_app, factory):
    """One transaction per request: a failure in the middle leaves nothing behind."""
    from sqlalchemy import func, select

    from ispyb_core.persons.models import Person
    from ispyb_shared.db import db_session, transactional

    calls = []

    @transactional
    def two_writes_then_fail():
        session = db_session()
        session.add(Person(familyName="first", login="first"))
        session.flush()
        calls.append("flushed")
        raise RuntimeError("crash after the first write")

    with core_app.test_request_context(), contextlib.suppress(RuntimeError):
        two_writes_then_fail()
    database = core_app.extensions["ispyb_database"]
    with database.sessionmaker() as session:
        assert session.execute(select(func.count()).select_from(Person)).scalar_one() == 0
    assert calls == ["flushed"]
