"""One way to list: pagination, sorting and filters, declared per resource.

Query string of every list endpoint::

    ?limit=25&offset=0&sort=-startDate,sessionId&beamLineName=i03&startDate.gte=2026-01-01

* ``limit`` (default and maximum from the service config ``api``), ``offset``;
* ``sort``: comma-separated field names from the resource's whitelist, ``-`` for
  descending; the primary key is always appended so pages are stable;
* filters declared by the resource: ``name=value`` (equality), ``name.in=a,b``,
  ``name.gt|gte|lt|lte=value`` (ranges), ``name.contains=text`` (strings).

Unknown parameters and bad values are refused with ``INVALID_PARAMETER`` naming the
parameter, so a typo never silently returns everything.

The answer is ``{"total", "limit", "offset", "results"}``, always in two SQL queries
(count and page) plus whatever eager loads the resource declares, whatever the page size.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import Select, func, select
from sqlalchemy import types as sqltypes
from sqlalchemy.orm import Session

from .errors import InvalidParameter
from .schemas import NaiveDateTime

RANGE_OPS = ("gt", "gte", "lt", "lte")
ALL_OPS = ("eq", "in", *RANGE_OPS, "contains")


@dataclass(frozen=True)
class Filter:
    """A filterable field: a column (or SQL expression) and the operators allowed on it."""

    column: Any
    ops: Sequence[str] = ("eq", "in")
    description: str = ""
    # Converts a raw query value to the column's Python type; derived from the column
    # type when not given.
    parse: Callable[[str], Any] | None = None

    def parser(self) -> Callable[[str], Any]:
        return self.parse or _parser_for(self.column.type)

    def type_name(self) -> str:
        return _type_name(self.column.type)


@dataclass(frozen=True)
class ListSpec:
    """What a list endpoint accepts. ``sortable`` maps public names to columns."""

    filters: Mapping[str, Filter] = field(default_factory=dict)
    sortable: Mapping[str, Any] = field(default_factory=dict)
    default_sort: Sequence[str] = ()
    tiebreak: Sequence[Any] = ()


@dataclass
class ListParams:
    limit: int
    offset: int
    sort: list[tuple[str, bool]]
    filters: list[tuple[str, str, Any]]


@dataclass
class Page:
    total: int
    limit: int
    offset: int
    results: list[Any]

    def envelope(self, dump: Callable[[list[Any]], list[Any]]) -> dict[str, Any]:
        return {
            "total": self.total,
            "limit": self.limit,
            "offset": self.offset,
            "results": dump(self.results),
        }


def _type_name(column_type: Any) -> str:
    if isinstance(column_type, sqltypes.Boolean):
        return "boolean"
    if isinstance(column_type, sqltypes.Integer):
        return "integer"
    if isinstance(column_type, sqltypes.Float | sqltypes.Numeric):
        return "number"
    if isinstance(column_type, sqltypes.DateTime):
        return "date-time"
    if isinstance(column_type, sqltypes.Date):
        return "date"
    return "string"


def _parse_datetime(raw: str) -> dt.datetime:
    # A bare date means midnight, so ``startDate.gte=2026-01-01`` reads naturally.
    try:
        if len(raw) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(raw), dt.time())
        value = NaiveDateTime().deserialize(raw)
    except (ValueError, OverflowError, ValidationError):
        raise ValueError("Not a valid date or date-time (ISO 8601).") from None
    return value


def _parse_bool(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in {"true", "1", "yes"}:
        return True
    if lowered in {"false", "0", "no"}:
        return False
    raise ValueError("Not a valid boolean (true/false).")


# The widest integer column of any service (BIGINT); beyond it the driver overflows.
INTEGER_LIMIT = 2**63 - 1


def _parse_int(raw: str) -> int:
    digits = raw[1:] if raw[:1] in "+-" else raw
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError("Not a valid integer.")
    value = int(raw)
    if abs(value) > INTEGER_LIMIT:
        raise ValueError("Out of range.")
    return value


def _parse_float(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError("Not a valid number.") from None
    if not math.isfinite(value):
        raise ValueError("Not a finite number.")
    return value


def _parser_for(column_type: Any) -> Callable[[str], Any]:
    if isinstance(column_type, sqltypes.Boolean):
        return _parse_bool
    if isinstance(column_type, sqltypes.Integer):
        return _parse_int
    if isinstance(column_type, sqltypes.Float | sqltypes.Numeric):
        return _parse_float
    if isinstance(column_type, sqltypes.DateTime):
        return _parse_datetime
    if isinstance(column_type, sqltypes.Date):
        return lambda raw: _parse_datetime(raw).date()
    if isinstance(column_type, sqltypes.Enum):
        allowed = list(column_type.enums)

        def parse_enum(raw: str) -> str:
            if raw not in allowed:
                raise ValueError(f"Must be one of: {', '.join(allowed)}.")
            return raw

        return parse_enum
    length = getattr(column_type, "length", None)

    def parse_string(raw: str) -> str:
        if length and len(raw) > length:
            raise ValueError(f"Longer than {length} characters.")
        return raw

    return parse_string


def parse_list_args(
    args: Mapping[str, str], spec: ListSpec, *, default_limit: int, max_limit: int
) -> ListParams:
    """Validate a list request's query string against the resource's spec."""
    problems: dict[str, list[str]] = {}

    def number(name: str, default: int, low: int, high: int) -> int:
        raw = args.get(name)
        if raw is None:
            return default
        if not (raw.isascii() and raw.isdigit()):
            # An empty ``limit=`` is a client's bug as much as ``limit=x``.
            problems[name] = ["Not a valid integer."]
            return default
        value = int(raw)
        if not low <= value <= high:
            problems[name] = [f"Must be between {low} and {high}."]
        return value

    limit = number("limit", min(default_limit, max_limit), 1, max_limit)
    offset = number("offset", 0, 0, INTEGER_LIMIT)

    sort: list[tuple[str, bool]] = []
    raw_sort = args.get("sort") or ",".join(spec.default_sort)
    for item in filter(None, (part.strip() for part in raw_sort.split(","))):
        descending = item.startswith("-")
        name = item.lstrip("-+")
        if name not in spec.sortable:
            allowed = ", ".join(sorted(spec.sortable)) or "none"
            problems.setdefault("sort", []).append(
                f"Cannot sort by {name!r}; sortable fields: {allowed}."
            )
            continue
        sort.append((name, descending))

    filters: list[tuple[str, str, Any]] = []
    for key, raw in args.items():
        if key in {"limit", "offset", "sort"}:
            continue
        name, _, op = key.partition(".")
        op = op or "eq"
        declared = spec.filters.get(name)
        if declared is None or op not in declared.ops:
            problems.setdefault(key, []).append(
                "Unknown parameter." if declared is None else f"Operator {op!r} not allowed."
            )
            continue
        parse = declared.parser()
        try:
            if op == "in":
                value: Any = [parse(part) for part in raw.split(",") if part != ""]
            elif op == "contains":
                value = str(raw)
            else:
                value = parse(raw)
        except ValueError as exc:
            problems.setdefault(key, []).append(str(exc))
            continue
        filters.append((name, op, value))

    if problems:
        raise InvalidParameter("Invalid query parameters.", problems)
    return ListParams(limit=limit, offset=offset, sort=sort, filters=filters)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def apply_filters(statement: Select, params: ListParams, spec: ListSpec) -> Select:
    for name, op, value in params.filters:
        column = spec.filters[name].column
        if isinstance(value, enum.Enum):
            value = value.value
        if op == "eq":
            statement = statement.where(column == value)
        elif op == "in":
            statement = statement.where(column.in_(value))
        elif op == "gt":
            statement = statement.where(column > value)
        elif op == "gte":
            statement = statement.where(column >= value)
        elif op == "lt":
            statement = statement.where(column < value)
        elif op == "lte":
            statement = statement.where(column <= value)
        elif op == "contains":
            statement = statement.where(column.like(f"%{_escape_like(value)}%", escape="\\"))
    return statement


def paginate(session: Session, statement: Select, params: ListParams, spec: ListSpec) -> Page:
    """Run the count and page queries for ``statement`` (a select of ORM entities)."""
    statement = apply_filters(statement, params, spec)
    total = session.execute(
        select(func.count()).select_from(statement.order_by(None).subquery())
    ).scalar_one()
    order = [
        spec.sortable[name].desc() if descending else spec.sortable[name].asc()
        for name, descending in params.sort
    ]
    order += [column.asc() for column in spec.tiebreak]
    page = statement.order_by(*order).limit(params.limit).offset(params.offset)
    results = list(session.execute(page).unique().scalars())
    return Page(total=total, limit=params.limit, offset=params.offset, results=results)


def list_params_doc(spec: ListSpec) -> dict[str, dict[str, Any]]:
    """Swagger parameter documentation for a list endpoint, from its spec."""
    doc: dict[str, dict[str, Any]] = {
        "limit": {
            "type": "integer",
            "description": "Page size, 1 to the service's api.max_limit (default 1000); "
            "default api.default_limit (25).",
        },
        "offset": {"type": "integer", "description": "Rows to skip (0 or more)."},
        "sort": {
            "type": "string",
            "description": "Comma-separated fields, '-' for descending. Sortable: "
            + ", ".join(sorted(spec.sortable))
            + (f". Default: {','.join(spec.default_sort)}." if spec.default_sort else "."),
        },
    }
    for name, declared in spec.filters.items():
        kind = declared.type_name()
        for op in declared.ops:
            key = name if op == "eq" else f"{name}.{op}"
            meaning = {
                "eq": "equal to",
                "in": "one of (comma-separated)",
                "gt": "greater than",
                "gte": "greater than or equal to",
                "lt": "less than",
                "lte": "less than or equal to",
                "contains": "containing the text",
            }[op]
            doc[key] = {
                "type": "string" if kind in {"date", "date-time"} or op == "in" else kind,
                "description": f"{declared.description or name}: {meaning} ({kind}).",
            }
    return doc
