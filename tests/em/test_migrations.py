"""em's migrations build exactly its models, on SQLite and MariaDB."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from ispyb_em.models import Base
from ispyb_shared.migrations import upgrade

VERSION_TABLE = "em_alembic_version"


def test_migrated_schema_matches_the_models(em_database_url):
    engine = create_engine(em_database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "version_table": VERSION_TABLE}
        )
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_migrating_again_changes_nothing(em_database_url):
    upgrade(package="ispyb_em", database_url=em_database_url, version_table=VERSION_TABLE)
    engine = create_engine(em_database_url)
    with engine.connect() as connection:
        assert connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar() == (
            "0003"
        )
    engine.dispose()


def test_rows_inserted_without_a_uuid_get_one_from_the_database(em_database_url, em_app):
    engine = create_engine(em_database_url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO AutoProcProgram (dataCollectionUUID) VALUES ('x')"))
        value = connection.execute(text("SELECT uuid FROM AutoProcProgram")).scalar()
        connection.execute(text("DELETE FROM AutoProcProgram"))
    engine.dispose()
    assert len(value) == 36 and value.count("-") == 4


def test_downgrade_and_upgrade(tmp_path):
    from alembic import command

    from ispyb_shared.migrations import alembic_config

    url = f"sqlite:///{tmp_path}/em.sqlite"
    config = alembic_config(package="ispyb_em", database_url=url, version_table=VERSION_TABLE)
    command.upgrade(config, "head")
    command.downgrade(config, "0001")
    engine = create_engine(url)
    with engine.connect() as connection:
        tables = {
            row[0]
            for row in connection.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
        }
    engine.dispose()
    assert tables == {VERSION_TABLE}
    command.upgrade(config, "head")
