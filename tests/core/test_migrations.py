"""Migrations build exactly the models, and run safely on an existing ISPyB database."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from ispyb.sqlalchemy import Base as ReferenceBase
from sqlalchemy import create_engine, inspect, text

from ispyb_core.app import create_app
from ispyb_core.migration_helpers import ADDED_COLUMN_COMMENT
from ispyb_core.models import Base
from ispyb_shared.migrations import alembic_config, upgrade
from ispyb_shared.uuids import is_uuid
from tests.conftest import service_config

VERSION_TABLE = "core_alembic_version"


def test_migrated_schema_matches_the_models(core_database_url):
    engine = create_engine(core_database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "version_table": VERSION_TABLE}
        )
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert [d for d in differences if not _is_the_added_column_mark(d)] == []


def _is_the_added_column_mark(difference) -> bool:
    """The comment core's migrations give the columns they add (migration_helpers
    ADDED_COLUMN_COMMENT), which the models do not declare."""
    return (
        isinstance(difference, list)
        and len(difference) == 1
        and difference[0][0] == "modify_comment"
        and difference[0][5] == ADDED_COLUMN_COMMENT
    )


def test_migrating_again_changes_nothing(core_database_url):
    upgrade(package="ispyb_core", database_url=core_database_url, version_table=VERSION_TABLE)
    config = alembic_config(
        package="ispyb_core", database_url=core_database_url, version_table=VERSION_TABLE
    )
    head = ScriptDirectory.from_config(config).get_current_head()
    engine = create_engine(core_database_url)
    with engine.connect() as connection:
        assert connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar() == head
    engine.dispose()


def with_dependencies(tables):
    """The tables and every table their foreign keys reach."""
    found, todo = set(), list(tables)
    while todo:
        table = todo.pop()
        if table not in found:
            found.add(table)
            todo.extend(fk.column.table for fk in table.foreign_keys)
    return list(found)


def test_existing_ispyb_database_gets_uuids_and_is_served(mariadb, tokens):
    """A site's ISPyB MariaDB database, as Diamond's schema creates it, with legacy rows."""
    url = mariadb.create_database("legacy_ispyb")
    engine = create_engine(url)
    reference_tables = ReferenceBase.metadata.tables
    ReferenceBase.metadata.create_all(
        engine,
        tables=with_dependencies(
            reference_tables[table.name]
            for table in Base.metadata.sorted_tables
            if table.name in reference_tables
        ),
    )
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO Person (personId, familyName, login, personUUID) VALUES "
                "(1, 'Legacy', 'legacy', 'site-specific-value'), (2, 'Other', 'other', NULL)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO Proposal (proposalId, personId, proposalCode, proposalNumber, title) "
                "VALUES (10, 1, 'mx', '42', 'Old proposal')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO BLSession (sessionId, proposalId, visit_number, beamLineName, "
                "startDate, endDate) VALUES (100, 10, 1, 'i03', '2020-01-01', '2020-01-02')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO Session_has_Person (sessionId, personId, role) "
                "VALUES (100, 1, 'Team Leader')"
            )
        )
        # A shipment as SynchWeb writes it: its own status words, no uuid anywhere.
        for statement in (
            # ISPyB's reference data: Container.priorityPipelineId defaults to 6.
            "INSERT INTO ProcessingPipeline (processingPipelineId, name, discipline) "
            "VALUES (6, 'xia2/DIALS', 'MX')",
            "INSERT INTO Protein (proteinId, proposalId, acronym, name) "
            "VALUES (7, 10, 'lyso', 'Lysozyme')",
            "INSERT INTO Crystal (crystalId, proteinId, spaceGroup) VALUES (8, 7, 'P43212')",
            "INSERT INTO Shipping (shippingId, proposalId, shippingName, shippingStatus) "
            "VALUES (20, 10, 'Old shipment', 'send to DLS')",
            "INSERT INTO Dewar (dewarId, shippingId, code, barCode, dewarStatus) "
            "VALUES (30, 20, 'DW1', 'mx42-0030', 'at DLS')",
            "INSERT INTO Container (containerId, dewarId, code, containerType, capacity) "
            "VALUES (40, 30, 'puck1', 'Unipuck', 16)",
            "INSERT INTO BLSample (blSampleId, containerId, crystalId, name, location) "
            "VALUES (50, 40, 8, 'x1', '3')",
        ):
            connection.execute(text(statement))

    upgrade(package="ispyb_core", database_url=url, version_table=VERSION_TABLE)
    upgrade(package="ispyb_core", database_url=url, version_table=VERSION_TABLE)

    inspector = inspect(engine)
    for table in Base.metadata.sorted_tables:
        assert "uuid" in {c["name"] for c in inspector.get_columns(table.name)}, table.name
    # Nothing of ISPyB's own was dropped or renamed.
    assert {c["name"] for c in inspector.get_columns("Person")} >= {
        c.name for c in reference_tables["Person"].columns
    }
    with engine.begin() as connection:
        uuids = (
            connection.execute(text("SELECT uuid FROM Person ORDER BY personId")).scalars().all()
        )
        assert all(is_uuid(value) for value in uuids) and len(set(uuids)) == 2
        # A row inserted afterwards by another program gets one from the database default.
        connection.execute(text("INSERT INTO Person (familyName, login) VALUES ('New', 'new')"))
        assert is_uuid(
            connection.execute(text("SELECT uuid FROM Person WHERE login = 'new'")).scalar_one()
        )
        assert (
            connection.execute(
                text("SELECT personUUID FROM Person WHERE personId = 1")
            ).scalar_one()
            == "site-specific-value"
        )

    app = create_app(service_config(url))
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = tokens.admin()["Authorization"]
    proposal = client.get("/ispyb/api/v1/core/proposals/mx42")
    assert proposal.status_code == 200
    assert proposal.json["title"] == "Old proposal"
    session = client.get("/ispyb/api/v1/core/sessions/mx42-1")
    assert session.status_code == 200
    assert session.json["proposalUUID"] == proposal.json["uuid"]
    members = client.get("/ispyb/api/v1/core/sessions/mx42-1/members").json
    assert [m["person"]["login"] for m in members["results"]] == ["legacy"]
    created = client.post(
        "/ispyb/api/v1/core/sessions",
        json={
            "proposalId": 10,
            "beamLineName": "i04",
            "startDate": "2026-01-01T00:00:00",
            "endDate": "2026-01-02T00:00:00",
        },
    )
    assert created.status_code == 201, created.json
    assert created.json["visit"] == "mx42-2"
    shipment = client.get("/ispyb/api/v1/core/shipments/20").json
    assert shipment["shippingStatus"] == "send to DLS"
    [dewar] = shipment["dewars"]
    assert dewar["barCode"] == "mx42-0030" and is_uuid(dewar["uuid"])
    [sample] = dewar["containers"][0]["samples"]
    assert sample["name"] == "x1" and sample["crystal"]["protein"]["acronym"] == "lyso"
    assert client.get("/ispyb/api/v1/core/dewars/mx42-0030").json["dewarId"] == 30
    # Staff move a legacy status into the lifecycle.
    received = client.patch("/ispyb/api/v1/core/dewars/30", json={"dewarStatus": "at facility"})
    assert received.status_code == 200, received.json
    added = client.post(
        "/ispyb/api/v1/core/samples",
        json={"containerId": 40, "crystalId": 8, "name": "x2", "location": "4"},
    )
    assert added.status_code == 201, added.json
    app.extensions["ispyb_database"].dispose()
    engine.dispose()
