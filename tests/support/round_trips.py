"""What a service sent to its database while serving a request.

On MariaDB: every command PyMySQL sent on the connections of that database's pool, at
the protocol level (statements, COMMIT, ROLLBACK, START TRANSACTION, pings, SET ...):
the round trips. On SQLite, in-process
with no round trip, the SQL statements SQLAlchemy executed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from ispyb_shared.db import Database
from ispyb_shared.testing import count_queries, count_round_trips

# What no read may send on MariaDB.
TRANSACTION_CONTROL = {"COMMIT", "ROLLBACK", "START", "BEGIN", "PING", "SET"}


class Sent:
    def __init__(self) -> None:
        self.commands: list[str] = []

    @property
    def count(self) -> int:
        return len(self.commands)

    def kinds(self) -> list[str]:
        return [c.split(None, 1)[0].upper() if c else "" for c in self.commands]

    def transaction_control(self) -> list[str]:
        return [kind for kind in self.kinds() if kind in TRANSACTION_CONTROL]

    def __repr__(self) -> str:
        return "\n".join(command[:160] for command in self.commands)


@contextlib.contextmanager
def sent_to(database: Database) -> Iterator[Sent]:
    sent = Sent()
    if database.dialect == "sqlite":
        with count_queries(database.engine) as counter:
            yield sent
        sent.commands = list(counter.statements)
    else:
        with count_round_trips(database.engine) as counter:
            yield sent
        sent.commands = list(counter.commands)
