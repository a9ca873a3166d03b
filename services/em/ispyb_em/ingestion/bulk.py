"""Multi-row INSERTs for bulk ingestion.

On MariaDB, SQLAlchemy's executemany through PyMySQL spends more time preparing the
parameters of a 500-row batch (SQLAlchemy's per-row parameter processing, then PyMySQL's
per-value escaping dispatch) than MariaDB spends storing the rows. ``bulk_insert`` writes
the multi-row ``INSERT ... VALUES (...), (...)`` itself, about twice as fast:

- values come out of validation with known Python types, and each type has one direct
  rendering: int, bool (1/0), finite float (as a double literal, like PyMySQL), naive
  datetime, None (NULL); strings are quoted and escaped by the connection's own PyMySQL
  escaping (which honours the server's NO_BACKSLASH_ESCAPES mode); any other type is
  refused (TypeError), never guessed;
- the statement runs without parameters, so ``%`` in a value means nothing to the driver;
- the ``uuid`` of each row is made here, as the column's default would make it.

Other databases (SQLite) use SQLAlchemy's executemany, fast enough there.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from ispyb_shared.uuids import new_uuid

# Rows per statement: a row of the largest table is under 2 KiB of SQL, so a statement
# stays well below MariaDB's max_allowed_packet (16 MiB by default).
ROWS_PER_STATEMENT = 1000


def bulk_insert(db_session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (every row with the same keys) into ``table``."""
    if not rows:
        return
    connection = db_session.connection()
    if connection.dialect.name != "mysql":
        connection.execute(insert(table), list(rows))
        return
    columns = list(rows[0])
    with_uuid = "uuid" in table.c and "uuid" not in columns
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in [*columns, *(["uuid"] if with_uuid else [])])
    escape = connection.connection.dbapi_connection.escape

    def escape_string(value: str) -> str:
        # PyMySQL answers str, mysqlclient (mysql+mysqldb://) bytes.
        escaped = escape(value)
        return escaped.decode() if isinstance(escaped, bytes) else escaped

    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        values = ", ".join(
            _row_literal(row, columns, escape_string, with_uuid)
            for row in rows[start : start + ROWS_PER_STATEMENT]
        )
        connection.exec_driver_sql(
            f"INSERT INTO {quote(table.name)} ({names}) VALUES {values}",
            execution_options={"no_parameters": True},
        )


def _row_literal(
    row: Mapping[str, Any],
    columns: Sequence[str],
    escape_string: Callable[[str], str],
    with_uuid: bool,
) -> str:
    literals = [_literal(row[column], escape_string) for column in columns]
    if with_uuid:
        literals.append(f"'{new_uuid()}'")
    return "(" + ", ".join(literals) + ")"


def _literal(value: Any, escape_string: Callable[[str], str]) -> str:
    kind = type(value)
    if kind is str:
        return escape_string(value)
    if kind is float:
        if not math.isfinite(value):
            raise ValueError("not a finite number")
        text = repr(value)
        # A double literal, like PyMySQL's: 1.5 alone would be read as a DECIMAL.
        return text if "e" in text else text + "e0"
    if kind is int:
        return str(value)
    if value is None:
        return "NULL"
    if kind is bool:
        return "1" if value else "0"
    if kind is dt.datetime and value.tzinfo is None:
        return f"'{value.isoformat(' ')}'"
    raise TypeError(f"no SQL literal for a {kind.__name__} value")
