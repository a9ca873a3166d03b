"""Operations for core's migrations, safe on a site's existing ISPyB database.

Core runs on a site's ISPyB MariaDB database (Diamond's flavour or ESRF's, see
docs/ispyb-database.md) as well as on an empty one, so every operation looks before it
acts and adds only what is missing:

- :func:`ensure_table` creates a table when it is missing; on an existing table it adds
  the declared columns the table lacks (with their foreign keys and indexes). It never
  drops, renames or retypes a site's column.
- A new foreign-key column gets exactly the type of the key it references, as the
  database has it (``INT(10) UNSIGNED`` on real ISPyB databases): MariaDB refuses a
  constraint between keys of different signedness or width (errno 150).
- :func:`ensure_uuid` gives a table its ``uuid`` column step by step (add, fill, make
  NOT NULL with its default, add the unique key), each step checked first.

So a run that failed halfway (MariaDB commits each DDL statement) completes when run
again. The same code serves ``migrate --check`` (nothing is run; each addition is
recorded) and ``migrate --sql`` (alembic renders the statements); in both the real
database is inspected, and what this run would have added counts as present.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from alembic import op

from ispyb_shared.migrations import inspection_connection, migration_mode, record_addition
from ispyb_shared.uuids import UUID_LENGTH, uuid_server_default, uuid_sql_expression

UUID_TYPE = sa.CHAR(UUID_LENGTH)
# The mark of a column core added to a site's table (MariaDB keeps it as the column's
# comment): a run interrupted after adding it adds its index and foreign key when run again.
ADDED_COLUMN_COMMENT = "added by ISPyB core"
# Index definitions as the migrations declare them: (name, columns, unique).
IndexSpec = tuple[str, list[str], bool]


def uuid_column() -> sa.Column:
    return sa.Column("uuid", UUID_TYPE, nullable=False, server_default=uuid_server_default())


def uuid_constraint(table: str) -> sa.UniqueConstraint:
    return sa.UniqueConstraint("uuid", name=f"{table}_uuid_uq")


@dataclass
class _PlannedTable:
    columns: dict[str, sa.types.TypeEngine] = field(default_factory=dict)


class _Schema:
    """The database as this run sees it: inspected, plus what the run already added when
    nothing is executed (check and sql modes)."""

    def __init__(self):
        self.connection = inspection_connection()
        self.dialect = self.connection.dialect.name
        self.mode = migration_mode()
        self.planned_tables: dict[str, _PlannedTable] = {}
        self.planned_columns: dict[str, dict[str, dict[str, Any]]] = {}
        self.planned_indexes: dict[str, list[tuple[tuple[str, ...], bool]]] = {}
        self._inspector: sa.Inspector | None = None

    @property
    def executing(self) -> bool:
        return self.mode == "apply"

    @property
    def inspector(self) -> sa.Inspector:
        if self._inspector is None:
            self._inspector = sa.inspect(self.connection)
        return self._inspector

    def changed(self) -> None:
        self._inspector = None

    def run(self, operation) -> None:
        """Apply mode: do it. Sql mode: alembic renders it. Check mode: only recorded."""
        if self.mode == "check":
            return
        operation()
        self.changed()

    def has_table(self, name: str) -> bool:
        return name in self.planned_tables or self.inspector.has_table(name)

    def created_here(self, name: str) -> bool:
        return name in self.planned_tables

    def columns(self, table: str) -> dict[str, dict[str, Any]]:
        """Columns by lower-case name: MariaDB and SQLite compare column names without
        case (ESRF's ``diffractionPlanUUID`` is Diamond's ``DIFFRACTIONPLANUUID``)."""
        if table in self.planned_tables:
            return {
                name.lower(): {"name": name, "type": kind, "nullable": True, "default": None}
                for name, kind in self.planned_tables[table].columns.items()
            }
        found = {column["name"].lower(): column for column in self.inspector.get_columns(table)}
        if self.mode != "apply":
            found.update(self.planned_columns.get(table, {}))
        return found

    def plan_column(self, table: str, name: str, kind, *, nullable: bool, default=None):
        if table in self.planned_tables:
            self.planned_tables[table].columns[name] = kind
            return
        self.planned_columns.setdefault(table, {})[name.lower()] = {
            "name": name,
            "type": kind,
            "nullable": nullable,
            "default": default,
        }

    def index_column_sets(self, table: str) -> list[tuple[tuple[str, ...], bool]]:
        if table in self.planned_tables:
            return []
        found = [
            (_lower(index["column_names"]), bool(index["unique"]))
            for index in self.inspector.get_indexes(table)
        ]
        found += [
            (_lower(constraint["column_names"]), True)
            for constraint in self.inspector.get_unique_constraints(table)
        ]
        primary = self.inspector.get_pk_constraint(table).get("constrained_columns") or []
        if primary:
            found.append((_lower(primary), True))
        return found + self.planned_indexes.get(table, [])

    def foreign_key_column_sets(self, table: str) -> set[tuple[str, ...]]:
        if table in self.planned_tables:
            return set()
        return {
            _lower(key["constrained_columns"]) for key in self.inspector.get_foreign_keys(table)
        }

    def is_empty(self, table: str) -> bool:
        if table in self.planned_tables:
            return True
        quoted = self.connection.dialect.identifier_preparer.quote(table)
        return self.connection.execute(sa.text(f"SELECT 1 FROM {quoted} LIMIT 1")).first() is None

    def supports_foreign_keys(self, *tables: str) -> bool:
        """MariaDB keeps foreign keys only between InnoDB tables."""
        if self.dialect == "sqlite":
            return False
        for table in tables:
            if table in self.planned_tables:
                continue
            engine = self.connection.execute(
                sa.text(
                    "SELECT ENGINE FROM information_schema.TABLES "
                    "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = :name"
                ),
                {"name": table},
            ).scalar()
            if engine is not None and engine.lower() != "innodb":
                return False
        return True

    def on_update_columns(self, table: str) -> list[str]:
        """Columns MariaDB sets to the current time on every update of a row."""
        if self.dialect == "sqlite" or table in self.planned_tables:
            return []
        found = self.connection.execute(
            sa.text(
                "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = "
                "DATABASE() AND TABLE_NAME = :name AND LOWER(EXTRA) LIKE '%on update%'"
            ),
            {"name": table},
        )
        return [row[0] for row in found]

    def key_type(self, table: str, column: str) -> sa.types.TypeEngine | None:
        """The type of ``table.column`` as the database has it (for a new foreign key)."""
        if not self.has_table(table):
            return None
        found = self.columns(table).get(column.lower())
        return None if found is None else found["type"]


def _lower(names) -> tuple[str, ...]:
    return tuple(name.lower() for name in names)


def _schema() -> _Schema:
    context = op.get_context()
    schema = getattr(context, "_ispyb_core_schema", None)
    if schema is None:
        schema = _Schema()
        context._ispyb_core_schema = schema
    return schema


def _foreign_keys(elements) -> list[sa.ForeignKeyConstraint]:
    return [element for element in elements if isinstance(element, sa.ForeignKeyConstraint)]


def _references(constraint: sa.ForeignKeyConstraint) -> tuple[str, list[str], list[str]]:
    targets = [element.target_fullname.split(".") for element in constraint.elements]
    return targets[0][0], list(constraint.column_keys), [column for _, column in targets]


def _matching_key_types(schema: _Schema, columns: list[sa.Column], elements) -> None:
    """Give foreign-key columns the type of the key they reference (MariaDB/MySQL)."""
    if schema.dialect == "sqlite":
        return
    by_name = {column.name: column for column in columns}
    for constraint in _foreign_keys(elements):
        table, local, remote = _references(constraint)
        for local_name, remote_name in zip(local, remote, strict=True):
            key_type = schema.key_type(table, remote_name)
            if key_type is not None and local_name in by_name:
                by_name[local_name].type = key_type


def _describe(column: sa.Column) -> str:
    kind = column.type.compile(dialect=op.get_context().dialect)
    null = "NULL" if column.nullable else "NOT NULL"
    return f"{column.name} {kind} {null}"


def ensure_table(name: str, *elements: sa.SchemaItem, indexes: tuple[IndexSpec, ...] = ()) -> bool:
    """Create ``name`` as declared, or complete it: True when the table was created.

    On an existing table: declared columns it lacks are added (nullable unless they have
    a server default, so that other programs' inserts keep working), with their foreign
    keys; a declared index is added when it is missing and it covers an added column or
    the table is empty (an index on a big site table is the DBA's decision).
    """
    schema = _schema()
    columns = [element for element in elements if isinstance(element, sa.Column)]
    _matching_key_types(schema, columns, elements)
    if not schema.has_table(name):
        schema.run(
            lambda: op.create_table(name, *elements, mysql_charset="utf8mb4", mysql_engine="InnoDB")
        )
        for index_name, index_columns, unique in indexes:
            schema.run(
                lambda index_name=index_name, index_columns=index_columns, unique=unique: (
                    op.create_index(index_name, name, index_columns, unique=unique)
                )
            )
        record_addition("create table", name, f"({len(columns)} columns)")
        schema.planned_tables[name] = _PlannedTable({c.name: c.type for c in columns})
        return True
    if not schema.created_here(name):
        _complete_table(schema, name, columns, elements, indexes)
    return False


def _complete_table(
    schema: _Schema,
    name: str,
    columns: list[sa.Column],
    elements: tuple[sa.SchemaItem, ...],
    indexes: tuple[IndexSpec, ...],
) -> None:
    existing = schema.columns(name)
    # Columns an earlier, interrupted run added count as added: their indexes and keys,
    # which that run may not have reached, are still core's to add.
    added: set[str] = {
        key
        for key, found in existing.items()
        if found.get("comment") == ADDED_COLUMN_COMMENT
        and key in {column.name.lower() for column in columns}
    }
    for column in columns:
        # The uuid column is ensure_uuid's: added empty, filled, then constrained.
        if column.name.lower() in existing or column.name == "uuid":
            continue
        if column.primary_key:
            raise RuntimeError(
                f"{name} exists but has no column {column.name} (its primary key in ISPyB): "
                "this is not an ISPyB table core can serve"
            )
        new = column._copy()
        new.comment = ADDED_COLUMN_COMMENT
        if column.server_default is None:
            new.nullable = True
        schema.run(lambda new=new: op.add_column(name, new))
        schema.plan_column(name, new.name, new.type, nullable=new.nullable)
        record_addition("add column", name, _describe(new))
        added.add(column.name.lower())
    # Indexes before foreign keys: MariaDB would otherwise make an index of its own for
    # each new key, and the declared one would be a duplicate.
    covered = {columns_ for columns_, _ in schema.index_column_sets(name)}
    empty = None
    for index_name, index_columns, unique in indexes:
        if _lower(index_columns) in covered:
            continue
        if not set(_lower(index_columns)) & added:
            if empty is None:
                empty = schema.is_empty(name)
            if not empty:
                continue
        schema.run(
            lambda index_name=index_name, index_columns=index_columns, unique=unique: (
                op.create_index(index_name, name, index_columns, unique=unique)
            )
        )
        schema.planned_indexes.setdefault(name, []).append((_lower(index_columns), unique))
        kind = "add unique index" if unique else "add index"
        record_addition(kind, name, f"{index_name} ({', '.join(index_columns)})")
    present_keys = schema.foreign_key_column_sets(name)
    for constraint in _foreign_keys(elements):
        table, local, remote = _references(constraint)
        if _lower(local) in present_keys or not set(_lower(local)) <= added:
            continue
        if not schema.has_table(table) or not schema.supports_foreign_keys(name, table):
            continue
        schema.run(
            lambda constraint=constraint, table=table, local=local, remote=remote: (
                op.create_foreign_key(
                    constraint.name,
                    name,
                    table,
                    local,
                    remote,
                    ondelete=constraint.ondelete,
                    onupdate=constraint.onupdate,
                )
            )
        )
        record_addition("add foreign key", name, f"{constraint.name} ({', '.join(local)})")


def ensure_index(table: str, name: str, column: str, *, length: int | None = None) -> bool:
    """Give ``table`` an index on ``column`` (its first ``length`` characters: a prefix
    index for a long text), unless an index of the table already begins with that column
    (a site's own index serves the same reads) or has that name. True when added.

    Unlike :func:`ensure_table`'s indexes, this one is added to a non-empty site table
    too: it is what a read needs (``search=``); MariaDB builds a secondary index online
    (the table stays readable and writable), and ``migrate --check``/``--sql`` show it
    first for a DBA who prefers to run it at a quiet time."""
    schema = _schema()
    if not schema.has_table(table) or column.lower() not in schema.columns(table):
        return False
    leading = {columns[0] for columns, _ in schema.index_column_sets(table) if columns}
    names = (
        set()
        if schema.created_here(table)
        else {(index["name"] or "").lower() for index in schema.inspector.get_indexes(table)}
    )
    if column.lower() in leading or name.lower() in names:
        return False
    options = {"mysql_length": {column: length}} if length else {}
    schema.run(lambda: op.create_index(name, table, [column], **options))
    schema.planned_indexes.setdefault(table, []).append(((column.lower(),), False))
    record_addition("add index", table, f"{name} ({column})")
    return True


def ensure_column(table: str, column: sa.Column) -> bool:
    """Add ``column`` to an existing table unless it has it. True when added."""
    schema = _schema()
    if column.name.lower() in schema.columns(table):
        return False
    _complete_table(schema, table, [column], (), ())
    return True


def ensure_uuid(table: str) -> None:
    """Give an existing table its ``uuid`` column: added, filled, constrained.

    The database default makes rows inserted later by other programs (SynchWeb, GDA,
    stored procedures) get a UUID too. Each step is checked first, so a run interrupted
    between two of them completes the column when run again.
    """
    schema = _schema()
    if schema.created_here(table):
        return
    steps = []
    column = schema.columns(table).get("uuid")
    if column is None:
        schema.run(lambda: op.add_column(table, sa.Column("uuid", UUID_TYPE, nullable=True)))
        steps.append(f"add column uuid CHAR({UUID_LENGTH})")
        column = {"name": "uuid", "type": UUID_TYPE, "nullable": True, "default": None}
    if column["nullable"]:
        kept = schema.on_update_columns(table)
        rows = sa.table(table, sa.column("uuid"), *(sa.column(name) for name in kept))
        expression = sa.text(uuid_sql_expression(schema.dialect))
        # A column declared ON UPDATE current_timestamp() (RobotAction.startTimestamp)
        # would take the time of the migration: it is set to its own value.
        values = {"uuid": expression, **{name: rows.c[name] for name in kept}}
        schema.run(lambda: op.execute(rows.update().where(rows.c.uuid.is_(None)).values(**values)))
        steps.append("fill it for every row")
    if _needs_final_uuid_definition(schema, column):
        _finish_uuid_column(schema, table, column)
        steps.append(f"make it CHAR({UUID_LENGTH}) NOT NULL DEFAULT (uuid())")
    schema.plan_column(table, "uuid", UUID_TYPE, nullable=False, default="uuid()")
    if not any(
        columns == ("uuid",) and unique for columns, unique in schema.index_column_sets(table)
    ):
        name = f"{table}_uuid_uq"
        if schema.dialect == "sqlite":
            schema.run(
                lambda: _sqlite_batch(table, lambda b: b.create_unique_constraint(name, ["uuid"]))
            )
        else:
            schema.run(lambda: op.create_unique_constraint(name, table, ["uuid"]))
        schema.planned_indexes.setdefault(table, []).append((("uuid",), True))
        steps.append(f"add unique key {name}")
    if steps:
        record_addition("uuid", table, "; ".join(steps))


def _needs_final_uuid_definition(schema: _Schema, column: dict[str, Any]) -> bool:
    if column["nullable"] or not column.get("default"):
        return True
    # Databases migrated by earlier versions of core have VARCHAR(36); the documented type
    # is CHAR(36). SQLite has one text type whatever the name.
    return schema.dialect != "sqlite" and not isinstance(column["type"], sa.CHAR)


def _finish_uuid_column(schema: _Schema, table: str, column: dict[str, Any]) -> None:
    default = sa.text(str(uuid_server_default().compile(dialect=op.get_context().dialect)))
    options = {
        "existing_type": column["type"],
        "type_": UUID_TYPE,
        "nullable": False,
        "server_default": default,
    }
    if schema.dialect == "sqlite":
        schema.run(
            lambda: _sqlite_batch(table, lambda batch: batch.alter_column("uuid", **options))
        )
    else:
        schema.run(lambda: op.alter_column(table, "uuid", **options))


def _sqlite_batch(table: str, change) -> None:
    with op.batch_alter_table(table) as batch:
        change(batch)


def rerun(*revisions: str) -> None:
    """Run earlier revisions' (idempotent) upgrades again: databases migrated by older
    versions of core get what those versions did not add."""
    script = op.get_context().script
    for revision in revisions:
        script.get_revision(revision).module.upgrade()
