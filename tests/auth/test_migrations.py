"""Auth's migrations build exactly its models, on SQLite and MariaDB."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from ispyb_auth.models import Base
from ispyb_shared.migrations import upgrade

VERSION_TABLE = "auth_alembic_version"


def test_migrated_schema_matches_the_models(auth_database_url):
    engine = create_engine(auth_database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "version_table": VERSION_TABLE}
        )
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_migrating_again_changes_nothing(auth_database_url):
    upgrade(package="ispyb_auth", database_url=auth_database_url, version_table=VERSION_TABLE)
    engine = create_engine(auth_database_url)
    with engine.connect() as connection:
        version = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
    engine.dispose()
    assert version == "0004"
