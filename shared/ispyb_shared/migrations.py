"""Alembic migrations, one chain per service, driven from code (no alembic.ini).

Each service keeps its scripts in ``<package>/migrations`` and its own version table
(``<service>_alembic_version``), so several services can even share one database and a
site's existing ISPyB database gets one small extra table.

Three ways to run them (``ispyb-<service> migrate [--check | --sql]``):

- apply: bring the schema up to date. Each revision is committed on its own, so a run
  that fails halfway keeps the revisions it finished, and migrations written to inspect
  before they act (core's) complete the failed one when run again.
- check: list what would be added, touching nothing (not even the version table).
- sql: print the DDL that apply would run, for a DBA to review and apply by hand; the
  version-table statements are included, so the database ends up where apply leaves it.

In check and sql modes alembic renders statements instead of executing them, and the
migrations inspect the real database through :func:`inspection_connection`;
:func:`record_addition` collects the human-readable list that check prints.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from importlib import resources
from typing import Any

from alembic import command, op
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, create_engine, pool

MODES = ("apply", "check", "sql")


def alembic_config(*, package: str, database_url: str, version_table: str) -> Config:
    config = Config()
    location = resources.files(package).joinpath("migrations")
    config.set_main_option("script_location", str(location))
    # ConfigParser interpolation would choke on '%' in URL-encoded passwords.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["version_table"] = version_table
    config.attributes["mode"] = "apply"
    config.attributes["additions"] = []
    return config


@dataclass
class Addition:
    """One thing a migration adds (``--check`` lists them)."""

    kind: str
    table: str
    detail: str = ""
    revision: str | None = None  # set once the revision's step is done

    def __str__(self) -> str:
        detail = f" {self.detail}" if self.detail else ""
        return f"[{self.revision}] {self.kind} {self.table}{detail}"


@dataclass
class MigrationReport:
    mode: str
    start: str | None
    head: str | None
    additions: list[Addition]
    sql: str = ""

    @property
    def pending(self) -> bool:
        return self.start != self.head


def upgrade(
    *,
    package: str,
    database_url: str,
    version_table: str,
    revision: str = "head",
    mode: str = "apply",
) -> MigrationReport:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    config = alembic_config(package=package, database_url=database_url, version_table=version_table)
    head = ScriptDirectory.from_config(config).get_current_head()
    engine = create_engine(database_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            start = MigrationContext.configure(
                connection, opts={"version_table": version_table}
            ).get_current_revision()
            connection.rollback()
            config.attributes["mode"] = mode
            if mode == "apply":
                command.upgrade(config, revision)
                return MigrationReport(mode, start, head, config.attributes["additions"])
            buffer = io.StringIO()
            config.output_buffer = buffer
            config.attributes["inspection_connection"] = connection
            target = f"{start}:{revision}" if start else revision
            if start != head:
                command.upgrade(config, target, sql=True)
            return MigrationReport(
                mode, start, head, config.attributes["additions"], buffer.getvalue()
            )
    finally:
        engine.dispose()


def run_migrations(context, target_metadata: MetaData) -> None:
    """Body of every service's ``migrations/env.py``."""
    config = context.config
    version_table = config.attributes["version_table"]
    options: dict[str, Any] = {
        "target_metadata": target_metadata,
        "version_table": version_table,
        "compare_type": True,
        # A failure in revision N keeps N-1 recorded: the run resumes where it stopped.
        "transaction_per_migration": True,
        "on_version_apply": [_tag_additions(config.attributes)],
    }
    if context.is_offline_mode():
        connection = config.attributes["inspection_connection"]
        context.configure(
            dialect_name=connection.dialect.name,
            literal_binds=True,
            output_buffer=config.output_buffer,
            **options,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url")
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            render_as_batch=connection.dialect.name == "sqlite",
            **options,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


# --- for migration scripts -------------------------------------------------------------


def _attributes() -> dict[str, Any]:
    config = op.get_context().config
    return config.attributes if config is not None else {}


def migration_mode() -> str:
    """``apply``, ``check`` or ``sql`` (see the module docstring)."""
    return _attributes().get("mode", "apply")


def inspection_connection() -> Connection:
    """A connection to the real database, to look before acting, in every mode."""
    connection = _attributes().get("inspection_connection")
    return connection if connection is not None else op.get_bind()


def record_addition(kind: str, table: str, detail: str = "") -> None:
    _attributes().setdefault("additions", []).append(Addition(kind, table, detail))


def _tag_additions(attributes: dict[str, Any]):
    def tag(*, step, **_kwargs) -> None:
        for addition in attributes.get("additions", []):
            if addition.revision is None:
                addition.revision = step.up_revision_id

    return tag
