"""Helpers for the services' tests (imported by tests only)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import Engine, event


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@contextlib.contextmanager
def count_queries(engine: Engine) -> Iterator[QueryCounter]:
    """Count the SQL statements ``engine`` executes inside the block."""
    counter = QueryCounter()

    def record(_conn, _cursor, statement, _params, _context, _executemany):
        counter.statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", record)
