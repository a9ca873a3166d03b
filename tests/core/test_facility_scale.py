"""The facility-scale data generator in its small mode, and the plans of the main reads.

tools/generate_facility.py at --scale 0.01 fills fresh MariaDB databases (100 proposals,
2,000 sessions, 10,000 data collections with 3 processing results each, 50,000 EM
movies); core then serves them, and MariaDB's EXPLAIN of every statement of the main
reads shows no full table scan (type ALL) of a big table: each is found through an
index, so it stays fast at a facility's million data collections (docs/performance.md).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pymysql
import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from ispyb_shared.db import Database
from ispyb_shared.migrations import upgrade
from tests.conftest import service_config

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import generate_facility
from generate_facility import Scale, entity_uuid

CORE = "/ispyb/api/v1/core"
SCALE = 0.01
BIG_TABLES = {
    "BLSession",
    "DataCollectionGroup",
    "DataCollection",
    "AutoProcProgram",
    "AutoProcIntegration",
    "AutoProc",
    "AutoProcScaling",
    "AutoProcScaling_has_Int",
    "AutoProcScalingStatistics",
    "Movie",
    "MotionCorrection",
    "CTF",
}
# Reads of everything (a whole list's total, a time range) read what they count; the
# others read a fixed handful of rows at any scale (EXPLAIN's estimate, bounded below).
WHOLE_LISTS = {
    "/proposals",
    "/data-collections",
    "/data-collections?sort=-startTime",
    "/data-collections?startTime.gte=2020-01-20&startTime.lt=2020-01-21",
}
BOUNDED_ROWS = 200
MAIN_READS = [
    "/proposals",
    "/proposals/mx1",
    "/sessions?proposal=mx1",
    "/sessions?proposalId=1",
    "/sessions/mx1-1",
    "/sessions/mx1-1/data-collections",
    "/sessions/{session_uuid}/data-collections?limit=2",
    "/data-collections",
    "/data-collections?sort=-startTime",
    "/data-collections?sessionId=7",
    "/data-collections?proposalId=3",
    "/data-collections?dataCollectionGroupId=42",
    "/data-collections?uuid={collection_uuid}",
    "/data-collections?startTime.gte=2020-01-20&startTime.lt=2020-01-21",
    "/data-collections?imagePrefix=xtal77",
    "/data-collections/77",
    "/data-collections/{collection_uuid}",
    "/data-collections/77/processing",
    "/data-collection-groups?sessionId=7",
    "/data-collection-groups/42",
]


@pytest.fixture(scope="module")
def facility(mariadb):
    urls = {}
    for service in ("core", "em", "ssx"):
        urls[service] = mariadb.create_database(f"facility_{service}")
        upgrade(
            package=f"ispyb_{service}",
            database_url=urls[service],
            version_table=f"{service}_alembic_version",
        )
    sizes = generate_facility.generate(
        core_url=urls["core"],
        em_url=urls["em"],
        ssx_url=urls["ssx"],
        scale=SCALE,
        log=lambda _line: None,
    )
    return urls, sizes


@pytest.fixture(scope="module")
def core_client(facility, tokens):
    from ispyb_core.app import create_app

    urls, _sizes = facility
    app = create_app(service_config(urls["core"]))
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = tokens.admin()["Authorization"]
    yield client, app.extensions["ispyb_database"]
    app.extensions["ispyb_database"].dispose()


def _count(url: str, table: str) -> int:
    connection = _connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM `{table}`")
            return cursor.fetchone()[0]
    finally:
        connection.close()


def _connect(url: str):
    parts = make_url(url)
    return pymysql.connect(
        host=parts.host,
        port=parts.port,
        user=parts.username,
        password=parts.password,
        database=parts.database,
    )


def test_the_small_mode_makes_the_announced_rows(facility):
    urls, sizes = facility
    assert sizes == Scale.of(SCALE)
    assert (sizes.proposals, sizes.sessions, sizes.collections) == (100, 2000, 10000)
    expected = {
        "Proposal": sizes.proposals,
        "BLSession": sizes.sessions,
        "DataCollectionGroup": sizes.collections,
        "DataCollection": sizes.collections,
        "AutoProcProgram": 3 * sizes.collections,
        "AutoProcIntegration": 3 * sizes.collections,
        "AutoProc": 3 * sizes.collections,
        "AutoProcScaling_has_Int": 3 * sizes.collections,
        "AutoProcScalingStatistics": 9 * sizes.collections,
    }
    assert {table: _count(urls["core"], table) for table in expected} == expected
    assert _count(urls["em"], "Movie") == sizes.movies == 50_000
    assert _count(urls["em"], "CTF") == sizes.movies
    assert _count(urls["ssx"], "SSXDataCollection") == 10


def test_core_serves_the_generated_facility(core_client):
    client, _database = core_client
    proposals = client.get(f"{CORE}/proposals?limit=1").json
    assert proposals["total"] == 100
    page = client.get(f"{CORE}/sessions/mx1-1/data-collections").json
    assert page["total"] == 5
    first = page["results"][0]
    assert first["uuid"] == entity_uuid("DataCollection", 1)
    assert first["sessionUUID"] == entity_uuid("BLSession", 1)
    best = first["bestResult"]
    assert best["processingPrograms"] in generate_facility.PROGRAMS
    # fast_dp's CC½ was written in percent, the others' as fractions: served in percent.
    assert best["ccHalf"] == pytest.approx(99.8)
    runs = client.get(f"{CORE}/data-collections/1/processing").json["results"]
    assert sorted(run["program"]["processingPrograms"] for run in runs) == sorted(
        generate_facility.PROGRAMS
    )
    assert {
        round(result["statistics"]["overall"]["ccHalf"], 3)
        for run in runs
        for result in run["results"]
    } == {99.8}


def _statements_of(client, database: Database, path: str) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        response = client.get(CORE + path)
    finally:
        event.remove(database.engine, "before_cursor_execute", record)
    assert response.status_code == 200, (path, response.json)
    return [(s, p) for s, p in seen if s.lstrip().upper().startswith("SELECT")]


def _examined(url: str, statements) -> int:
    """The rows MariaDB expects to read for the statements (EXPLAIN: per query block,
    the product of its tables' rows, a nested-loop join's estimate)."""
    connection = _connect(url)
    total = 0
    try:
        with connection.cursor(pymysql.cursors.DictCursor) as cursor:
            for statement, parameters in statements:
                cursor.execute("EXPLAIN " + statement, parameters)
                blocks: dict[object, float] = {}
                for row in cursor.fetchall():
                    rows = float(row["rows"] or 1) * float(row.get("filtered") or 100) / 100
                    blocks[row["id"]] = blocks.get(row["id"], 1.0) * max(rows, 1.0)
                total += int(sum(blocks.values()))
    finally:
        connection.close()
    return total


def _full_scans(url: str, statements) -> list[str]:
    """The big tables each statement's plan reads whole (EXPLAIN type ALL)."""
    connection = _connect(url)
    problems = []
    try:
        with connection.cursor(pymysql.cursors.DictCursor) as cursor:
            for statement, parameters in statements:
                cursor.execute("EXPLAIN " + statement, parameters)
                for row in cursor.fetchall():
                    if row["type"] == "ALL" and row["table"] in BIG_TABLES:
                        flat = re.sub(r"\s+", " ", statement)
                        problems.append(f"{row['table']} ({row['rows']} rows) in {flat}")
    finally:
        connection.close()
    return problems


@pytest.mark.parametrize("path", MAIN_READS)
def test_the_main_reads_scan_no_big_table(facility, core_client, path):
    urls, _sizes = facility
    client, database = core_client
    listed = path
    path = path.format(
        session_uuid=entity_uuid("BLSession", 3), collection_uuid=entity_uuid("DataCollection", 9)
    )
    statements = _statements_of(client, database, path)
    assert statements
    assert _full_scans(urls["core"], statements) == []
    if listed not in WHOLE_LISTS:
        assert _examined(urls["core"], statements) <= BOUNDED_ROWS


# Free-text search= (docs/api-conventions.md): each word a join to a UNION of prefix
# ranges of indexes; no table of the statement is read whole, big or small. A search
# reads the index entries it matches: a selective one (True) a handful of rows, a broad
# one (every sweep whose prefix begins with xtal77, every i03 session) what it matches.
SEARCH_READS = [
    ("/data-collections?search=xtal7777", True),
    ("/sessions?search=mx12", True),
    ("/sessions?search=mx12-3", True),
    ("/proposals?search=mx12", True),
    ("/persons?search=family12", True),
    ("/data-collections?search=xtal77", False),
    ("/data-collections?search=/data/visit7/ xtal3", False),
    ("/data-collections?search=xtal7&sessionId=4", False),
    ("/sessions?search=i03 mx12", False),
]


@pytest.mark.parametrize("path, selective", SEARCH_READS)
def test_a_search_reads_index_ranges_only(facility, core_client, path, selective):
    urls, _sizes = facility
    client, database = core_client
    statements = _statements_of(client, database, path)
    assert len(statements) == 1  # the page and its total, in one statement
    connection = _connect(urls["core"])
    try:
        with connection.cursor(pymysql.cursors.DictCursor) as cursor:
            cursor.execute("EXPLAIN " + statements[0][0], statements[0][1])
            plan = cursor.fetchall()
    finally:
        connection.close()
    shown = "\n".join(
        f"{r['id']} {r['select_type']} {r['table']} {r['type']} {r['key']} {r['rows']}"
        for r in plan
    )
    # Derived tables (<derivedN>, <unionN,M>) are the matched keys.
    whole = [row for row in plan if row["type"] == "ALL" and not row["table"].startswith("<")]
    assert whole == [], shown
    if selective:
        assert client.get(f"{CORE}{path}").json["total"] > 0, path
        assert _examined(urls["core"], statements) <= BOUNDED_ROWS, shown


def test_a_deep_cursor_page_scans_no_big_table(facility, core_client):
    urls, _sizes = facility
    client, database = core_client
    for sort in ("", "&sort=-startTime", "&sort=dataCollectionNumber"):
        deep = client.get(f"{CORE}/data-collections?limit=25&offset=9000{sort}").json
        statements = _statements_of(client, database, deep["links"]["next"].removeprefix(CORE))
        assert len(statements) == 1
        assert _full_scans(urls["core"], statements) == []


def test_the_em_reads_scan_no_big_table(facility):
    from ispyb_em.monitoring.service import movie_series, summary

    urls, _sizes = facility
    database = Database({"url": urls["em"]})
    seen: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        with database.read_sessionmaker() as session:
            uuid = entity_uuid("DataCollection", 2)
            assert summary(db_session=session, data_collection_uuid=uuid)["movies"] == 500
            page = movie_series(db_session=session, data_collection_uuid=uuid, limit=25, after=400)
            assert page["results"][0]["movieNumber"] == 401
    finally:
        event.remove(database.engine, "before_cursor_execute", record)
        database.dispose()
    statements = [(s, p) for s, p in seen if s.lstrip().upper().startswith("SELECT")]
    assert _full_scans(urls["em"], statements) == []


FILTER_EXAMPLES = {
    "/data-collections": {
        "uuid": entity_uuid("DataCollection", 9),
        "dataCollectionGroupId": "42",
        "sessionId": "7",
        "proposalId": "3",
        "blSampleId": "1",
        "experimentType": "OSC",
        "startTime": "2020-02-01",
        "endTime": "2020-03-01",
        "runStatus": "Successful",
        "imagePrefix": "xtal77",
    },
}


def _filter_queries(path: str, spec) -> list[str]:
    examples = FILTER_EXAMPLES.get(path, {})
    queries = []
    for name, declared in spec.filters.items():
        value = examples.get(name)
        if value is None:
            continue
        for op in declared.ops:
            if op == "eq":
                queries.append(f"{name}={value}")
            elif op == "in":
                queries.append(f"{name}.in={value}")
            elif op in ("gte", "lt"):
                queries.append(f"{name}.{op}={value}")
            elif op == "contains":
                queries.append(f"{name}.contains={value[1:5]}")
    return queries


# Filters on columns no index serves (ISPyB has none on them; "contains" is LIKE
# '%text%'): their plan may read the table whole. With a session or a proposal filter
# beside them, they read only that part (docs/performance.md).
UNINDEXED_FILTERS = {"runStatus", "endTime", "experimentType", "imagePrefix.contains"}


def test_every_data_collection_filter_is_explained(facility, core_client):
    """Every filter of the data collection list, EXPLAINed: only those on columns without
    an index read a big table whole."""
    from ispyb_core.data_collections.service import LIST_SPEC

    urls, _sizes = facility
    client, database = core_client
    queries = _filter_queries("/data-collections", LIST_SPEC)
    assert len(queries) >= 20
    for query in queries:
        name = query.split("=", 1)[0]
        statements = _statements_of(client, database, f"/data-collections?{query}")
        if name in UNINDEXED_FILTERS or name.split(".")[0] in UNINDEXED_FILTERS - {
            "imagePrefix.contains"
        }:
            continue
        assert _full_scans(urls["core"], statements) == [], query
        # With a session beside it, even an unindexed filter reads a handful of rows.
    for name in ("runStatus=Successful", "endTime.gte=2020-03-01", "experimentType=OSC"):
        statements = _statements_of(client, database, f"/data-collections?sessionId=7&{name}")
        assert _full_scans(urls["core"], statements) == [], name
        assert _examined(urls["core"], statements) <= BOUNDED_ROWS, name
