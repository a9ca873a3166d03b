"""Alembic migrations, one chain per service, driven from code (no alembic.ini).

Each service keeps its scripts in ``<package>/migrations`` and its own version table
(``<service>_alembic_version``), so several services can even share one database and a
site's existing ISPyB database gets one small extra table.
"""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, create_engine, pool


def alembic_config(*, package: str, database_url: str, version_table: str) -> Config:
    config = Config()
    location = resources.files(package).joinpath("migrations")
    config.set_main_option("script_location", str(location))
    # ConfigParser interpolation would choke on '%' in URL-encoded passwords.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["version_table"] = version_table
    return config


def upgrade(*, package: str, database_url: str, version_table: str, revision: str = "head"):
    command.upgrade(
        alembic_config(package=package, database_url=database_url, version_table=version_table),
        revision,
    )


def run_migrations(context, target_metadata: MetaData) -> None:
    """Body of every service's ``migrations/env.py``."""
    config = context.config
    version_table = config.attributes["version_table"]
    url = config.get_main_option("sqlalchemy.url")
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table=version_table,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
