"""Both MariaDB drivers, chosen by URL, behave the same: PyMySQL (the default) and
mysqlclient (``mysql+mysqldb://``, the ``mysqlclient`` extra of ispyb_shared)."""

import datetime as dt

import pytest
from sqlalchemy import text

from ispyb_shared.db import Database
from ispyb_shared.migrations import upgrade
from tests.conftest import service_config

DRIVERS = ("pymysql", "mysqldb")
CORE = "/ispyb/api/v1/core"


def with_driver(url: str, driver: str) -> str:
    return url.replace("mysql+pymysql://", f"mysql+{driver}://", 1)


@pytest.fixture(scope="module")
def zero_dates_url(mariadb):
    url = mariadb.create_database("drivers")
    database = Database({"url": url})
    with database.engine.connect() as connection:
        # What programs running without strict mode write into real ISPyB databases.
        connection.exec_driver_sql("SET SESSION sql_mode = ''")
        connection.exec_driver_sql(
            "CREATE TABLE dates (id INT PRIMARY KEY, at DATETIME NULL, stamp TIMESTAMP NULL, "
            "day DATE NULL)"
        )
        connection.exec_driver_sql(
            "INSERT INTO dates VALUES (1, '0000-00-00 00:00:00', '0000-00-00 00:00:00', "
            "'0000-00-00'), (2, '2020-01-02 03:04:05', '2020-01-02 03:04:05', '2020-01-02'), "
            "(3, '2020-00-00 00:00:00', NULL, '2020-00-00')"
        )
        connection.commit()
    database.dispose()
    return url


@pytest.mark.parametrize("driver", DRIVERS)
def test_zero_dates_read_as_none_with_either_driver(zero_dates_url, driver):
    database = Database({"url": with_driver(zero_dates_url, driver)})
    assert database.engine.dialect.driver == driver
    with database.read_engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM dates ORDER BY id")).all()
    database.dispose()
    at = dt.datetime(2020, 1, 2, 3, 4, 5)
    assert [tuple(row) for row in rows] == [
        (1, None, None, None),
        (2, at, at, at.date()),
        (3, None, None, None),
    ]


def test_both_drivers_serve_the_same_answers(mariadb, tokens):
    """Core on each driver: the same JSON for lists and items, and writes work."""
    from ispyb_core.app import create_app

    url = mariadb.create_database("drivers_core")
    upgrade(package="ispyb_core", database_url=url, version_table="core_alembic_version")
    answers = {}
    for driver in DRIVERS:
        app = create_app(service_config(with_driver(url, driver)))
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = tokens.admin()["Authorization"]
        if driver == DRIVERS[0]:
            lab = client.post(f"{CORE}/laboratories", json={"name": "Lab é", "city": "Lund"})
            assert lab.status_code == 201, lab.json
        else:
            lab = client.post(f"{CORE}/laboratories", json={"name": "Lab ø", "city": "Lund"})
            assert lab.status_code == 201, lab.json
        answers[driver] = client.get(f"{CORE}/laboratories?sort=name").json["results"]
        app.extensions["ispyb_database"].dispose()
    assert answers["pymysql"] != []
    assert [lab["name"] for lab in answers["mysqldb"]] == ["Lab é", "Lab ø"]
    assert answers["mysqldb"][0] == answers["pymysql"][0]
