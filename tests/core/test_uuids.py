"""Rows written by other programs sharing the database get a UUID too."""

from sqlalchemy import text

from ispyb_core.models import Base
from ispyb_shared.uuids import is_uuid

CORE = "/ispyb/api/v1/core"


def test_every_core_table_has_a_uuid_column():
    for table in Base.metadata.sorted_tables:
        assert "uuid" in table.c, table.name
        assert table.c.uuid.unique and not table.c.uuid.nullable


def test_row_inserted_by_another_program_gets_a_uuid(client, core_db):
    # What SynchWeb or a stored procedure would do: plain SQL, no uuid column given.
    with core_db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO Person (familyName, login) VALUES ('Legacy', 'legacy1'), "
                "('Legacy', 'legacy2')"
            )
        )
        rows = connection.execute(
            text("SELECT personId, uuid FROM Person WHERE familyName = 'Legacy'")
        ).all()
    uuids = [row.uuid for row in rows]
    assert all(is_uuid(value) for value in uuids)
    assert len(set(uuids)) == 2
    for row in rows:
        fetched = client.get(f"{CORE}/persons/{row.uuid}")
        assert fetched.status_code == 200
        assert fetched.json["personId"] == row.personId


def test_uuid_is_stable_and_case_insensitive_on_lookup(client, factory):
    proposal = factory.proposal()
    first = client.get(f"{CORE}/proposals/{proposal.proposalId}").json["uuid"]
    client.patch(f"{CORE}/proposals/{proposal.proposalId}", json={"title": "renamed"})
    assert client.get(f"{CORE}/proposals/{proposal.proposalId}").json["uuid"] == first
    assert client.get(f"{CORE}/proposals/{first.upper()}").status_code == 200
