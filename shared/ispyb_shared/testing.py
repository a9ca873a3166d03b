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


class RoundTripCounter:
    """What a MariaDB/MySQL client sent, one entry per command (a round trip)."""

    def __init__(self) -> None:
        self.commands: list[str] = []

    @property
    def count(self) -> int:
        return len(self.commands)

    def kinds(self) -> list[str]:
        """Each command's first word (SELECT, COMMIT, ROLLBACK, PING, ...)."""
        return [command.split(None, 1)[0].upper() if command else "" for command in self.commands]


@contextlib.contextmanager
def count_round_trips(engine: Engine | None = None) -> Iterator[RoundTripCounter]:
    """Count the commands PyMySQL sends to the server inside the block, at the protocol
    level: statements, COMMIT, ROLLBACK, pings, SET ...; in every connection, or only in
    those ``engine`` checks out inside the block (another app of the process, e.g. a
    service called in-process, has its own engine)."""
    from pymysql.connections import Connection
    from pymysql.constants import COMMAND

    names = {
        value: name.removeprefix("COM_")
        for name, value in vars(COMMAND).items()
        if name.startswith("COM_") and isinstance(value, int)
    }
    counter = RoundTripCounter()
    original = Connection._execute_command
    mine: set[int] = set()

    def checked_out(dbapi_connection, _record, _proxy) -> None:
        mine.add(id(dbapi_connection))

    def counted(self, command, sql):
        if engine is not None and id(self) not in mine:
            return original(self, command, sql)
        if command == COMMAND.COM_QUERY:
            text = sql.decode(errors="replace") if isinstance(sql, bytes) else str(sql)
            counter.commands.append(text.strip())
        else:
            counter.commands.append(names.get(command, str(command)))
        return original(self, command, sql)

    if engine is not None:
        event.listen(engine, "checkout", checked_out)
    Connection._execute_command = counted
    try:
        yield counter
    finally:
        Connection._execute_command = original
        if engine is not None:
            event.remove(engine, "checkout", checked_out)
