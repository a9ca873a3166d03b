"""A site's ISPyB database as DDL and rows, from a public schema package (run as a script).

    python tests/support/legacy_flavours.py {diamond|esrf} TABLE [TABLE ...]

prints one JSON document: the MariaDB DDL of the tables named and of every table their
foreign keys reach, with the real-world traits below applied, and generic rows for each of
them. It runs in its own process because the two flavours' packages install into the same
``ispyb`` namespace (``ispyb`` for Diamond's ``ispyb.sqlalchemy``, ``ispyb-models-pyispyb``
for ESRF's ``ispyb.models``): the caller sets PYTHONPATH for the flavour it wants.

Only SQLAlchemy and the flavour's package are imported: nothing of ours, so the schema
is what the outside published, not what core assumes.

The real-world traits (what dumps of real sites carry and the packages' metadata does not)
are listed in TRAITS; tests/support/legacy_ispyb.py adds the curated rows on top.
"""

from __future__ import annotations

import json
import random
import sys
from importlib import metadata as package_metadata

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.schema import AddConstraint, CreateIndex, CreateTable

TRAITS = (
    "INT(10) columns are UNSIGNED: MySQL prints an unsigned INT as int(10) and a signed one "
    "as int(11), and the packages were generated from dumps with those display widths "
    "(Diamond's tables.sql: `shippingId int(10) unsigned`, `dataCollectionGroupId int(11)`); "
    "every foreign key and the key it references share one signedness (MariaDB refuses the "
    "constraint otherwise, errno 150), so int(11) keys reached from unsigned columns are "
    "int(11) unsigned, as in the dumps (`dataCollectionId int(11) unsigned`)",
    "tables are InnoDB with DEFAULT CHARSET=latin1, as most of both flavours' tables are; "
    "the few that dumps show as utf8mb4 are listed in UTF8MB4_TABLES",
    "rows are written with sql_mode='' (SynchWeb's setting), as programs other than core "
    "write them",
    "a zero date ('0000-00-00 00:00:00', '0000-00-00') in every datetime, timestamp and date "
    "column, in the first row of each table (BLSession.lastUpdate holds them at Diamond; "
    "ESRF's DDL even defaults to it)",
    "enum columns hold the flavour's own values, including values outside what core "
    "declares (ESRF's 'LineScan', 'MXPressF', 'RUNNING'...), and '' (what MariaDB stores for "
    "an invalid enum value without strict mode)",
    "strings hold empty strings and latin1 text beyond ASCII ('Zürich µm Å')",
    "binary(16) externalIds hold random bytes",
)

UTF8MB4_TABLES = {"BeamCalendar", "ProcessingPipeline", "ProcessingPipelineCategory"}
ROWS_PER_TABLE = 4
ZERO_DATETIME = "0000-00-00 00:00:00"
ZERO_DATE = "0000-00-00"
LATIN1_TEXT = "Zürich µm Å"
FLOATS = (129.88, 0.999, 1.5e-3, 99.9, 12.36021)


def load_flavour(flavour: str) -> tuple[sa.MetaData, str]:
    if flavour == "diamond":
        from ispyb.sqlalchemy import Base

        return Base.metadata, f"ispyb {package_metadata.version('ispyb')}"
    if flavour == "esrf":
        import ispyb.models as models

        version = package_metadata.version("ispyb-models-pyispyb")
        return models.Base.metadata, f"ispyb-models-pyispyb {version}"
    raise SystemExit(f"unknown flavour {flavour!r}")


def closure(source: sa.MetaData, names: list[str]) -> list[str]:
    """The named tables present in ``source`` and every table their foreign keys reach."""
    found: set[str] = set()
    todo = [name for name in names if name in source.tables]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        for foreign_key in source.tables[name].foreign_keys:
            todo.append(foreign_key.column.table.name)
    return sorted(found)


class _Signedness:
    """Union-find over integer columns joined by foreign keys."""

    def __init__(self):
        self.parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(self, key):
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, a, b):
        self.parent[self.find(a)] = self.find(b)


def _is_integer(column: sa.Column) -> bool:
    return isinstance(column.type, sa.Integer) and not isinstance(column.type, sa.Boolean)


def _display_width(column: sa.Column) -> int | None:
    return getattr(column.type, "display_width", None)


def apply_traits(target: sa.MetaData) -> None:
    groups = _Signedness()
    for table in target.tables.values():
        for column in table.columns:
            if _is_integer(column):
                groups.find((table.name, column.name))
            for foreign_key in column.foreign_keys:
                referenced = foreign_key.column
                groups.union((table.name, column.name), (referenced.table.name, referenced.name))
    unsigned_roots = {
        groups.find((table.name, column.name))
        for table in target.tables.values()
        for column in table.columns
        if _is_integer(column) and _display_width(column) == 10
    }
    for table in target.tables.values():
        for column in table.columns:
            if not (_is_integer(column) or column.foreign_keys):
                continue
            key_column = column
            # A foreign-key column takes the integer kind of the key it references.
            while key_column.foreign_keys:
                key_column = next(iter(key_column.foreign_keys)).column
            if not _is_integer(key_column):
                continue
            unsigned = groups.find((table.name, column.name)) in unsigned_roots
            width = _display_width(column) or _display_width(key_column) or 11
            kind = type(key_column.type)
            if not issubclass(kind, mysql.INTEGER | mysql.BIGINT | mysql.SMALLINT | mysql.TINYINT):
                kind = mysql.INTEGER
            column.type = kind(display_width=width, unsigned=unsigned)
        table.kwargs["mysql_engine"] = "InnoDB"
        table.kwargs["mysql_charset"] = "utf8mb4" if table.name in UTF8MB4_TABLES else "latin1"


def _unique_columns(table: sa.Table) -> set[str]:
    names = {column.name for column in table.primary_key.columns}
    for index in table.indexes:
        if index.unique:
            names.update(column.name for column in index.columns)
    for constraint in table.constraints:
        if isinstance(constraint, sa.UniqueConstraint):
            names.update(column.name for column in constraint.columns)
    names.update(column.name for column in table.columns if column.unique)
    return names


def _length(column: sa.Column) -> int | None:
    return getattr(column.type, "length", None)


def _fit(text: str, column: sa.Column) -> str:
    length = _length(column)
    return text if length is None else text[:length]


def _first_foreign_key(column: sa.Column) -> bool:
    keys = [other for other in column.table.columns if other.foreign_keys]
    return keys[0] is column


def column_value(column: sa.Column, index: int, *, unique: bool, rng: random.Random):
    """A value a program could have written into ``column`` in row ``index`` (from 1)."""
    kind = column.type
    slot = (index - 1) % ROWS_PER_TABLE
    nullable = column.nullable and not column.primary_key
    if column.foreign_keys:
        # Rows 1..ROWS_PER_TABLE of every table exist; later rows shift the second key of
        # a composite key so that (sessionId, personId)-like pairs stay unique.
        first = index - 1
        if unique and not _first_foreign_key(column):
            first += (index - 1) // ROWS_PER_TABLE
        return first % ROWS_PER_TABLE + 1
    if isinstance(kind, sa.Enum):
        values = [*kind.enums]
        if unique:
            return values[(index - 1) % len(values)]
        return [values[-1], values[-2 % len(values)], "", values[0]][slot]
    if isinstance(kind, sa.Boolean) or (
        isinstance(kind, mysql.TINYINT) and kind.display_width == 1
    ):
        return index % 2
    if isinstance(kind, sa.Integer):
        if unique:
            return index
        return [index * 7, 0, None if nullable else 3, 1][slot]
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
        return "1" if not kind.scale else "1.5"
    if isinstance(kind, sa.Float):
        if unique:
            return float(index)
        value = FLOATS[(index - 1) % len(FLOATS)]
        return None if nullable and slot == 3 else value
    if isinstance(kind, sa.DateTime):
        return (
            [ZERO_DATETIME, "2023-05-17 14:03:21", None, "2024-02-29 23:59:59"][slot]
            if (nullable or slot != 2)
            else "2021-01-01 00:00:00"
        )
    if isinstance(kind, sa.Date):
        return [ZERO_DATE, "2023-05-17", None if nullable else ZERO_DATE, "2024-02-29"][slot]
    if isinstance(kind, sa.Time):
        return "12:30:00"
    if isinstance(kind, sa.JSON):
        return '{"source": "legacy"}'
    if isinstance(kind, sa.LargeBinary | sa.types._Binary):
        length = _length(column) or 16
        return {"$hex": rng.randbytes(min(length, 16)).hex()}
    if isinstance(kind, sa.String):
        if unique:
            return _fit(f"{index}-{column.name}", column)
        options = [
            _fit(f"{column.name} {index}", column),
            "",
            _fit(LATIN1_TEXT, column) if nullable or slot != 2 else "x",
            None if nullable else _fit("legacy", column),
        ]
        return options[slot]
    return None if nullable else ""


def generate_rows(table: sa.Table, indexes: range, rng: random.Random) -> list[dict]:
    unique = _unique_columns(table)
    rows = []
    for index in indexes:
        rows.append(
            {
                column.name: column_value(column, index, unique=column.name in unique, rng=rng)
                for column in table.columns
                # Generated columns are the database's to fill.
                if not isinstance(column.server_default, sa.Computed)
            }
        )
    return rows


def _default_text(column: sa.Column) -> str | None:
    default = column.server_default
    if default is None or isinstance(default, sa.Computed):
        return None
    return str(getattr(default, "arg", default))


def describe_column(column: sa.Column) -> dict:
    return {
        "type": type(column.type).__name__,
        "sql": str(column.type.compile(dialect=mysql.dialect())),
        "nullable": bool(column.nullable),
        "primary_key": bool(column.primary_key),
        "length": _length(column),
        "enums": list(getattr(column.type, "enums", []) or []),
        "default": _default_text(column),
        "computed": isinstance(column.server_default, sa.Computed),
        "foreign_key": [
            f"{foreign_key.column.table.name}.{foreign_key.column.name}"
            for foreign_key in column.foreign_keys
        ],
    }


def build(flavour: str, names: list[str], extra_rows: int) -> dict:
    source, package = load_flavour(flavour)
    tables = closure(source, names)
    target = sa.MetaData()
    for name in tables:
        source.tables[name].to_metadata(target)
    apply_traits(target)
    dialect = mysql.dialect()
    statements, constraints = [], []
    for table in target.sorted_tables:
        statements.append(
            str(CreateTable(table, include_foreign_key_constraints=[]).compile(dialect=dialect))
        )
        statements += [str(CreateIndex(index).compile(dialect=dialect)) for index in table.indexes]
        constraints += [
            str(AddConstraint(constraint).compile(dialect=dialect))
            for constraint in table.foreign_key_constraints
        ]
    rng = random.Random(f"{flavour}-legacy")
    return {
        "flavour": flavour,
        "package": package,
        "traits": list(TRAITS),
        "tables": {
            table.name: {
                "charset": table.kwargs["mysql_charset"],
                "columns": {column.name: describe_column(column) for column in table.columns},
            }
            for table in target.sorted_tables
        },
        "statements": statements,
        "foreign_keys": constraints,
        "rows": {
            table.name: generate_rows(table, range(1, ROWS_PER_TABLE + 1), rng)
            for table in target.sorted_tables
        },
        # What other programs write after core migrated: more rows, none naming a column
        # core added (they do not know them).
        "later_rows": {
            table.name: generate_rows(
                table, range(ROWS_PER_TABLE + 1, ROWS_PER_TABLE + 1 + extra_rows), rng
            )
            for table in target.sorted_tables
        },
    }


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    flavour, *names = argv
    json.dump(build(flavour, names, extra_rows=2), sys.stdout, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
