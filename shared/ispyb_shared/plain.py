"""Plain-value reads: a mapped class's rows as light objects built from Core rows.

The ORM builds an instance a row (identity map, instance state, attribute events); a
read that only dumps its rows needs none of it. :class:`PlainRead` derives, from a
mapped class (the model stays the one definition of the columns), the columns of a
Core ``SELECT`` and a row class: a ``tuple`` subclass with one attribute a column (the
mapper's attribute keys), the model's Python ``property`` objects (``Proposal.name``,
``BLSession.visit``: they read attributes, which the row class has) and the to-one
relationships joined in the same statement (``BLSession.Proposal``), each a nested
row class of its own. A row is built by one generated function (``tuple.__new__`` over
the row's values): no identity map, no state, nothing to expire.

The compiled dumps (dumping.py) read these rows by attribute (``_ispyb_by_attribute``),
as marshmallow does: its accessor tries ``row["name"]``, which a tuple refuses with a
TypeError, and then ``getattr``. Only the reads that answer rows as they come use this
(no write, no lazy load): a relationship not declared here is not an attribute of the
row class (an AttributeError, as the models' ``lazy="raise"``).

    PROPOSAL = PlainRead(Proposal)
    statement = PROPOSAL.select().where(...)
    rows = [PROPOSAL.build(row) for row in session.execute(statement)]

``listing.paginate(..., plain=PROPOSAL)`` pages such a statement.
"""

from __future__ import annotations

from collections.abc import Mapping
from operator import itemgetter
from typing import Any

from sqlalchemy import Column, Select, inspect, select
from sqlalchemy.orm import ColumnProperty

__all__ = ["PlainRead", "is_plain", "set_loaded"]


def _object(cls: type, values: dict[str, Any]) -> Any:
    obj = cls.__new__(cls)
    obj.__dict__ = values
    return obj


def is_plain(obj: Any) -> bool:
    """Whether ``obj`` is a row object of a :class:`PlainRead` (not an ORM instance)."""
    return getattr(type(obj), "_ispyb_by_attribute", False)


def set_loaded(obj: Any, name: str, value: Any) -> None:
    """Set a loaded value: on an ORM instance as if loaded so (the session does not
    write it back: ``set_committed_value``), on a mutable plain row as an attribute."""
    if is_plain(obj):
        setattr(obj, name, value)
    else:
        from sqlalchemy.orm.attributes import set_committed_value

        set_committed_value(obj, name, value)


def _is_table_column(prop: ColumnProperty, table: Any) -> bool:
    return (
        len(prop.columns) == 1
        and isinstance(prop.columns[0], Column)
        and (prop.columns[0].table is table)
    )


def _is_query_expression(prop: ColumnProperty) -> bool:
    return dict(prop.strategy_key).get("query_expression", False)


_PREPARED = frozenset({"keys", "columns", "width", "row_class", "build", "_own"})


class PlainRead:
    """The plain read of ``entity`` (a mapped class).

    ``derived``: the mapper's column properties that are SQL expressions
    (``column_property`` subqueries, e.g. ``Proposal.personName``) are selected too
    (default); False: the table's columns only (a proposal nested in a session).
    ``expressions``: values of ``query_expression`` attributes for this read (what
    ``with_expression`` gives the ORM); the others are None, as the ORM leaves them.
    ``joined``: to-one relationships read in the same statement, name -> PlainRead of
    the related class; the caller's statement joins their tables (as ``contains_eager``
    needs); a relationship whose primary key is null (an outer join) is None.
    ``mutable``: rows are objects with a ``__dict__`` (not tuples), for a read that
    sets values after loading (:func:`set_loaded`), as on ORM objects.
    """

    def __init__(
        self,
        entity: type,
        *,
        derived: bool = True,
        expressions: Mapping[str, Any] | None = None,
        joined: Mapping[str, PlainRead] | None = None,
        mutable: bool = False,
    ) -> None:
        self.entity = entity
        self.mutable = mutable
        self.derived = derived
        self.expressions = dict(expressions or {})
        self.joined = dict(joined or {})
        self._prepared = False

    # Prepared on first use: the mapper's attributes need every model configured, which
    # a module defining a read at import time cannot count on.
    def __getattr__(self, name: str) -> Any:
        if name in _PREPARED and not self.__dict__.get("_prepared"):
            self._prepare()
            return getattr(self, name)
        raise AttributeError(name)

    def _prepare(self) -> None:
        entity, derived, joined = self.entity, self.derived, self.joined
        mapper = inspect(entity)
        expressions = dict(self.expressions)
        keys: list[str] = []
        columns: list[Any] = []
        constants: dict[str, Any] = {}
        for prop in mapper.column_attrs:
            key = prop.key
            if key in expressions:
                columns.append(expressions.pop(key))
            elif _is_table_column(prop, mapper.local_table):
                columns.append(prop.columns[0])
            elif _is_query_expression(prop):
                constants[key] = None
                continue
            elif derived:
                columns.append(prop.expression)
            else:
                continue
            keys.append(key)
        if expressions:
            raise ValueError(f"{entity.__name__}: no query_expression {sorted(expressions)}")
        relationships = mapper.relationships
        for name in joined:
            if name not in relationships or relationships[name].uselist:
                raise ValueError(f"{entity.__name__}.{name} is not a to-one relationship")
        self.keys = tuple(keys)
        # Labels: unique in any statement, whatever columns a caller adds.
        prefix = f"_p{id(self) % 100000}_"
        self._own = [column.label(f"{prefix}{index}") for index, column in enumerate(columns)]
        self.columns: list[Any] = list(self._own)
        for nested in joined.values():
            self.columns += nested.columns
        self.width = len(self.columns)
        self.row_class = self._row_class(entity, constants)
        self._prepared = True
        self.build = self.builder()

    def _row_class(self, entity: type, constants: dict[str, Any]) -> type:
        names = (*self.keys, *self.joined)
        namespace: dict[str, Any] = {"_ispyb_by_attribute": True}
        if not self.mutable:
            namespace["__slots__"] = ()
        for klass in reversed(entity.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, property) and name not in names:
                    namespace[name] = value
        if not self.mutable:
            for index, name in enumerate(names):
                namespace[name] = property(itemgetter(index), doc=f"{entity.__name__}.{name}")
        namespace.update(constants)
        base = tuple if not self.mutable else object
        return type(f"Plain{entity.__name__}", (base,), namespace)

    def _source(self, start: int, namespace: dict[str, Any]) -> tuple[str, int]:
        """Python text building this row class from ``row[start:]``; the next index."""
        name = f"_C{len(namespace)}"
        namespace[name] = self.row_class
        items = [f"row[{start + index}]" for index in range(len(self._own))]
        position = start + len(self._own)
        for nested in self.joined.values():
            text, after = nested._source(position, namespace)
            key_index = position + nested._primary_index()
            items.append(f"(None if row[{key_index}] is None else {text})")
            position = after
        if self.mutable:
            names = (*self.keys, *self.joined)
            pairs = ", ".join(f"{key!r}: {item}" for key, item in zip(names, items, strict=True))
            return f"_object({name}, {{{pairs}}})", position
        return f"_new({name}, ({', '.join(items)},))", position

    def _primary_index(self) -> int:
        if not self._prepared:
            self._prepare()
        return self.keys.index(inspect(self.entity).primary_key[0].key)

    def builder(self, start: int = 0, *, optional: bool = False):
        """A function building a row object from ``row[start:]`` (a Core row or tuple);
        ``optional``: None when the primary key is null (an outer join found nothing)."""
        if not self._prepared:
            self._prepare()
        namespace: dict[str, Any] = {"_new": tuple.__new__, "_object": _object}
        text, _ = self._source(start, namespace)
        if optional:
            text = f"None if row[{start + self._primary_index()}] is None else {text}"
        code = f"def build(row):\n    return {text}\n"
        exec(compile(code, f"<plain read of {self.entity.__name__}>", "exec"), namespace)
        return namespace["build"]

    def select(self) -> Select:
        """``SELECT`` of the columns, from the entity's table (the caller joins those
        of ``joined``)."""
        return select(*self.columns).select_from(self.entity)

    def all(self, result: Any) -> list[Any]:
        """The rows of a result (of a statement of :meth:`select`) as row objects."""
        build = self.build
        return [build(row) for row in result]
