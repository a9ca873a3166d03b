"""Operations for core's migrations, safe on a site's existing ISPyB database.

Core runs on an existing ISPyB MariaDB database as well as on an empty one, so a
migration never assumes it is creating a table: ISPyB tables are created only when
missing, and what we add (the ``uuid`` column) is added only where absent.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ispyb_shared.uuids import UUID_LENGTH, uuid_server_default, uuid_sql_expression


def _inspector() -> sa.Inspector:
    return sa.inspect(op.get_bind())


def create_table_if_missing(
    name: str, *elements: sa.SchemaItem, indexes: tuple[tuple[str, list[str], bool], ...] = ()
) -> bool:
    """Create an ISPyB table unless the database already has it. True when created."""
    if _inspector().has_table(name):
        return False
    op.create_table(name, *elements, mysql_charset="utf8mb4")
    for index_name, columns, unique in indexes:
        op.create_index(index_name, name, columns, unique=unique)
    return True


def uuid_column() -> sa.Column:
    return sa.Column(
        "uuid", sa.String(UUID_LENGTH), nullable=False, server_default=uuid_server_default()
    )


def uuid_constraint(table: str) -> sa.UniqueConstraint:
    return sa.UniqueConstraint("uuid", name=f"{table}_uuid_uq")


def add_uuid_column_if_missing(table: str) -> bool:
    """Give an existing table its ``uuid`` column: added, backfilled, then constrained.

    The database default makes rows inserted later by other programs (SynchWeb, GDA,
    stored procedures) get a UUID too.
    """
    if "uuid" in {column["name"] for column in _inspector().get_columns(table)}:
        return False
    bind = op.get_bind()
    with op.batch_alter_table(table) as batch:
        batch.add_column(sa.Column("uuid", sa.String(UUID_LENGTH), nullable=True))
    rows = sa.table(table, sa.column("uuid"))
    op.execute(
        rows.update()
        .where(rows.c.uuid.is_(None))
        .values(uuid=sa.text(uuid_sql_expression(bind.dialect.name)))
    )
    default = sa.text(str(uuid_server_default().compile(dialect=bind.dialect)))
    with op.batch_alter_table(table) as batch:
        batch.alter_column(
            "uuid",
            existing_type=sa.String(UUID_LENGTH),
            nullable=False,
            server_default=default,
        )
        batch.create_unique_constraint(f"{table}_uuid_uq", ["uuid"])
    return True
