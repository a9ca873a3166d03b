"""SQL functions that SQLite and MariaDB spell differently, compiled per dialect."""

from __future__ import annotations

from sqlalchemy import Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class floor_nonnegative(FunctionElement):
    """floor(x) for x >= 0: the bucket index of a histogram (SQLite may lack FLOOR)."""

    type = Integer()
    inherit_cache = True
    name = "floor_nonnegative"


@compiles(floor_nonnegative)
def _floor_generic(element, compiler, **kw):
    return f"FLOOR({compiler.process(element.clauses, **kw)})"


@compiles(floor_nonnegative, "sqlite")
def _floor_sqlite(element, compiler, **kw):
    # CAST truncates towards zero: the floor of a non-negative number.
    return f"CAST({compiler.process(element.clauses, **kw)} AS INTEGER)"
