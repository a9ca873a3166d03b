"""ssx's migrations build exactly its models, on SQLite and MariaDB, with the vocabularies."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from ispyb_ssx.models import COMPONENT_TYPES, EVENT_TYPES, Base


def test_migrated_schema_matches_the_models(ssx_database_url):
    engine = create_engine(ssx_database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "version_table": "ssx_alembic_version"}
        )
        assert compare_metadata(context, Base.metadata) == []
        names = connection.execute(text("SELECT name FROM EventType ORDER BY eventTypeId"))
        assert tuple(names.scalars()) == EVENT_TYPES
        names = connection.execute(text("SELECT name FROM ComponentType ORDER BY componentTypeId"))
        assert tuple(names.scalars()) == COMPONENT_TYPES
    engine.dispose()


def test_every_column_is_documented():
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            assert column.doc, f"{table.name}.{column.name} has no doc"
