"""Dumping read answers fast, with marshmallow's exact result.

``schema.dump(rows)`` walks every field of every row through marshmallow's generic
machinery (accessor, ``serialize``, ``missing`` checks, the field's ``_serialize``): a
page of 25 data collections with 80 fields each is 2,000 such walks. :func:`compiled_dump`
turns a schema *instance* into a plain Python function, generated from the schema's own
fields (no field is named here): for an object without ``__getitem__`` (an ORM row, a
dataclass) one dict display ``{"key": obj.attribute, ...}`` with each field's conversion
inlined (text, numbers, dates, UUIDs, nested schemas compiled the same way); for a dict,
the same with ``obj["attribute"]``. What is not reproduced inline falls back to
marshmallow for that field only (its own ``serialize``: Function, Method, Pluck, custom
fields, ``as_string`` numbers...), and a schema with dump hooks or its own accessor is
dumped by marshmallow altogether. When an attribute or key is missing (``dump_default``,
omitted fields, dotted attributes through a None), the row is dumped again by a slower
generated path that follows marshmallow's accessor step by step. The result equals
``schema.dump(obj)``; tests/shared/test_dumping.py checks it on every schema of every
service and, with :data:`VERIFY` on, on every answer of core's GETs over the demo data.
"""

from __future__ import annotations

import keyword
import os
from collections.abc import Callable
from typing import Any

from marshmallow import Schema, fields, missing
from marshmallow.decorators import POST_DUMP, PRE_DUMP
from marshmallow.utils import ensure_text_type, get_value

__all__ = ["VERIFY", "DumpMismatch", "compiled_dump", "is_compiled"]

Dump = Callable[[Any], Any]

# Tests set this (or ISPYB_VERIFY_DUMPS=1), read at every dump: each compiled dump is
# compared with marshmallow's and a difference raises DumpMismatch.
VERIFY = os.environ.get("ISPYB_VERIFY_DUMPS") == "1"


class DumpMismatch(AssertionError):
    """A compiled dump differed from marshmallow's (only raised with VERIFY on)."""


_MAX_DEPTH = 12
_depth = [0]


def _text(value: Any) -> Any:
    return None if value is None else ensure_text_type(value)


def _never(obj: Any) -> Any:
    raise _Slow


class _Slow(AttributeError, KeyError):
    """The fast path cannot read this field: the step-by-step path runs."""


def _plain(schema: Schema) -> bool:
    """The schema dumps by marshmallow's default machinery (no hooks, no own accessor)."""
    cls = type(schema)
    return (
        cls.dump is Schema.dump
        and cls._serialize is Schema._serialize
        and cls.get_attribute is Schema.get_attribute
        and schema.dict_class is dict
        and not schema._hooks[PRE_DUMP]
        and not schema._hooks[POST_DUMP]
    )


def _value_converter(field: fields.Field) -> tuple[str, Callable[[Any], Any] | None] | None:
    """How a field turns its value into JSON when that depends on the value alone:
    (kind, helper), or None when only the field's own ``serialize`` can say."""
    cls = type(field)
    if cls.serialize is not fields.Field.serialize or cls.get_value is not fields.Field.get_value:
        return None
    if not field._CHECK_ATTRIBUTE:
        return None
    method = cls._serialize
    if method is fields.Field._serialize:
        return ("raw", None)
    if method is fields.String._serialize:
        return ("text", _text)
    if method is fields.UUID._serialize:
        return ("str", str)
    if (
        method is fields.Number._serialize
        and not field.as_string
        and cls._format_num is fields.Number._format_num
    ):
        return ("number", field.num_type)
    if method is fields._TemporalField._serialize:
        data_format = field.format or field.DEFAULT_FORMAT
        format_func = field.SERIALIZATION_FUNCS.get(data_format)
        if format_func is None:
            return ("call", lambda value, _f=data_format: value.strftime(_f))
        return ("call", format_func)
    if method is fields.Nested._serialize:
        if _depth[0] >= _MAX_DEPTH:  # a schema nesting itself: marshmallow below this
            return None
        nested = field.schema
        _depth[0] += 1
        try:
            return ("call", _compile(nested, many=bool(nested.many or field.many)))
        finally:
            _depth[0] -= 1
    if method is fields.List._serialize:
        inner = _value_converter(field.inner)
        if inner is None:
            return None
        convert = _as_function(inner)
        return ("call", lambda value, _c=convert: [_c(each) for each in value])
    return None


def _as_function(converter: tuple[str, Callable[[Any], Any] | None]) -> Callable[[Any], Any]:
    kind, helper = converter
    if kind == "raw":
        return lambda value: value
    if kind == "text":
        return _text
    return lambda value, _h=helper: None if value is None else _h(value)


def _expression(converter: tuple[str, Callable | None], source: str, name: str) -> str:
    """Python text converting ``source`` (evaluated once) as the field would."""
    kind, _helper = converter
    if kind == "raw":
        return source
    if kind == "text":
        return f"(_v if (_v := {source}).__class__ is str else {name}(_v))"
    if kind == "number":
        return f"(_v if (_v := {source}).__class__ is {name} or _v is None else {name}(_v))"
    return f"(None if (_v := {source}) is None else {name}(_v))"


def _compile(schema: Schema, *, many: bool) -> Dump:
    one = _compile_one(schema)
    if not many:
        return one
    if one is None:
        return lambda objs, _s=schema: _s.dump(objs, many=True)
    return lambda objs, _one=one, _s=schema: (
        [_one(obj) for obj in objs] if objs is not None else _s.dump(objs, many=True)
    )


def _compile_one(schema: Schema) -> Dump:
    if not _plain(schema):
        return lambda obj, _s=schema: _s.dump(obj, many=False)
    namespace: dict[str, Any] = {
        "_M": missing,
        "_get": get_value,
        "_schema": schema,
        "_getattr": getattr,
        "_never": _never,
    }
    attr_items: list[str] = []
    dict_items: list[str] = []
    slow_lines: list[str] = []
    keys: list[str] = []
    maybe_missing: list[str] = []  # keys whose fallback serialize may answer missing
    for index, (attr_name, field) in enumerate(schema.dump_fields.items()):
        key = field.data_key if field.data_key is not None else attr_name
        keys.append(key)
        source_name = field.attribute if field.attribute is not None else attr_name
        converter = _value_converter(field)
        if converter is None:
            fallback = f"_s{index}"
            namespace[fallback] = lambda obj, _f=field, _n=attr_name, _a=schema.get_attribute: (
                _f.serialize(_n, obj, accessor=_a)
            )
            attr_items.append(f"{key!r}: {fallback}(obj)")
            dict_items.append(f"{key!r}: {fallback}(obj)")
            if field._CHECK_ATTRIBUTE:
                maybe_missing.append(key)
            slow_lines += [
                f"    _v = {fallback}(obj)",
                "    if _v is not _M:",
                f"        out[{key!r}] = _v",
            ]
            continue
        name = f"_c{index}"
        namespace[name] = converter[1]
        if "." in source_name:
            # A dotted attribute: marshmallow's accessor step by step (the slow path).
            attr_source = dict_source = "_never(obj)"
        elif source_name.isidentifier() and not keyword.iskeyword(source_name):
            attr_source, dict_source = f"obj.{source_name}", f"obj[{source_name!r}]"
        else:
            attr_source = f"_getattr(obj, {source_name!r})"
            dict_source = f"obj[{source_name!r}]"
        attr_items.append(f"{key!r}: {_expression(converter, attr_source, name)}")
        dict_items.append(f"{key!r}: {_expression(converter, dict_source, name)}")
        default = field.dump_default
        namespace[f"_d{index}"] = default
        slow_lines += [
            f"    _v = _get(obj, {source_name!r}, _M)",
            "    if _v is _M:",
            f"        _v = _d{index}() if callable(_d{index}) else _d{index}",
            "    if _v is not _M:",
            f"        out[{key!r}] = {_expression(converter, '_v', name)}",
        ]
    if len(set(keys)) != len(keys):
        # Two fields answering one key: marshmallow's order of overwriting is kept by
        # the step-by-step path alone.
        attr_items = dict_items = []
    prune = "".join(f"    if out[{key!r}] is _M: del out[{key!r}]\n" for key in maybe_missing)
    source = (
        "def _slow(obj):\n    out = {}\n"
        + "\n".join(slow_lines)
        + "\n    return out\n"
        + "def _by_attribute(obj):\n    out = {"
        + ", ".join(attr_items)
        + "}\n"
        + prune
        + "    return out\n"
        + "def _by_key(obj):\n    out = {"
        + ", ".join(dict_items)
        + "}\n"
        + prune
        + "    return out\n"
    )
    if not attr_items:
        source += "_by_attribute = _by_key = None\n"
    exec(compile(source, f"<dump of {type(schema).__name__}>", "exec"), namespace)
    slow, by_attribute, by_key = (
        namespace["_slow"],
        namespace["_by_attribute"],
        namespace["_by_key"],
    )
    if by_attribute is None:
        return slow
    attribute_types: set[type] = set()
    other_types: set[type] = set()

    def dump(obj: Any) -> Any:
        cls = obj.__class__
        if cls in attribute_types:
            try:
                return by_attribute(obj)
            except AttributeError:
                return slow(obj)
        if cls is dict:
            try:
                return by_key(obj)
            except (KeyError, TypeError):
                return slow(obj)
        if cls in other_types:
            return slow(obj)
        # marshmallow reads obj[key] first when the object has __getitem__; the plain
        # rows of ispyb_shared.plain (tuples: obj["key"] is a TypeError, after which
        # marshmallow reads the attribute) are read by attribute.
        by_attribute_too = getattr(cls, "_ispyb_by_attribute", False)
        (
            other_types if hasattr(obj, "__getitem__") and not by_attribute_too else attribute_types
        ).add(cls)
        return dump(obj)

    return dump


def compiled_dump(schema: Schema) -> Dump:
    """A function answering ``schema.dump(obj)`` (``many`` as the schema says)."""
    fast = _compile(schema, many=bool(schema.many))

    def dump(obj: Any) -> Any:
        if not VERIFY:
            return fast(obj)
        result = fast(obj)
        expected = schema.dump(obj)
        if result != expected or list(_keys(result)) != list(_keys(expected)):
            raise DumpMismatch(f"{type(schema).__name__}: {result!r} != {expected!r}")
        return result

    dump.fast = fast  # type: ignore[attr-defined]
    return dump


def _keys(value: Any):
    """Every key of a dump, in order, nested ones included (dict equality ignores order)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def is_compiled(schema: Schema) -> bool:
    """Whether ``schema`` is dumped by generated code (not by marshmallow altogether)."""
    return _plain(schema)
