"""Core on sites' ISPyB databases: Diamond's flavour and ESRF's, as real dumps have them.

The databases come from the public schema packages with the traits of real dumps added
(tests/support/legacy_flavours.py TRAITS, tests/support/legacy_ispyb.py CURATED_TRAITS):
unsigned keys, latin1 tables, zero dates, enum values core does not declare, empty
strings, statistics in both conventions, rows written after core migrated. On MariaDB.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from gemmi import cif

from ispyb_core.__main__ import main as core_cli
from ispyb_core.app import create_app
from ispyb_core.models import Base
from ispyb_shared.migrations import upgrade
from tests.conftest import service_config
from tests.core import legacy_sweep
from tests.support.checks import assert_refused
from tests.support.legacy_ispyb import (
    CURATED_PROGRAMS,
    FLAVOURS,
    LegacyDatabase,
    build_legacy_database,
)

CORE_TABLES = tuple(Base.metadata.tables)
VERSION_TABLE = "core_alembic_version"
PREFIX = "/ispyb/api/v1/core"
# Rows of these tables are served only through the rows they link (no uuid in any answer).
SERVED_THROUGH_OTHERS = {
    "AutoProcScaling": "a result's autoProcScalingId",
    "AutoProcScaling_has_Int": "a result's integrationIds",
    "ShippingHasSession": "a shipment's sessions",
    "AdminVar": "the front ends' options, read by name (/options/ui)",
}


def new_legacy(mariadb, flavour: str) -> LegacyDatabase:
    url = mariadb.create_database(f"legacy_{flavour}")
    return build_legacy_database(url, flavour, CORE_TABLES)


def migrate(legacy: LegacyDatabase, mode: str = "apply"):
    return upgrade(
        package="ispyb_core", database_url=legacy.url, version_table=VERSION_TABLE, mode=mode
    )


def schema_of(legacy: LegacyDatabase) -> dict:
    """Tables, columns, indexes and foreign keys, as information_schema has them."""
    where = "TABLE_SCHEMA = DATABASE()"
    return {
        "columns": sorted(
            tuple(row.values())
            for row in legacy.query(
                "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT "
                f"FROM information_schema.COLUMNS WHERE {where}"
            )
        ),
        "indexes": sorted(
            tuple(row.values())
            for row in legacy.query(
                "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME "
                f"FROM information_schema.STATISTICS WHERE {where}"
            )
        ),
        "foreign_keys": sorted(
            tuple(row.values())
            for row in legacy.query(
                "SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, "
                "REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE "
                f"WHERE {where} AND REFERENCED_TABLE_NAME IS NOT NULL"
            )
        ),
    }


def data_of(legacy: LegacyDatabase) -> dict[str, list]:
    """Every row of the site's own columns (what core must leave as it was)."""
    found = {}
    for table, description in legacy.tables.items():
        columns = ", ".join(f"`{column}`" for column in description["columns"])
        rows = legacy.query(f"SELECT {columns} FROM `{table}`")
        found[table] = sorted(repr(sorted(row.items())) for row in rows)
    return found


@pytest.fixture(params=FLAVOURS)
def flavour(request) -> str:
    return request.param


_references: dict[str, tuple[dict, int]] = {}


def reference_migration(mariadb, flavour: str) -> tuple[dict, int]:
    """The schema an uninterrupted migration gives ``flavour`` and how many operations it
    runs (built once per test run)."""
    if flavour not in _references:
        from ispyb_core import migration_helpers

        legacy = new_legacy(mariadb, flavour)
        real_run = migration_helpers._Schema.run
        operations = []

        def counting_run(self, operation):
            operations.append(operation)
            real_run(self, operation)

        migration_helpers._Schema.run = counting_run
        try:
            migrate(legacy)
        finally:
            migration_helpers._Schema.run = real_run
        _references[flavour] = (schema_of(legacy), len(operations))
    return _references[flavour]


def migrated_schema(mariadb, flavour: str) -> dict:
    return reference_migration(mariadb, flavour)[0]


DOCS = Path(__file__).resolve().parents[2] / "docs" / "ispyb-database.md"


def documented_additions(flavour: str) -> list[str]:
    """The additions docs/ispyb-database.md lists for ``flavour`` (besides uuid columns)."""
    text = DOCS.read_text()
    block = text.split(f"```text additions-{flavour}\n", 1)[1].split("```", 1)[0]
    return block.strip().splitlines()


def undecorated(addition: str) -> str:
    """An addition as the docs list it: no revision, no column count, no uuid steps."""
    line = re.sub(r"^\[\d+\] ", "", addition)
    return "" if line.startswith("uuid ") else re.sub(r" \(\d+ columns\)$", "", line)


# --- migrating ---------------------------------------------------------------------------


def test_check_lists_the_additions_and_changes_nothing(mariadb, flavour, monkeypatch, capsys):
    legacy = new_legacy(mariadb, flavour)
    schema, data = schema_of(legacy), data_of(legacy)
    monkeypatch.setenv("ISPYB_CORE__DATABASE__URL", legacy.url)

    assert core_cli(["migrate", "--check"]) == 1
    listed = capsys.readouterr().out
    assert "nothing was changed" in listed
    assert "create table ShippingStatusHistory" in listed
    assert "uuid BLSession add column uuid CHAR(36)" in listed
    if flavour == "esrf":
        # Columns of Diamond's flavour that ESRF's lacks (docs/ispyb-database.md).
        assert "add column Proposal startDate DATETIME NULL" in listed
        assert "add column Container parentContainerId INTEGER(10) UNSIGNED NULL" in listed
    assert schema_of(legacy) == schema
    assert data_of(legacy) == data
    assert not legacy.query("SHOW TABLES LIKE %s", VERSION_TABLE)

    checked = [str(addition) for addition in migrate(legacy, "check").additions]
    assert [line for line in map(undecorated, checked) if line] == documented_additions(flavour)
    applied = [str(addition) for addition in migrate(legacy).additions]
    assert checked == applied

    assert core_cli(["migrate", "--check"]) == 0
    assert "nothing to add" in capsys.readouterr().out


def test_migration_adds_and_keeps_everything_else(mariadb, flavour):
    legacy = new_legacy(mariadb, flavour)
    before_schema, before_data = schema_of(legacy), data_of(legacy)
    migrate(legacy)
    after = schema_of(legacy)
    # Nothing of the site's is dropped, renamed or retyped; rows keep their values.
    assert set(before_schema["columns"]) <= set(after["columns"])
    assert set(before_schema["indexes"]) <= set(after["indexes"])
    assert set(before_schema["foreign_keys"]) <= set(after["foreign_keys"])
    assert data_of(legacy) == before_data
    # Every row has its own uuid.
    for table in CORE_TABLES:
        rows = legacy.query(f"SELECT uuid FROM `{table}`")
        assert all(row["uuid"] and len(row["uuid"]) == 36 for row in rows), table
        assert len({row["uuid"] for row in rows}) == len(rows), table
    assert ("BLSession", "uuid", "char(36)", "NO", "uuid()") in after["columns"]


def test_new_foreign_keys_have_the_type_of_the_keys_they_reference(mariadb, flavour):
    legacy = new_legacy(mariadb, flavour)
    migrate(legacy)
    # The display width (int(10), int(11)) is only a display hint; kind and sign matter.
    types = {
        (row[0], row[1]): re.sub(r"\(\d+\)", "", row[2]) for row in schema_of(legacy)["columns"]
    }
    for table, _name, column, referenced, referenced_column in schema_of(legacy)["foreign_keys"]:
        assert types[(table, column)] == types[(referenced, referenced_column)], (table, column)
    assert types[("ShippingStatusHistory", "shippingId")] == types[("Shipping", "shippingId")]
    assert types[("Shipping", "shippingId")] == "int unsigned"
    assert types[("AutoProcScalingAnisotropy", "autoProcScalingId")] == "int unsigned"


def test_migrating_again_changes_nothing(mariadb, flavour):
    legacy = new_legacy(mariadb, flavour)
    migrate(legacy)
    schema, data = schema_of(legacy), data_of(legacy)
    assert migrate(legacy).additions == []
    assert migrate(legacy, "check").additions == []
    assert schema_of(legacy) == schema
    assert data_of(legacy) == data


def test_the_sql_for_a_dba_brings_the_database_where_migrate_does(
    mariadb, flavour, monkeypatch, capsys
):
    legacy = new_legacy(mariadb, flavour)
    monkeypatch.setenv("ISPYB_CORE__DATABASE__URL", legacy.url)
    schema = schema_of(legacy)
    assert core_cli(["migrate", "--sql"]) == 0
    script = capsys.readouterr().out
    assert schema_of(legacy) == schema  # printed, not run
    assert "ALTER TABLE `BLSession` ADD COLUMN uuid CHAR(36)" in script
    with legacy.connect() as connection, connection.cursor() as cursor:
        for statement in script.split(";\n"):
            body = "\n".join(
                line for line in statement.splitlines() if not line.lstrip().startswith("--")
            ).strip()
            if body:
                cursor.execute(body)
    assert schema_of(legacy) == migrated_schema(mariadb, flavour)
    assert migrate(legacy, "check").additions == []


# Where the injected failure strikes, as a fraction of the run's operations: the very
# first, then spread over the revisions (uuid steps, new tables, added columns), the last.
INTERRUPTIONS = (0.0, 0.04, 0.2, 0.4, 0.6, 0.8, 0.97, 1.0)


@pytest.mark.parametrize("where", INTERRUPTIONS)
def test_an_interrupted_migration_completes_when_run_again(mariadb, flavour, monkeypatch, where):
    from ispyb_core import migration_helpers

    total = reference_migration(mariadb, flavour)[1]
    operations_before_failure = min(int(where * total), total - 1)
    legacy = new_legacy(mariadb, flavour)
    data = data_of(legacy)
    real_run = migration_helpers._Schema.run
    done = []

    def failing_run(self, operation):
        if len(done) == operations_before_failure:
            raise ConnectionError("injected: the database went away")
        done.append(operation)
        real_run(self, operation)

    monkeypatch.setattr(migration_helpers._Schema, "run", failing_run)
    with pytest.raises(ConnectionError, match="injected"):
        migrate(legacy)
    monkeypatch.setattr(migration_helpers._Schema, "run", real_run)

    migrate(legacy)
    assert schema_of(legacy) == migrated_schema(mariadb, flavour)
    assert data_of(legacy) == data
    assert migrate(legacy, "check").additions == []


def test_the_failure_sites_saw_first_no_longer_happens(mariadb):
    """Migration 0002 failed on Diamond's schema creating ShippingStatusHistory (errno 150)
    and the re-run failed the same way."""
    legacy = new_legacy(mariadb, "diamond")
    migrate(legacy)
    assert legacy.query("SHOW TABLES LIKE 'ShippingStatusHistory'")


# --- serving -------------------------------------------------------------------------------


class Served:
    def __init__(self, legacy: LegacyDatabase, tokens):
        self.legacy = legacy
        self.app = create_app(service_config(legacy.url))
        self.tokens = tokens
        self.admin = self.client(tokens.admin())

    def client(self, headers):
        client = self.app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = headers["Authorization"]
        return client


@pytest.fixture(scope="module", params=FLAVOURS)
def served(request, mariadb, tokens):
    """A migrated site database, rows added by other programs since, and core on it."""
    legacy = new_legacy(mariadb, request.param)
    migrate(legacy)
    legacy.insert_later_rows()
    served = Served(legacy, tokens)
    yield served
    served.app.extensions["ispyb_database"].dispose()


def test_every_row_reads_back_as_the_database_holds_it(served):
    rows = legacy_sweep.database_rows(served.legacy.query, list(CORE_TABLES))
    model_columns = {
        table.name: {c.name for c in table.columns} for table in Base.metadata.sorted_tables
    }
    sweep = legacy_sweep.run(
        served.admin, rows, legacy_sweep.correlation_factors(rows), model_columns
    )
    assert sweep.server_errors == []
    assert sweep.mismatches == []
    assert sweep.compared_values > 5000
    by_table: dict[str, set[str]] = {}
    for uuid, (table, _row) in rows.items():
        by_table.setdefault(table, set()).add(uuid)
    for table in by_table:
        seen = {uuid for (seen_table, uuid) in sweep.seen if seen_table == table}
        if table in SERVED_THROUGH_OTHERS:
            assert not seen, f"{table} is served: take it out of SERVED_THROUGH_OTHERS"
            continue
        assert seen, f"no row of {table} is served"
    # Rows other programs wrote after the migration (no uuid given) are served too.
    later = served.legacy.schema["later_rows"]
    for table in ("Proposal", "BLSession", "DataCollection", "BLSample", "Shipping"):
        ids = {row[next(iter(row))] for row in later[table]}
        primary = next(iter(served.legacy.tables[table]["columns"]))
        uuids = {
            row["uuid"]
            for row in served.legacy.query(f"SELECT uuid, `{primary}` AS id FROM `{table}`")
            if row["id"] in ids
        }
        assert uuids and uuids <= {uuid for (t, uuid) in sweep.seen if t == table}, table


def test_search_works_on_the_site_database(served):
    """search= on latin1 site tables: their text beyond ASCII is searched, and text the
    columns' character set cannot hold is a 400 naming search (not a database error)."""
    person = served.legacy.query("SELECT personId, familyName FROM Person LIMIT 1")[0]
    for path in (
        "/proposals",
        "/sessions",
        "/persons",
        "/samples",
        "/proteins",
        "/shipments",
        "/data-collections",
    ):
        for text in ("Zürich", "µm", "a%_"):
            response = served.admin.get(f"{PREFIX}{path}", query_string={"search": text})
            assert response.status_code == 200, (path, text, response.json)
        for text in ("日本", "😀 x"):
            response = served.admin.get(f"{PREFIX}{path}", query_string={"search": text})
            assert_refused(response, 400, "INVALID_PARAMETER", "search")
    if person["familyName"]:
        word = person["familyName"].split()[0]
        found = served.admin.get(
            f"{PREFIX}/persons", query_string={"search": word, "limit": 1000}
        ).json
        assert person["personId"] in {row["personId"] for row in found["results"]}


def test_members_see_their_legacy_proposals_only(served):
    member = served.client(served.tokens.user("legacy1"))
    proposals = member.get(f"{PREFIX}/proposals").json["results"]
    visible = {proposal["proposalId"] for proposal in proposals}
    linked = {
        row["proposalId"]
        for row in served.legacy.query(
            "SELECT proposalId FROM ProposalHasPerson WHERE personId = 1 UNION "
            "SELECT s.proposalId FROM Session_has_Person h JOIN BLSession s "
            "ON s.sessionId = h.sessionId WHERE h.personId = 1 UNION "
            "SELECT proposalId FROM Proposal WHERE personId = 1"
        )
    }
    assert visible and visible <= linked
    everyone = {row["proposalId"] for row in served.legacy.query("SELECT proposalId FROM Proposal")}
    hidden = sorted(everyone - linked)
    assert hidden
    assert member.get(f"{PREFIX}/proposals/{hidden[0]}").status_code == 404


def test_correlations_are_served_in_percent_whatever_the_pipeline_wrote(served):
    runs = served.admin.get(f"{PREFIX}/data-collections/1/processing").json["results"]
    overall = {}
    for run in runs:
        if run["program"]["autoProcProgramId"] not in CURATED_PROGRAMS:
            continue
        for result in run["results"]:
            statistics = result["statistics"]
            overall[run["program"]["processingPrograms"]] = (
                statistics["overall"]["ccHalf"],
                statistics["outerShell"]["ccHalf"],
                statistics["overall"].get("ccAnomalous"),
            )
    assert overall["xia2 dials"][:2] == pytest.approx((99.8, 41.2), rel=1e-5)
    assert overall["fast_dp"][:2] == pytest.approx((99.8, 41.2), rel=1e-5)
    assert overall["autoPROC"][:2] == pytest.approx((99.1, 35.0), rel=1e-5)
    # CCanom from Diamond's ccAnomalous, or from ESRF's ccAno.
    assert overall["xia2 dials"][2] == pytest.approx(54.4, rel=1e-5)
    assert overall["fast_dp"][2] == pytest.approx(54.4, rel=1e-5)
    for auto_proc_id in (11, 12):
        response = served.admin.get(f"{PREFIX}/data-collections/1/mmcif?autoProcId={auto_proc_id}")
        assert response.status_code == 200, response.get_data()
        block = cif.read_string(response.get_data(as_text=True)).sole_block()
        assert float(block.find_value("_reflns.pdbx_CC_half")) == pytest.approx(0.998, rel=1e-6)
        assert block.find_value("_reflns.d_resolution_low") == "129.88"
        shells = block.find("_reflns_shell.", ["pdbx_ordinal", "pdbx_CC_half"])
        assert {row[0]: float(row[1]) for row in shells}["2"] == pytest.approx(0.412, rel=1e-6)
    # The rows themselves are left as the pipelines wrote them.
    stored = served.legacy.query(
        "SELECT ccHalf FROM AutoProcScalingStatistics WHERE autoProcScalingStatisticsId = 110"
    )
    assert stored[0]["ccHalf"] == pytest.approx(0.998, rel=1e-6)


def test_writes_work_on_the_site_database(served):
    admin = served.admin
    session = admin.post(
        f"{PREFIX}/sessions",
        json={
            "proposalId": 1,
            "beamLineName": "i04",
            "startDate": "2026-01-01T09:00:00",
            "endDate": "2026-01-02T09:00:00",
        },
    )
    assert session.status_code == 201, session.json
    sample = admin.post(
        f"{PREFIX}/samples",
        json={"containerId": 1, "crystalId": 1, "name": "x-new", "location": "5"},
    )
    assert sample.status_code == 201, sample.json
    group = admin.post(
        f"{PREFIX}/data-collection-groups",
        json={
            "sessionId": session.json["sessionId"],
            "experimentType": "OSC",
            "blSampleId": sample.json["blSampleId"],
        },
    )
    assert group.status_code == 201, group.json
    sweep = admin.post(
        f"{PREFIX}/data-collections",
        json={
            "dataCollectionGroupId": group.json["dataCollectionGroupId"],
            "startTime": "2026-01-01T10:00:00",
            "numberOfImages": 3600,
            "axisStart": 0.0,
            "axisRange": 0.1,
            "wavelength": 0.9763,
            "imageDirectory": "/data/2026/mx901-5/",
            "imagePrefix": "x-new",
        },
    )
    assert sweep.status_code == 201, sweep.json
    program = admin.post(
        f"{PREFIX}/processing-programs",
        # An integer id, as the documentation says ("id or UUID").
        json={"dataCollections": [sweep.json["dataCollectionId"]], "processingPrograms": "xia2"},
    )
    assert program.status_code == 201, program.json

    def shell(low, high, cc_half):
        return {
            "resolutionLimitLow": low,
            "resolutionLimitHigh": high,
            "completeness": 99.0,
            "ccHalf": cc_half,
            "ccAnomalous": cc_half / 2,
        }

    result = admin.post(
        f"{PREFIX}/processing-programs/{program.json['program']['autoProcProgramId']}/results",
        json={
            "integrations": [{"dataCollection": sweep.json["uuid"], "cell_a": 79.1}],
            "autoProc": {"spaceGroup": "P 43 21 2"},
            # xia2 writes fractions: stored and served in percent.
            "statistics": {
                "overall": shell(48.2, 1.6, 0.998),
                "innerShell": shell(48.2, 5.2, 0.999),
                "outerShell": shell(1.65, 1.6, 0.61),
            },
            "program": {"processingStatus": True, "processingEndTime": "2026-01-01T11:00:00"},
        },
    )
    assert result.status_code == 201, result.json
    stored = served.legacy.query(
        "SELECT s.scalingStatisticsType AS shell, s.ccHalf, s.ccAnomalous, p.processingStatus "
        "FROM AutoProcScalingStatistics s JOIN AutoProcScaling c USING (autoProcScalingId) "
        "JOIN AutoProc a USING (autoProcId) JOIN AutoProcProgram p "
        "ON p.autoProcProgramId = a.autoProcProgramId WHERE p.autoProcProgramId = %s",
        program.json["program"]["autoProcProgramId"],
    )
    by_shell = {row["shell"]: row for row in stored}
    assert by_shell["overall"]["ccHalf"] == pytest.approx(99.8, rel=1e-5)
    assert by_shell["outerShell"]["ccAnomalous"] == pytest.approx(30.5, rel=1e-5)
    # '1' means success in both flavours' column (TINYINT 1; ENUM '1').
    assert str(by_shell["overall"]["processingStatus"]) == "1"
    runs = admin.get(f"{PREFIX}/data-collections/{sweep.json['uuid']}/processing").json["results"]
    assert runs[0]["program"]["processingStatus"] is True
    assert runs[0]["results"][0]["statistics"]["overall"]["ccHalf"] == pytest.approx(99.8)
    summary = admin.get(f"{PREFIX}/sessions/{session.json['uuid']}/data-collections").json
    [row] = summary["results"]
    assert row["bestResult"]["ccHalf"] == pytest.approx(99.8)


def test_shipping_and_people_writes_work_on_the_site_database(served):
    admin = served.admin

    def created(path, body):
        response = admin.post(f"{PREFIX}/{path}", json=body)
        assert response.status_code == 201, (path, response.json)
        return response.json

    shipment = created("shipments", {"proposalId": 1, "shippingName": "legacy-site run"})
    dewar = created(
        "dewars", {"shippingId": shipment["shippingId"], "code": "DW-new", "barCode": "DW-new-1"}
    )
    container = created(
        "containers", {"dewarId": dewar["dewarId"], "code": "puck-new", "capacity": 16}
    )
    protein = created("proteins", {"proposalId": 1, "acronym": "lyso-new", "name": "Lysozyme"})
    crystal = created("crystals", {"proteinId": protein["proteinId"], "spaceGroup": "P43212"})
    created(
        "samples",
        {
            "containerId": container["containerId"],
            "crystalId": crystal["crystalId"],
            "name": "new-1",
            "location": "1",
        },
    )
    nested = admin.get(f"{PREFIX}/shipments/{shipment['uuid']}").json
    assert nested["dewars"][0]["containers"][0]["samples"][0]["name"] == "new-1"
    person = created("persons", {"login": "newcomer", "familyName": "Newcomer"})
    # A role both flavours' Session_has_Person.role declare.
    member = admin.post(
        f"{PREFIX}/sessions/1/members",
        json={"personId": person["personId"], "role": "Co-Investigator"},
    )
    assert member.status_code == 201, member.json
    renamed = admin.patch(f"{PREFIX}/sessions/1", json={"comments": "Après la panne"})
    assert renamed.status_code == 200, renamed.json
    assert renamed.json["comments"] == "Après la panne"


def test_a_value_the_site_column_cannot_hold_is_refused_naming_the_field(served):
    """The site's tables are latin1 and its columns may be narrower than core's model: the
    database refuses, core answers 422 with the field, and nothing is written."""
    before = served.legacy.query("SELECT COUNT(*) AS n FROM Protein")[0]["n"]
    response = served.admin.post(
        f"{PREFIX}/proteins", json={"proposalId": 1, "acronym": "nsp中", "name": "Ménage à trois"}
    )
    assert_refused(response, 422, "VALIDATION_ERROR", "acronym")
    assert served.legacy.query("SELECT COUNT(*) AS n FROM Protein")[0]["n"] == before
    if served.legacy.flavour == "esrf":
        # ESRF's Shipping.comments is VARCHAR(255) where core's model allows 1000.
        shipment = served.admin.post(
            f"{PREFIX}/shipments",
            json={"proposalId": 1, "shippingName": "long comments", "comments": "x" * 600},
        )
        assert_refused(shipment, 422, "VALIDATION_ERROR", "comments")


# --- the data dictionary -------------------------------------------------------------------


def _family(kind: str, sql: str) -> str:
    kind, sql = kind.upper(), sql.upper()
    if kind == "ENUM":
        return "enum"
    if kind in ("BOOLEAN",) or sql == "TINYINT(1)":
        return "boolean"
    if "INT" in kind:
        return "integer"
    if kind in ("FLOAT", "DOUBLE", "NUMERIC", "DECIMAL", "REAL"):
        return "number"
    if "BINARY" in kind or "BLOB" in kind:
        return "binary"
    if "TEXT" in kind:
        return "text"
    if kind in ("STRING", "VARCHAR", "CHAR"):
        return "string"
    if kind in ("DATETIME", "TIMESTAMP"):
        return "datetime"
    return kind.lower()


def _model_column(column) -> dict:
    from sqlalchemy import types

    kind = column.type.impl if isinstance(column.type, types.TypeDecorator) else column.type
    sql = "TINYINT(1)" if isinstance(kind, types.Boolean) else type(kind).__name__
    return {
        "family": _family(type(kind).__name__, sql),
        "length": getattr(kind, "length", None),
        "enums": list(getattr(kind, "enums", []) or []),
        "nullable": bool(column.nullable),
    }


def test_the_data_dictionary_lists_every_difference_between_the_flavours():
    """Every column core maps that ESRF's flavour has differently is in the docs' table."""
    from tests.support.legacy_ispyb import flavour_schema

    esrf = flavour_schema("esrf", CORE_TABLES)["tables"]
    differing = set()
    for table in Base.metadata.sorted_tables:
        if table.name not in esrf:
            continue
        theirs = {
            name.lower(): (name, value) for name, value in esrf[table.name]["columns"].items()
        }
        for column in table.columns:
            if column.name == "uuid" or column.name.lower() not in theirs:
                continue
            name, other = theirs[column.name.lower()]
            mine = _model_column(column)
            their_family = _family(other["type"], other["sql"])
            if (
                name != column.name
                or mine["family"] != their_family
                or (mine["family"] == "string" and mine["length"] != other["length"])
                or (mine["family"] == "enum" and mine["enums"] != other["enums"])
                or (mine["nullable"] != other["nullable"] and not column.primary_key)
            ):
                differing.add(f"{table.name}.{column.name}")
    documented = set()
    section = DOCS.read_text().split("## Where the flavours differ", 1)[1].split("\n## ", 1)[0]
    for line in section.splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            table = ""
            for reference in re.findall(r"`([^`]+)`", first_cell):
                # `T.a`, `.b`: the second column is T's too.
                if reference.startswith("."):
                    reference = table + reference
                table = reference.split(".")[0]
                documented.add(reference)
    # Documented beyond the type comparison: a column ESRF has under another name.
    assert differing <= documented, sorted(differing - documented)
    assert documented - differing <= {"AutoProcScalingStatistics.ccAnomalous"}, sorted(
        documented - differing
    )
