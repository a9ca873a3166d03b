"""The date functions the statistics need, per dialect.

SQLite and MariaDB share no function that turns a date-time into a number, so each is
compiled for the dialect: seconds since 1970-01-01 00:00:00 of the stored (naive,
facility local) date-time, with no time zone applied on either backend.
"""

from __future__ import annotations

from sqlalchemy import Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class epoch_seconds(FunctionElement):
    """Whole seconds from 1970-01-01 00:00:00 to a date-time (NULL stays NULL)."""

    type = Integer()
    inherit_cache = True
    name = "epoch_seconds"


@compiles(epoch_seconds)
def _epoch_seconds_mariadb(element, compiler, **kw):
    # TIMESTAMPDIFF is plain calendar arithmetic; UNIX_TIMESTAMP would apply the
    # connection's time zone.
    return (
        f"TIMESTAMPDIFF(SECOND, '1970-01-01 00:00:00', {compiler.process(element.clauses, **kw)})"
    )


@compiles(epoch_seconds, "sqlite")
def _epoch_seconds_sqlite(element, compiler, **kw):
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


class epoch_hours(FunctionElement):
    """Whole hours from 1970-01-01 00:00:00 to a date-time: the hour a row falls in."""

    type = Integer()
    inherit_cache = True
    name = "epoch_hours"


@compiles(epoch_hours)
def _epoch_hours_mariadb(element, compiler, **kw):
    return f"TIMESTAMPDIFF(HOUR, '1970-01-01 00:00:00', {compiler.process(element.clauses, **kw)})"


@compiles(epoch_hours, "sqlite")
def _epoch_hours_sqlite(element, compiler, **kw):
    # Integer division of a non-negative integer: the floor.
    seconds = f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"
    return f"({seconds} / 3600)"
