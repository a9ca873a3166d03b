"""One way to list: pagination, sorting and filters, declared per resource.

Query string of every list endpoint::

    ?limit=25&offset=0&sort=-startDate,sessionId&beamLineName=i03&startDate.gte=2026-01-01
    ?limit=25&after=<cursor from links.next>

* ``limit`` (default and maximum from the service config ``api``), ``offset``;
* ``after``: a keyset cursor, the position after the last row of a page, as the
  ``links.next`` URL of every page carries it. A page after a cursor is found through the
  sort's index as fast at row 250,000 as at row 25 (``offset`` reads and skips the rows
  before); it has no ``total`` (null; counting a big table costs what the cursor saves);
* ``sort``: comma-separated field names from the resource's whitelist, ``-`` for
  descending; the primary key is always appended so pages are stable;
* filters declared by the resource: ``name=value`` (equality), ``name.in=a,b``,
  ``name.gt|gte|lt|lte=value`` (ranges), ``name.contains=text`` (strings);
* ``search=text`` on the lists that declare a :class:`Search`: every word of the text
  must begin one of the declared columns (case-insensitive; ``LIKE 'word%'`` on
  indexed columns: see :class:`Search`).

Unknown parameters and bad values are refused with ``INVALID_PARAMETER`` naming the
parameter, so a typo never silently returns everything.

The answer is ``{"total", "limit", "offset", "after", "results", "links": {"self",
"next", "prev"}}`` (:func:`whole_page`: the same for a list answered whole),
in one SQL statement (plus whatever eager loads the resource declares), whatever the
page size: the page, one row more to know whether there is a next page, and the total
as a scalar subquery counting over the key only; a second statement counts only when an
offset is past the end.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import decimal
import enum
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, request
from marshmallow import ValidationError
from sqlalchemy import Select, and_, false, func, inspect, or_, select, union
from sqlalchemy import types as sqltypes
from sqlalchemy.exc import OperationalError
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
    # Builds the condition of an eq/in filter from its parsed value(s) instead of
    # ``column == value``: e.g. a name split into the indexed columns it is made of, so
    # the database finds the rows through an index rather than computing every row's name.
    condition: Callable[[list[Any]], Any] | None = None

    def parser(self) -> Callable[[str], Any]:
        return self.parse or _parser_for(self.column.type)

    def type_name(self) -> str:
        return _type_name(self.column.type)


SEARCH_MAX_LENGTH = 100
SEARCH_MAX_WORDS = 5


@dataclass(frozen=True)
class Search:
    """A list's free-text ``search=``: the text is split into words (at white space);
    every word must match (AND); a word matches a row when it begins one of the row's
    ``columns`` (OR; ``column LIKE 'word%'``) or one of the ``branches`` finds the row.

    Each word is a join to ``SELECT key ... WHERE column LIKE 'word%' UNION SELECT ...``:
    every branch of the union is a range of an index whose first column is the searched
    one, so the database reads the matching index entries and the listed rows by primary
    key, never the whole table (an OR of conditions across columns or joined tables
    would read every row). Matching is case-insensitive because ISPyB's collations are
    (``*_ci`` on MariaDB; SQLite's LIKE folds ASCII case). ``branches`` build a select
    of keys of their own from a word: the rows whose protein's acronym begins with it,
    or a name split into its columns (``mx1234`` -> code and number)."""

    key: Any
    columns: Sequence[Any] = ()
    branches: Sequence[Callable[[str], Select]] = ()
    description: str = ""

    def matches(self, word: str) -> Select:
        """The keys of the rows ``word`` matches: a UNION of index ranges."""
        selects = [select(self.key).where(prefix_like(column, word)) for column in self.columns]
        selects += [branch(word) for branch in self.branches]
        return selects[0] if len(selects) == 1 else union(*selects)

    def apply(self, statement: Select, text: str) -> Select:
        for index, word in enumerate(text.split()):
            hits = self.matches(word).subquery(f"_ispyb_search{index}")
            statement = statement.join(hits, hits.c[0] == self.key)
        return statement


def prefix_like(column: Any, word: str) -> Any:
    """``column LIKE 'word%'`` (the wildcards of ``word`` escaped): a range of an index
    on ``column``."""
    return column.like(_escape_like(word) + "%", escape="\\")


def same_text(column: Any, word: str) -> Any:
    """``column LIKE 'word'``: equality without case on SQLite as on MariaDB."""
    return column.like(_escape_like(word), escape="\\")


@dataclass(frozen=True)
class ListSpec:
    """What a list endpoint accepts. ``sortable`` maps public names to columns."""

    filters: Mapping[str, Filter] = field(default_factory=dict)
    sortable: Mapping[str, Any] = field(default_factory=dict)
    default_sort: Sequence[str] = ()
    tiebreak: Sequence[Any] = ()
    # The list's free-text ``search=`` (none: the parameter is unknown there).
    search: Search | None = None


@dataclass
class ListParams:
    limit: int
    offset: int
    sort: list[tuple[str, bool]]
    filters: list[tuple[str, str, Any]]
    # The raw ``after=`` cursor (decoded by paginate, which knows the column types).
    after: str | None = None
    # The ``search=`` text, validated (non-empty, at most SEARCH_MAX_WORDS words).
    search: str | None = None


@dataclass
class Page:
    total: int | None
    limit: int
    offset: int
    results: list[Any]
    after: str | None = None
    # Cursor of the position after the last row, when there are more rows.
    next_after: str | None = None

    def envelope(self, dump: Callable[[list[Any]], list[Any]]) -> dict[str, Any]:
        return {
            "total": self.total,
            "limit": self.limit,
            "offset": self.offset,
            "after": self.after,
            "results": dump(self.results),
            "links": {
                "self": self._link(None),
                "next": self.next_link(),
                "prev": self.prev_link(),
            },
        }

    def next_link(self) -> str | None:
        """The URL of the next page: this request's, with ``after=`` the cursor."""
        if self.next_after is None:
            return None
        return self._link(("after", self.next_after))

    def prev_link(self) -> str | None:
        """The previous page of an offset page (none before the first, and none for an
        after= page: a keyset cursor only goes forward; a client keeps the links it
        followed)."""
        if self.after is not None or self.offset <= 0:
            return None
        return self._link(("offset", str(max(0, self.offset - self.limit))))

    def _link(self, position: tuple[str, str] | None) -> str | None:
        """This request's URL (path and query), its position replaced by ``position``."""
        from urllib.parse import urlencode

        from flask import has_request_context, request

        if not has_request_context():
            return None
        if position is None:
            query = request.query_string.decode("latin-1")
            return f"{request.path}?{query}" if query else request.path
        args = [(k, v) for k, v in request.args.items(multi=True) if k not in {"offset", "after"}]
        args.append(position)
        return f"{request.path}?{urlencode(args)}"


def request_link(**position: str | None) -> str | None:
    """This request's URL (path and query) with the ``position`` parameters replaced
    (None: removed); None outside a request. For a list paged its own way (em's movie
    series by movieNumber) to give the envelope's links."""
    from urllib.parse import urlencode

    from flask import has_request_context, request

    if not has_request_context():
        return None
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in position]
    args += [(k, v) for k, v in position.items() if v is not None]
    return f"{request.path}?{urlencode(args)}" if args else request.path


def whole_page(results: list[Any]) -> Page:
    """A list answered whole (few items, never paged) in the same envelope: ``total`` and
    ``limit`` its length, ``offset`` 0, ``links.self`` only."""
    return Page(total=len(results), limit=len(results), offset=0, results=results)


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


# Query parameters every list takes besides its filters (``fields``: the operation
# decorator's sparse fieldsets, ispyb_shared.operations).
RESERVED_PARAMETERS = frozenset({"limit", "offset", "sort", "after", "fields", "expand"})


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
    after = args.get("after") or None
    if after is not None and offset:
        problems["after"] = ["Give offset or after, not both."]

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

    search = None
    if "search" in args and spec.search is not None:
        search = args["search"]
        if not search.strip():
            problems["search"] = ["Must not be empty."]
        elif len(search) > SEARCH_MAX_LENGTH:
            problems["search"] = [f"Longer than {SEARCH_MAX_LENGTH} characters."]
        elif len(search.split()) > SEARCH_MAX_WORDS:
            problems["search"] = [f"At most {SEARCH_MAX_WORDS} words."]

    filters: list[tuple[str, str, Any]] = []
    for key, raw in args.items():
        if key in RESERVED_PARAMETERS or (key == "search" and spec.search is not None):
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
    return ListParams(
        limit=limit, offset=offset, sort=sort, filters=filters, after=after, search=search
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def apply_filters(statement: Select, params: ListParams, spec: ListSpec) -> Select:
    if params.search is not None and spec.search is not None:
        statement = spec.search.apply(statement, params.search)
    for name, op, value in params.filters:
        declared = spec.filters[name]
        column = declared.column
        if isinstance(value, enum.Enum):
            value = value.value
        if declared.condition is not None and op in ("eq", "in"):
            statement = statement.where(declared.condition(value if op == "in" else [value]))
        elif op == "eq":
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


def paginate(
    session: Session,
    statement: Select,
    params: ListParams,
    spec: ListSpec,
    *,
    count_from: Select | None = None,
    plain: Any = None,
) -> Page:
    """Run the page and, when needed, the count for ``statement`` (a select of ORM
    entities): at most two statements. ``count_from``: a select of the key with fewer
    joins that counts the same rows (filters are applied to it too). ``plain``: the
    :class:`~ispyb_shared.plain.PlainRead` whose ``select()`` ``statement`` is (its
    columns, then the page's keys): the results are its plain rows, not ORM objects."""
    statement = apply_filters(statement, params, spec)
    counting = statement if count_from is None else apply_filters(count_from, params, spec)
    order = [(spec.sortable[name], descending) for name, descending in params.sort]
    # The tiebreak goes the way of the sort: an index on the sort column (which holds the
    # primary key after it) is then read forwards or backwards, with no sort of all rows.
    tiebreak_descending = order[0][1] if order else False
    order += [(column, tiebreak_descending) for column in spec.tiebreak or _primary_key(statement)]
    signature = ",".join(f"-{n}" if d else n for n, d in params.sort)
    page = statement
    if params.after is not None:
        values = _decode_cursor(params.after, signature, [column for column, _ in order])
        page = page.where(_after_condition(order, values))
    keys = [column.label(f"_ispyb_key{index}") for index, (column, _) in enumerate(order)]
    counted = params.after is None
    if counted:
        # The total in the page's own statement: one round trip for a list. MariaDB and
        # SQLite compute an uncorrelated scalar subquery once.
        keys.append(_count_statement(counting, order[-1:]).scalar_subquery().label("_ispyb_total"))
    page = (
        page.add_columns(*keys)
        .order_by(*(column.desc() if descending else column.asc() for column, descending in order))
        .limit(params.limit + 1)
        .offset(params.offset)
    )
    with _text_beyond_the_charset(params):
        result = session.execute(page)
        rows = list(result if plain is not None else result.unique())
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    if plain is None:
        results = [row[0] for row in rows]
        first = 1
    else:
        results = plain.all(rows)
        first = plain.width
    width = len(order)
    next_after = _encode_cursor(signature, list(rows[-1][first : first + width])) if more else None
    if not counted:
        total = None
    elif rows:
        total = rows[0][-1]
    elif not params.offset:
        total = 0
    else:  # past the end: the page had no row to carry the count
        with _text_beyond_the_charset(params):
            total = session.execute(_count_statement(counting, order[-1:])).scalar_one()
    return Page(
        total=total,
        limit=params.limit,
        offset=params.offset,
        results=results,
        after=params.after,
        next_after=next_after,
    )


# MariaDB's "Illegal mix of collations": a text compared with a column whose character
# set cannot hold it (a site's latin1 column and a search for "日本").
_COLLATION_MIX = {1267, 1270, 1271}


@contextlib.contextmanager
def _text_beyond_the_charset(params: ListParams):
    """A search or contains text the database's columns cannot hold: a 400 naming the
    parameter, not a database error."""
    try:
        yield
    except OperationalError as exc:
        args = getattr(exc.orig, "args", ())
        if not args or args[0] not in _COLLATION_MIX:
            raise
        names = ["search"] if params.search is not None else []
        names += [f"{name}.contains" for name, op, _ in params.filters if op == "contains"]
        if not names:
            raise
        message = "Holds characters this database's columns cannot store (their character set)."
        raise InvalidParameter(
            "Invalid query parameters.", {name: [message] for name in names}
        ) from None


def _primary_key(statement: Select) -> list[Any]:
    entity = statement.column_descriptions[0].get("entity")
    return list(inspect(entity).primary_key) if entity is not None else []


def _count_statement(statement: Select, order: list[tuple[Any, bool]]) -> Select:
    """The rows of ``statement``, counted over its key only (the database does not build
    the selected columns of every row to count them)."""
    key = [column for column, _ in order]
    keys = statement.order_by(None).with_only_columns(*key, maintain_column_froms=True)
    return select(func.count()).select_from(keys.correlate(None).subquery())


def _after_condition(order: list[tuple[Any, bool]], values: list[Any]):
    """Rows after ``values`` in ``order`` (MariaDB and SQLite sort NULL first ascending,
    last descending), written so the sort's index gives a range scan."""
    clauses = []
    for index, (column, descending) in enumerate(order):
        equal = [
            other.is_(None) if value is None else other == value
            for (other, _), value in zip(order[:index], values[:index], strict=True)
        ]
        value = values[index]
        if descending:
            beyond = false() if value is None else or_(column < value, column.is_(None))
        else:
            beyond = column.is_not(None) if value is None else column > value
        clauses.append(and_(*equal, beyond))
    first, descending = order[0]
    lead = values[0]
    if lead is None:
        return or_(*clauses)
    bound = or_(first <= lead, first.is_(None)) if descending else first >= lead
    return and_(bound, or_(*clauses))


def _cursor_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _encode_cursor(signature: str, values: list[Any]) -> str:
    payload = json.dumps({"s": signature, "v": [_cursor_value(v) for v in values]})
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _decode_cursor(raw: str, signature: str, columns: list[Any]) -> list[Any]:
    problem = InvalidParameter(
        "Invalid query parameters.",
        {"after": ["Not a cursor of this list and sort (use the links.next of a page)."]},
    )
    try:
        payload = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise problem from None
    if (
        not isinstance(payload, dict)
        or payload.get("s") != signature
        or not isinstance(payload.get("v"), list)
        or len(payload["v"]) != len(columns)
    ):
        raise problem
    try:
        return [
            _from_cursor(column.type, value)
            for column, value in zip(columns, payload["v"], strict=True)
        ]
    except (TypeError, ValueError):
        raise problem from None


def _from_cursor(column_type: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column_type, sqltypes.DateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(column_type, sqltypes.Date):
        return dt.date.fromisoformat(value)
    if isinstance(column_type, sqltypes.Boolean):
        if not isinstance(value, bool):
            raise TypeError
        return value
    if isinstance(column_type, sqltypes.Integer):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError
        return value
    if isinstance(column_type, sqltypes.Numeric | sqltypes.Float):
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise TypeError
        return float(value) if not isinstance(column_type, sqltypes.Numeric) else value
    if not isinstance(value, str | int | float):
        raise TypeError
    return value


def list_params_doc(spec: ListSpec) -> dict[str, dict[str, Any]]:
    """Swagger parameter documentation for a list endpoint, from its spec."""
    doc: dict[str, dict[str, Any]] = {
        "limit": {
            "type": "integer",
            "description": "Page size, 1 to the service's api.max_limit (default 1000); "
            "default api.default_limit (25).",
        },
        "offset": {"type": "integer", "description": "Rows to skip (0 or more)."},
        "after": {
            "type": "string",
            "description": "Keyset cursor: the rows after the last row of a page (its "
            "links.next carries it); as fast at any depth; not with offset; no total.",
        },
        "sort": {
            "type": "string",
            "description": "Comma-separated fields, '-' for descending. Sortable: "
            + ", ".join(sorted(spec.sortable))
            + (f". Default: {','.join(spec.default_sort)}." if spec.default_sort else "."),
        },
    }
    if spec.search is not None:
        doc["search"] = {
            "type": "string",
            "description": "Free-text search: every word (at most "
            f"{SEARCH_MAX_WORDS}; {SEARCH_MAX_LENGTH} characters in all) must begin one of: "
            f"{spec.search.description}. Case-insensitive; 'lyso i03' = both words match.",
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


def list_params(spec: ListSpec) -> ListParams:
    """The validated list parameters of the current request (limits from the config)."""
    api_config = current_app.config["ISPYB_CONFIG"]["api"]
    return parse_list_args(
        request.args,
        spec,
        default_limit=api_config["default_limit"],
        max_limit=api_config["max_limit"],
    )
