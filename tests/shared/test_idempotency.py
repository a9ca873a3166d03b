"""Idempotency-Key on every create: replay, reuse refused, per caller, nothing stored for a
failed create, expiry, racing duplicates; in each service's own IdempotencyRecord table
(ssx, em, auth here, on a tiny app over the service's migrated database; core through its
real endpoints in tests/core/test_idempotency.py)."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import threading

import pytest
from flask import request
from flask_restx import Namespace, Resource
from marshmallow import Schema, fields
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, func, select

from ispyb_shared.app import create_service_app
from ispyb_shared.db import db_session
from ispyb_shared.errors import Conflict
from ispyb_shared.idempotency import init_idempotency, purge_expired
from ispyb_shared.migrations import upgrade
from ispyb_shared.operations import operation
from tests.conftest import fresh_database_url

TINY = "/ispyb/api/v1/tiny"
KEY = {"Idempotency-Key": "order-7f3a"}

# A table of the tests' own, beside the service's migrated tables.
THINGS = Table(
    "IdempotencyTestThing",
    MetaData(),
    Column("thingId", Integer, primary_key=True),
    Column("name", String(50), nullable=False),
)


class ThingCreate(Schema):
    name = fields.String(required=True)


class ThingRead(Schema):
    thingId = fields.Integer()
    name = fields.String()


def _create_thing(body) -> dict:
    session = db_session()
    thing_id = session.execute(THINGS.insert().values(name=body["name"])).inserted_primary_key[0]
    if body["name"] == "refused":
        # Refused after writing: the transaction, thing and claim, is rolled back.
        raise Conflict("Refused after the insert.", {"name": ["Refused."]})
    return {"thingId": thing_id, "name": body["name"]}


def _tiny_namespace() -> Namespace:
    ns = Namespace("things", path="/things")

    @ns.route("")
    class Things(Resource):
        @operation(ns, body=ThingCreate, response=ThingRead, status=201, errors=(409,))
        def post(self, *, body):
            """Create a thing."""
            return _create_thing(body)

    @ns.route("/unkeyed")
    class UnkeyedThings(Resource):
        @operation(ns, body=ThingCreate, response=ThingRead, status=201, idempotent=False)
        def post(self, *, body):
            """Create a thing; the Idempotency-Key is not looked at."""
            return _create_thing(body)

    @ns.route("/uploaded")
    class UploadedThings(Resource):
        @operation(
            ns,
            body=ThingCreate,
            response=ThingRead,
            status=201,
            load=lambda schema: {
                "name": schema.load(request.form.to_dict())["name"]
                + request.files["label"].read().decode()
            },
        )
        def post(self, *, body):
            """Create a thing from a form with a file."""
            return _create_thing(body)

    return ns


@pytest.fixture(scope="module", params=("ssx", "em", "auth"))
def tiny_app(request, backend, tmp_path_factory, tokens):
    service = request.param
    url = fresh_database_url(backend, request, tmp_path_factory, f"idem_{service}")
    upgrade(
        package=f"ispyb_{service}", database_url=url, version_table=f"{service}_alembic_version"
    )
    engine = create_engine(url)
    THINGS.create(engine)
    engine.dispose()
    app = create_service_app(
        service="tiny",
        title="tiny",
        description="a service for the idempotency tests",
        config={
            "database": {"url": url},
            "api": {"max_content_length": 1 << 20, "default_limit": 25, "max_limit": 100},
            "logging": {"level": "INFO", "json": True},
            "auth": tokens.settings(),
        },
        namespaces=[_tiny_namespace()],
    )
    model = importlib.import_module(f"ispyb_{service}.database").IdempotencyRecord
    init_idempotency(app, model)
    app.extensions["test_model"] = model
    yield app
    app.extensions["ispyb_database"].dispose()


@pytest.fixture
def tiny(tiny_app, tokens):
    model = tiny_app.extensions["test_model"]
    with tiny_app.extensions["ispyb_database"].engine.begin() as connection:
        connection.execute(THINGS.delete())
        connection.execute(model.__table__.delete())
    client = tiny_app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = tokens.user("alice")["Authorization"]
    return client


def _count(app, table) -> int:
    with app.extensions["ispyb_database"].engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar()


def _records(app):
    model = app.extensions["test_model"]
    with app.extensions["ispyb_database"].engine.connect() as connection:
        return connection.execute(select(model.__table__)).mappings().all()


def test_a_retry_gets_the_first_answer_and_creates_nothing(tiny, tiny_app):
    created = tiny.post(f"{TINY}/things", json={"name": "cup"}, headers=KEY)
    assert created.status_code == 201
    assert "Idempotent-Replayed" not in created.headers
    replayed = tiny.post(f"{TINY}/things", json={"name": "cup"}, headers=KEY)
    assert replayed.status_code == 200
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json == created.json
    # The same JSON written another way is the same request.
    again = tiny.post(
        f"{TINY}/things", data=' { "name" :  "cup" } ', content_type="application/json", headers=KEY
    )
    assert again.status_code == 200
    assert again.json == created.json
    assert _count(tiny_app, THINGS) == 1
    [record] = _records(tiny_app)
    assert record["idempotencyKey"] == "order-7f3a"
    assert record["caller"] == "user:alice"
    assert record["operation"] == "POST /ispyb/api/v1/tiny/things"
    assert record["responseStatus"] == 201


def test_without_a_key_every_post_creates(tiny, tiny_app):
    assert tiny.post(f"{TINY}/things", json={"name": "cup"}).status_code == 201
    assert tiny.post(f"{TINY}/things", json={"name": "cup"}).status_code == 201
    assert _count(tiny_app, THINGS) == 2
    assert _records(tiny_app) == []


def test_the_same_key_for_another_request_is_refused(tiny, tiny_app):
    assert tiny.post(f"{TINY}/things", json={"name": "cup"}, headers=KEY).status_code == 201
    for other in (
        tiny.post(f"{TINY}/things", json={"name": "mug"}, headers=KEY),
        tiny.post(f"{TINY}/things?x=1", json={"name": "cup"}, headers=KEY),
    ):
        assert other.status_code == 422
        assert other.json["code"] == "IDEMPOTENCY_KEY_REUSED"
        assert "Idempotency-Key" in other.json["details"]
    assert _count(tiny_app, THINGS) == 1


def test_keys_are_per_caller(tiny, tiny_app, tokens):
    assert tiny.post(f"{TINY}/things", json={"name": "cup"}, headers=KEY).status_code == 201
    bob = {**KEY, **tokens.user("bob")}
    assert tiny.post(f"{TINY}/things", json={"name": "cup"}, headers=bob).status_code == 201
    # A machine client named like a user is another caller.
    machine = {**KEY, **tokens.machine("alice")}
    assert tiny.post(f"{TINY}/things", json={"name": "mug"}, headers=machine).status_code == 201
    assert _count(tiny_app, THINGS) == 3
    assert tiny.post(f"{TINY}/things", json={"name": "cup"}, headers=bob).status_code == 200


@pytest.mark.parametrize("key", ["", " ", "a b", "x" * 256, "café", "tab\there"])
def test_a_malformed_key_is_a_400_naming_the_header(tiny, tiny_app, key):
    refused = tiny.post(f"{TINY}/things", json={"name": "cup"}, headers={"Idempotency-Key": key})
    assert refused.status_code == 400
    assert refused.json["code"] == "BAD_REQUEST"
    assert "Idempotency-Key" in refused.json["details"]
    assert _count(tiny_app, THINGS) == 0


def test_the_longest_key_is_accepted(tiny):
    key = {"Idempotency-Key": "~" * 255}
    assert tiny.post(f"{TINY}/things", json={"name": "cup"}, headers=key).status_code == 201
    assert tiny.post(f"{TINY}/things", json={"name": "cup"}, headers=key).status_code == 200


def test_a_failed_create_stores_nothing(tiny, tiny_app):
    refused = tiny.post(f"{TINY}/things", json={"name": "refused"}, headers=KEY)
    assert refused.status_code == 409
    assert _records(tiny_app) == []
    assert _count(tiny_app, THINGS) == 0
    # Invalid bodies store nothing either; the key stays free for the real request.
    assert tiny.post(f"{TINY}/things", json={}, headers=KEY).status_code == 422
    assert tiny.post(f"{TINY}/things", json={"name": "cup"}, headers=KEY).status_code == 201


def test_an_operation_that_opts_out_ignores_the_key(tiny, tiny_app):
    for _ in range(2):
        created = tiny.post(f"{TINY}/things/unkeyed", json={"name": "cup"}, headers=KEY)
        assert created.status_code == 201
    assert _count(tiny_app, THINGS) == 2


def test_expired_records_are_ignored_and_purged(tiny, tiny_app):
    model = tiny_app.extensions["test_model"]
    assert tiny.post(f"{TINY}/things", json={"name": "cup"}, headers=KEY).status_code == 201
    old = tiny.post(f"{TINY}/things", json={"name": "old"}, headers={"Idempotency-Key": "old"})
    assert old.status_code == 201
    day_and_more = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=25)
    with tiny_app.extensions["ispyb_database"].engine.begin() as connection:
        connection.execute(model.__table__.update().values(createdAt=day_and_more))
    # Expired (api.idempotency_hours, 24 by default): the key is free again.
    created = tiny.post(f"{TINY}/things", json={"name": "mug"}, headers=KEY)
    assert created.status_code == 201
    assert _count(tiny_app, THINGS) == 3
    with tiny_app.app_context():
        assert purge_expired(model, lifetime=dt.timedelta(hours=24)) == 1
    assert [record["idempotencyKey"] for record in _records(tiny_app)] == ["order-7f3a"]
    assert tiny.post(f"{TINY}/things", json={"name": "mug"}, headers=KEY).status_code == 200


def test_racing_duplicates_create_one_row(tiny_app, tiny, tokens):
    headers = {**KEY, **tokens.user("alice")}
    start = threading.Barrier(6)
    answers = []

    def post():
        client = tiny_app.test_client()
        start.wait()
        response = client.post(f"{TINY}/things", json={"name": "cup"}, headers=headers)
        answers.append((response.status_code, response.json))

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(status for status, _ in answers)
    assert statuses.count(201) == 1, answers
    assert set(statuses) <= {200, 201, 409}, answers
    created = next(body for status, body in answers if status == 201)
    assert all(body == created for status, body in answers if status == 200)
    assert _count(tiny_app, THINGS) == 1


def test_a_form_with_a_file_is_compared_by_its_fields_and_files(tiny, tiny_app):
    def upload(name, label):
        return tiny.post(
            f"{TINY}/things/uploaded",
            data={"name": name, "label": (io.BytesIO(label), "label.txt")},
            content_type="multipart/form-data",
            headers=KEY,
        )

    created = upload("cup", b"-blue")
    assert created.status_code == 201, created.json
    assert created.json["name"] == "cup-blue"
    assert upload("cup", b"-blue").status_code == 200
    other_file = upload("cup", b"-red")
    assert other_file.status_code == 422
    assert other_file.json["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert upload("mug", b"-blue").status_code == 422
    assert _count(tiny_app, THINGS) == 1


def test_the_document_shows_the_header_and_the_replay(tiny):
    document = tiny.get(f"{TINY}/swagger.json").json
    post = document["paths"]["/things"]["post"]
    header = next(p for p in post["parameters"] if p["name"] == "Idempotency-Key")
    assert header["in"] == "header"
    assert not header["required"]
    assert post["responses"]["200"]["schema"]["$ref"] == "#/definitions/ThingRead"
    assert {"201", "400", "409", "422"} <= set(post["responses"])
    unkeyed = document["paths"]["/things/unkeyed"]["post"]
    assert "Idempotency-Key" not in {p["name"] for p in unkeyed.get("parameters", [])}
