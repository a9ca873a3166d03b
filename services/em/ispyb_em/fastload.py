"""Loading large, well-formed bodies fast, with marshmallow's exact semantics.

A batch of a thousand movies with their results is ~45,000 fields; marshmallow needs about
a quarter of a second to load it, more than the database needs to store it. A
:class:`FastLoader` compiles a marshmallow schema into plain Python checks that accept
only the common, unambiguous spellings (a JSON number for a number, an ISO date-time
without zone, a canonical UUID...) and produce exactly what marshmallow would produce,
running the fields' own validators. Anything else (a missing required field, a wrong
type, a value a validator refuses, an unknown field, a rarer spelling marshmallow
accepts) makes it give up, and marshmallow loads the body instead: it accepts the rarer
spellings and reports errors with its usual messages. So the result, and every error,
is marshmallow's; only the time differs.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, missing, validate
from marshmallow.decorators import POST_LOAD, PRE_LOAD, VALIDATES, VALIDATES_SCHEMA

from ispyb_shared.schemas import NaiveDateTime, StrictInteger
from ispyb_shared.uuids import parse_uuid

from .schemas import CanonicalUUID

Loader = Callable[[Any], Any]
_NAIVE_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?")


class _GiveUp(Exception):
    """The input is not in the fast path's subset: let marshmallow load it."""


class _Uncompilable(Exception):
    """The schema uses something the fast path does not reproduce."""


class FastLoader:
    """``load(data)`` like ``schema.load(data)``, faster on well-formed input."""

    def __init__(self, schema: Schema):
        self.schema = schema
        try:
            self._fast: Loader | None = _compile_schema(schema, schema.unknown)
        except _Uncompilable:
            self._fast = None

    @property
    def compiled(self) -> bool:
        return self._fast is not None

    def load(self, data: Any, *, partial: bool = False) -> Any:
        if self._fast is not None and not partial:
            try:
                return self._fast(data)
            except _GiveUp:
                pass
        return self.schema.load(data, partial=partial)


def _compile_schema(schema: Schema, unknown: str) -> Loader:
    hooks = schema._hooks
    post_load = [name for name, *_ in hooks[POST_LOAD] if not _returns_data(schema, name)]
    if hooks[PRE_LOAD] or post_load or hooks[VALIDATES] or unknown not in (RAISE, EXCLUDE):
        raise _Uncompilable
    schema_validators = []
    for name, pass_collection, options in hooks[VALIDATES_SCHEMA]:
        if pass_collection or options.get("pass_original"):
            raise _Uncompilable
        schema_validators.append(getattr(schema, name))
    plan = []
    for attr_name, field in schema.load_fields.items():
        key = field.data_key if field.data_key is not None else attr_name
        plan.append(
            (
                key,
                field.attribute or attr_name,
                _compile_field(field),
                field.required,
                field.allow_none,
                field.load_default,
            )
        )
    accepted = frozenset(key for key, *_ in plan)
    refuse_unknown = unknown == RAISE

    def load(data: Any) -> dict[str, Any]:
        if type(data) is not dict or (refuse_unknown and not accepted.issuperset(data)):
            raise _GiveUp
        result: dict[str, Any] = {}
        for key, attribute, load_value, required, allow_none, default in plan:
            if key in data:
                value = data[key]
                if value is None:
                    if not allow_none:
                        raise _GiveUp
                    result[attribute] = None
                else:
                    result[attribute] = load_value(value)
            elif required:
                raise _GiveUp
            elif default is not missing:
                result[attribute] = default() if callable(default) else default
        for validator in schema_validators:
            try:
                validator(result, partial=None, many=False, unknown=unknown)
            except ValidationError:
                raise _GiveUp from None
        return result

    return load


def _returns_data(schema: Schema, hook_name: str) -> bool:
    """marshmallow-sqlalchemy's make_instance returns the data as loaded unless the schema
    loads model instances."""
    return hook_name == "make_instance" and not getattr(schema.opts, "load_instance", True)


def _compile_field(field: fields.Field) -> Loader:
    load_value = _value_loader(field)
    bounds = [
        (validator.min, validator.max)
        for validator in field.validators
        if type(validator) is validate.Range
        and validator.min_inclusive
        and validator.max_inclusive
        and validator.min is not None
        and validator.max is not None
    ]
    others = [validator for validator in field.validators if type(validator) is not validate.Range]
    if len(bounds) + len(others) != len(field.validators):
        others = list(field.validators)
        bounds = []
    # Inclusive ranges are the common validator (every number column has one): checked
    # inline; the others are called as they are.
    low = max((bound[0] for bound in bounds), default=None)
    high = min((bound[1] for bound in bounds), default=None)
    if not others and low is None:
        return load_value

    def load_and_validate(value: Any) -> Any:
        result = load_value(value)
        if low is not None and not low <= result <= high:
            raise _GiveUp
        for validator in others:
            try:
                validator(result)
            except ValidationError:
                raise _GiveUp from None
        return result

    return load_and_validate


def _value_loader(field: fields.Field) -> Loader:
    if type(field) is fields.Nested:
        if getattr(field, "many", False):
            raise _Uncompilable
        nested = field.schema
        return _compile_schema(nested, field.unknown or nested.unknown)
    if type(field) is fields.List:
        load_item = _compile_field(field.inner)

        def load_list(value: Any) -> list[Any]:
            if type(value) is not list:
                raise _GiveUp
            return [load_item(item) for item in value]

        return load_list
    loader = _LOADERS.get(type(field))
    if loader is not None:
        return loader
    if type(field) in _DATETIME_FIELDS and field.format in (None, "iso"):
        return _load_naive_datetime
    return _always_give_up


def _load_uuid(value: Any) -> str:
    if type(value) is not str:
        raise _GiveUp
    canonical = parse_uuid(value)
    if canonical is None:
        raise _GiveUp
    return canonical


def _load_string(value: Any) -> str:
    if type(value) is not str:
        raise _GiveUp
    return value


def _load_boolean(value: Any) -> bool:
    if type(value) is not bool:
        raise _GiveUp
    return value


def _load_integer(value: Any) -> int:
    if type(value) is not int:
        raise _GiveUp
    return value


def _load_float(value: Any) -> float:
    if type(value) is not float and type(value) is not int:
        raise _GiveUp
    result = float(value)
    if not math.isfinite(result):
        raise _GiveUp
    return result


def _load_naive_datetime(value: Any) -> dt.datetime:
    if type(value) is not str or not _NAIVE_ISO_DATETIME.fullmatch(value):
        raise _GiveUp
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise _GiveUp from None


def _always_give_up(_value: Any) -> Any:
    raise _GiveUp


# Exactly these classes: a subclass may deserialise differently, so it is left to
# marshmallow.
_LOADERS: dict[type, Loader] = {
    CanonicalUUID: _load_uuid,
    fields.String: _load_string,
    fields.Boolean: _load_boolean,
    fields.Integer: _load_integer,
    StrictInteger: _load_integer,
    fields.Float: _load_float,
}
_DATETIME_FIELDS = (fields.NaiveDateTime, NaiveDateTime)
