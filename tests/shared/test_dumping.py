"""Compiled dumps (ispyb_shared.dumping) answer exactly what marshmallow's dump answers.

Two ways: every marshmallow schema of every service and of the shared package, dumped
from synthetic rows (objects, dicts, rows missing attributes, None everywhere); and every
GET of core over the demo data (and the authorization matrix's rows), both backends, with
``dumping.VERIFY`` on, which compares each compiled dump of a request with marshmallow's.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
import re
import uuid
from types import SimpleNamespace

import pytest
from marshmallow import Schema, fields

from ispyb_shared import dumping
from ispyb_shared.dumping import compiled_dump, is_compiled

CORE = "/ispyb/api/v1/core"
PACKAGES = ("ispyb_shared", "ispyb_core", "ispyb_em", "ispyb_ssx", "ispyb_auth")


def _all_schemas() -> list[type[Schema]]:
    found: dict[str, type[Schema]] = {}
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        for module_info in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            if not module_info.name.endswith(("schemas", "config", "api")):
                continue
            try:
                module = importlib.import_module(module_info.name)
            except Exception:  # a module needing a running service; its schemas live elsewhere
                continue
            for value in vars(module).values():
                if (
                    inspect.isclass(value)
                    and issubclass(value, Schema)
                    and value.__module__ == module.__name__
                ):
                    found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


SCHEMAS = _all_schemas()


def test_the_schemas_of_every_service_are_found():
    packages = {schema.__module__.split(".")[0] for schema in SCHEMAS}
    assert packages >= {"ispyb_core", "ispyb_em", "ispyb_ssx", "ispyb_auth", "ispyb_shared"}
    assert len(SCHEMAS) > 100


def _value(field: fields.Field, depth: int, variant: int):
    """A value the field dumps (None for every other variant, to test nulls)."""
    if variant == 1:
        return None
    if isinstance(field, fields.Nested):
        nested = field.schema
        row = _row(nested, depth + 1, variant) if depth < 3 else None
        return [row, row] if (nested.many or field.many) and row is not None else row
    if isinstance(field, fields.List):
        return [_value(field.inner, depth, variant)]
    if isinstance(field, fields.Dict):
        return {"a": 1}
    if isinstance(field, fields.Boolean):
        return variant == 0
    if isinstance(field, fields.Integer):
        return 7 if variant == 0 else True  # a bool where an int is: int(True)
    if isinstance(field, fields.Float | fields.Decimal):
        return 1.25 if variant == 0 else 3  # an int where a float is: float(3)
    if isinstance(field, fields.DateTime):
        return dt.datetime(2026, 3, 1, 9, 0, 0, 123456 * (variant == 0))
    if isinstance(field, fields.Date):
        return dt.date(2026, 3, 1)
    if isinstance(field, fields.UUID):
        return uuid.UUID(int=variant + 1)
    if isinstance(field, fields.String):
        return "text" if variant == 0 else b"bytes"
    return 5 if variant == 0 else "raw"


def _row(schema: Schema, depth: int, variant: int) -> dict:
    row = {}
    for name, field in schema.dump_fields.items():
        source = field.attribute or name
        if "." in source:
            head, _, rest = source.partition(".")
            row[head] = SimpleNamespace(**{rest: _value(field, depth, variant)})
        else:
            row[source] = _value(field, depth, variant)
    return row


def _outcome(dump, obj):
    try:
        return "ok", dump(obj)
    except Exception as error:  # the same failure is expected of both
        return "error", type(error).__name__


def _ordered_keys(value):
    return list(dumping._keys(value))


@pytest.mark.parametrize("schema_class", SCHEMAS, ids=lambda s: f"{s.__module__}.{s.__name__}")
def test_compiled_dump_equals_marshmallow_on_every_schema(schema_class):
    try:
        schema = schema_class()
    except TypeError:
        pytest.fail(f"{schema_class.__name__} cannot be built without arguments")
    dump = compiled_dump(schema).fast
    rows = []
    for variant in (0, 1, 2):
        data = _row(schema, 0, variant)
        rows.append(data)  # a dict: read by key
        rows.append(SimpleNamespace(**data))  # an object: read by attribute
        if data:
            first = next(iter(data))
            partial = {key: value for key, value in data.items() if key != first}
            rows.append(partial)  # a key missing: dump_default or left out
            rows.append(SimpleNamespace(**partial))
    for obj in rows:
        expected = _outcome(schema.dump, obj)
        got = _outcome(dump, obj)
        assert got == expected, (schema_class.__name__, obj)
        if expected[0] == "ok":
            assert _ordered_keys(got[1]) == _ordered_keys(expected[1])
    many = compiled_dump(schema_class(many=True)).fast
    assert _outcome(many, rows[:2]) == _outcome(schema_class(many=True).dump, rows[:2])


def test_most_response_schemas_are_compiled():
    """Only schemas with dump hooks or their own accessor go to marshmallow whole."""
    reads = [schema for schema in SCHEMAS if schema.__name__.endswith("Read")]
    assert reads
    assert [schema.__name__ for schema in reads if not is_compiled(schema())] == []


class _Row:
    """An ORM-like row: attributes, no __getitem__."""

    def __init__(self, **values):
        self.__dict__.update(values)


def test_fallbacks_and_missing_attributes_follow_marshmallow():
    class Child(Schema):
        name = fields.String()

    class Odd(Schema):
        plain = fields.Integer()
        renamed = fields.String(attribute="other", data_key="shown")
        dotted = fields.String(attribute="child.name")
        defaulted = fields.Integer(dump_default=lambda: 42)
        function = fields.Function(lambda obj: "f")
        method = fields.Method("twice")
        pluck = fields.Pluck(Child, "name")
        text_number = fields.Float(as_string=True)
        children = fields.List(fields.Nested(Child))
        when = fields.DateTime(format="%Y")

        def twice(self, obj):
            plain = getattr(obj, "plain", None)
            return None if plain is None else 2 * plain

    schema = Odd()
    child = _Row(name="c")
    full = _Row(
        plain=1,
        other=b"x",
        child=child,
        defaulted=3,
        pluck=child,
        text_number=2,
        children=[child],
        when=dt.datetime(2026, 1, 2),
    )
    for obj in (full, _Row(plain=None, child=None), {"plain": 1, "child": {"name": "d"}}):
        got, expected = compiled_dump(schema).fast(obj), schema.dump(obj)
        assert got == expected
        assert _ordered_keys(got) == _ordered_keys(expected)


def test_a_schema_with_dump_hooks_is_dumped_by_marshmallow():
    from marshmallow import post_dump

    class Hooked(Schema):
        value = fields.Integer()

        @post_dump
        def add(self, data, **kwargs):
            data["added"] = True
            return data

    assert not is_compiled(Hooked())
    assert compiled_dump(Hooked()).fast(_Row(value=1)) == {"value": 1, "added": True}


def test_verify_mode_finds_a_difference(monkeypatch):
    class One(Schema):
        value = fields.Integer()

    monkeypatch.setattr(dumping, "VERIFY", True)
    assert compiled_dump(One())(_Row(value=1)) == {"value": 1}
    monkeypatch.setattr(dumping, "_compile", lambda schema, many: lambda obj: {"value": 0})
    with pytest.raises(dumping.DumpMismatch):
        compiled_dump(One())(_Row(value=1))


def _core_get_urls(client) -> list[str]:
    """Every GET of core over what the database holds: lists, and each route with one
    path parameter filled with the refs its collection's list answers."""
    app = client.application
    rules = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(CORE) and "GET" in rule.methods and "swagger" not in rule.rule
    ]
    urls = [rule for rule in rules if "<" not in rule]
    lists: dict[str, list] = {}
    for rule in rules:
        params = re.findall(r"<[^>]+>", rule)
        if len(params) != 1:
            continue
        collection = rule[len(CORE) :].split("/")[1]
        if collection not in lists:
            answer = client.get(f"{CORE}/{collection}?limit=100")
            results = answer.json.get("results", []) if answer.status_code == 200 else []
            lists[collection] = results if isinstance(results, list) else []
        for row in lists[collection][:6]:
            ref = row.get("uuid") if isinstance(row, dict) else None
            if ref is None and isinstance(row, dict):
                ref = next((v for k, v in row.items() if k.endswith("Id") and v), None)
            if ref is not None:
                urls.append(rule.replace(params[0], str(ref)))
    return urls


def test_every_core_get_over_the_demo_data_dumps_as_marshmallow(
    client, core_db, factory, monkeypatch
):
    from ispyb_core.demo import seed_demo
    from tests.core.test_authorization import MATRIX, World

    seed_demo(core_db)
    world = World(factory)
    monkeypatch.setattr(dumping, "VERIFY", True)
    urls = _core_get_urls(client)
    urls += [CORE + url(world) for method, url, body, _ in MATRIX.values() if method == "get"]
    urls += [
        f"{CORE}/sessions/mx1001-1/data-collections?limit=100",
        f"{CORE}/data-collections?limit=100&fields=uuid,imagePrefix",
        f"{CORE}/shipments?limit=100",
    ]
    answered = 0
    for url in dict.fromkeys(urls):
        response = client.get(url)
        assert response.status_code < 500, (url, response.data[:300])
        answered += response.status_code == 200
    assert answered > 100, answered
