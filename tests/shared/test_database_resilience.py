"""A restarted MariaDB (connections cut) does not need a service restart."""

import contextlib

import pytest
from sqlalchemy.engine import make_url

from ispyb_core.app import create_app
from ispyb_shared.testing import count_round_trips
from tests.conftest import service_config

CORE = "/ispyb/api/v1/core"


@pytest.fixture
def resilient(mariadb, tokens):
    """Core on MariaDB with a pool of two connections, both open."""
    url = mariadb.create_database("resilience")
    from ispyb_shared.migrations import upgrade

    upgrade(package="ispyb_core", database_url=url, version_table="core_alembic_version")
    app = create_app(service_config(url))
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = tokens.admin()["Authorization"]
    database = app.extensions["ispyb_database"]
    with database.engine.connect(), database.engine.connect():
        pass  # two connections in the pool, to be killed together
    yield client, make_url(url).database
    database.dispose()


def test_reads_recover_after_the_connections_are_killed(mariadb, resilient):
    """No ping per request: the first read meets a dead connection and is run again once
    on a fresh one; the rest of the pool is replaced as it is checked out, without a
    failed statement."""
    client, database = resilient
    assert client.get(f"{CORE}/proposals").status_code == 200
    assert mariadb.kill_connections(database) >= 1
    with count_round_trips() as first:
        response = client.get(f"{CORE}/proposals")
    assert response.status_code == 200, response.json
    statements = [c for c in first.commands if c.startswith("SELECT")]
    assert len(statements) == 2, first.commands  # the failed try, then the retry
    assert "PING" not in first.kinds()
    for _ in range(3):
        with count_round_trips() as later:
            response = client.get(f"{CORE}/proposals")
        assert response.status_code == 200, response.json
        assert [c for c in later.commands if c.startswith("SELECT")] == later.commands[-1:]
        assert set(later.kinds()) <= {"SELECT", "SET"}, later.commands  # SET NAMES: connect
    assert client.get(f"{CORE}/ready").status_code == 200


def test_a_write_after_the_connections_are_killed_succeeds(mariadb, resilient):
    """A write opens its transaction before its view runs: a dead connection is found
    there and replaced, and the write happens once."""
    client, database = resilient
    assert client.get(f"{CORE}/proposals").status_code == 200
    assert mariadb.kill_connections(database) >= 1
    response = client.post(f"{CORE}/laboratories", json={"name": "After the restart"})
    assert response.status_code == 201, response.json
    names = [lab["name"] for lab in client.get(f"{CORE}/laboratories").json["results"]]
    assert names == ["After the restart"]


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


def test_a_read_request_that_writes_still_commits_one_transaction(core_app, backend):
    """A GET opens no transaction, unless it writes: then one opens before its first
    write and commits when the view returns."""
    from sqlalchemy import func, select

    from ispyb_core.persons.models import Person
    from ispyb_shared.db import db_session, transactional
    from tests.support.round_trips import sent_to

    @transactional
    def read_then_write():
        session = db_session()
        session.execute(select(func.count()).select_from(Person)).scalar_one()
        session.add(Person(familyName="written by a GET", login="get-writer"))
        session.flush()
        return "done"

    database = core_app.extensions["ispyb_database"]
    with sent_to(database) as sent, core_app.test_request_context(method="GET"):
        assert read_then_write() == "done"
    with database.sessionmaker() as session:
        assert session.execute(select(func.count()).select_from(Person)).scalar_one() == 1
    if backend == "mariadb":
        kinds = sent.kinds()
        assert kinds[0] == "SELECT" and kinds[1] == "START", sent  # the read before it
        assert kinds.count("COMMIT") == 1 and "ROLLBACK" not in kinds, sent
