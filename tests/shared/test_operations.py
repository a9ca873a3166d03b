"""The operation decorator: body loaded and validated, result dumped, list envelope, status,
and all of it in the OpenAPI document from the same schemas."""

from __future__ import annotations

import pytest
from flask import request
from flask_restx import Namespace, Resource
from marshmallow import Schema, fields, validate

from ispyb_shared.app import create_service_app
from ispyb_shared.auth import Forbidden
from ispyb_shared.errors import InvalidParameter
from ispyb_shared.listing import ListSpec, Page
from ispyb_shared.operations import Expand, Reply, operation

TINY = "/ispyb/api/v1/tiny"


class ThingCreate(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=10))


class ThingRead(Schema):
    name = fields.String()
    size = fields.Integer()


class Thing:
    def __init__(self, name: str, size: int):
        self.name = name
        self.size = size
        self.secret = "not dumped"


STORE: dict[str, Thing] = {}


def writers_only():
    if request.headers.get("X-Role") != "writer":
        raise Forbidden("Only writers may do that.")


@pytest.fixture
def tiny():
    STORE.clear()
    ns = Namespace("things", path="/things")

    @ns.route("")
    class Things(Resource):
        @operation(ns, response=ThingRead, list_spec=ListSpec())
        def get(self, *, params):
            """List things."""
            rows = list(STORE.values())[params.offset : params.offset + params.limit]
            return Page(total=len(STORE), limit=params.limit, offset=params.offset, results=rows)

        @operation(ns, body=ThingCreate, response=ThingRead, status=201, errors=(409,))
        def post(self, *, body):
            """Create a thing; the same name again is a replay (200)."""
            if body["name"] in STORE:
                return Reply(STORE[body["name"]], 200, {"X-Replayed": "yes"})
            STORE[body["name"]] = Thing(body["name"], len(body["name"]))
            return STORE[body["name"]]

    @ns.route("/<string:name>")
    class ThingItem(Resource):
        @operation(ns, response=ThingRead, errors=(404,))
        def get(self, name):
            """Get a thing."""
            return STORE[name]

        @operation(ns, body=ThingCreate, partial=True, response=ThingRead)
        def patch(self, name, *, body):
            """Rename nothing, report the partial body's size."""
            STORE[name].size = len(body)
            return STORE[name]

        @operation(ns, body=ThingCreate, authorize=writers_only, status=204, errors=(403,))
        def put(self, name, *, body):
            """Writers only, checked before the body."""

        @operation(ns, status=204, errors=(404,))
        def delete(self, name):
            """Delete a thing."""
            del STORE[name]

    @ns.route("/all")
    class AllThings(Resource):
        @operation(ns, response=ThingRead, many=True)
        def get(self):
            """Every thing, a bare list."""
            return list(STORE.values())

    @ns.route("/batches")
    class Batches(Resource):
        @operation(ns, body=ThingCreate, as_sent=True, status=202)
        def post(self, *, body):
            """The service checks the batch itself: it gets the object as sent."""
            return {"received": body}

    app = create_service_app(
        service="tiny",
        title="tiny",
        description="a service for the operation tests",
        config={
            "database": {"url": "sqlite://"},
            "api": {"max_content_length": 1 << 20, "default_limit": 25, "max_limit": 100},
            "logging": {"level": "INFO", "json": True},
        },
        namespaces=[ns],
    )
    return app.test_client()


def test_body_is_loaded_result_dumped_with_the_declared_status(tiny):
    created = tiny.post(f"{TINY}/things", json={"name": "cup"})
    assert created.status_code == 201
    assert created.json == {"name": "cup", "size": 3}
    replayed = tiny.post(f"{TINY}/things", json={"name": "cup"})
    assert replayed.status_code == 200
    assert replayed.headers["X-Replayed"] == "yes"
    assert tiny.get(f"{TINY}/things/cup").json == {"name": "cup", "size": 3}
    assert tiny.patch(f"{TINY}/things/cup", json={}).json["size"] == 0
    deleted = tiny.delete(f"{TINY}/things/cup")
    assert deleted.status_code == 204
    assert deleted.data == b""


def test_bad_body_is_refused_in_the_envelope_naming_the_field(tiny):
    refused = tiny.post(f"{TINY}/things", json={"name": ""})
    assert refused.status_code == 422
    assert refused.json["code"] == "VALIDATION_ERROR"
    assert "name" in refused.json["details"]
    assert tiny.post(f"{TINY}/things", data="name=x").status_code == 415
    assert tiny.get(f"{TINY}/things").json["results"] == []


def test_who_may_call_is_checked_before_the_body(tiny):
    refused = tiny.put(f"{TINY}/things/x", json={"name": ""})
    assert refused.status_code == 403
    assert refused.json["code"] == "FORBIDDEN"
    invalid = tiny.put(f"{TINY}/things/x", json={"name": ""}, headers={"X-Role": "writer"})
    assert invalid.status_code == 422
    accepted = tiny.put(f"{TINY}/things/x", json={"name": "x"}, headers={"X-Role": "writer"})
    assert accepted.status_code == 204


def test_lists_answer_the_envelope_and_check_their_parameters(tiny):
    for name in ("a", "bb", "ccc"):
        tiny.post(f"{TINY}/things", json={"name": name})
    page = tiny.get(f"{TINY}/things?limit=2").json
    assert page["total"] == 3
    assert page["limit"] == 2
    assert page["results"] == [{"name": "a", "size": 1}, {"name": "bb", "size": 2}]
    assert page["links"]["self"] == f"{TINY}/things?limit=2" and page["links"]["prev"] is None
    second = tiny.get(f"{TINY}/things?limit=2&offset=2&fields=name").json
    assert second["results"] == [{"name": "ccc"}]
    assert second["links"]["prev"] == f"{TINY}/things?limit=2&fields=name&offset=0"
    assert tiny.get(second["links"]["prev"]).json["results"] == [{"name": "a"}, {"name": "bb"}]
    assert tiny.get(f"{TINY}/things?limit=2&offset=1").json["links"]["prev"].endswith("offset=0")
    assert tiny.get(f"{TINY}/things?limit=-1").status_code == 400
    assert tiny.get(f"{TINY}/things?limit=").status_code == 400


def test_the_document_says_what_the_decorator_does(tiny):
    document = tiny.get(f"{TINY}/swagger.json").json
    things = document["paths"]["/things"]
    assert things["get"]["responses"]["200"]["schema"]["$ref"] == "#/definitions/ThingList"
    assert {p["name"] for p in things["get"]["parameters"]} >= {"limit", "offset"}
    assert "400" in things["get"]["responses"]
    post = things["post"]
    assert post["responses"]["201"]["schema"]["$ref"] == "#/definitions/ThingRead"
    assert {"400", "409", "415", "422"} <= set(post["responses"])
    body = [p for p in post["parameters"] if p["in"] == "body"]
    assert body[0]["schema"]["$ref"] == "#/definitions/ThingCreate"
    assert post["summary"].startswith("Create a thing")
    item = document["paths"]["/things/{name}"]
    assert "404" in item["get"]["responses"]
    assert set(item["delete"]["responses"]) >= {"204", "404"}
    listed = document["definitions"]["ThingList"]["properties"]["results"]["items"]
    assert set(listed["properties"]) == {"name", "size"}


def test_a_whole_list_is_answered_and_documented_in_the_list_envelope(tiny):
    for name in ("a", "bb"):
        tiny.post(f"{TINY}/things", json={"name": name})
    answer = tiny.get(f"{TINY}/things/all").json
    assert answer["results"] == [{"name": "a", "size": 1}, {"name": "bb", "size": 2}]
    assert (answer["total"], answer["limit"], answer["offset"]) == (2, 2, 0)
    assert answer["links"] == {"self": f"{TINY}/things/all", "next": None, "prev": None}
    document = tiny.get(f"{TINY}/swagger.json").json
    schema = document["paths"]["/things/all"]["get"]["responses"]["200"]["schema"]
    assert schema == {"$ref": "#/definitions/ThingList"}


def test_a_body_as_sent_is_not_validated_but_is_documented_and_checked_as_json(tiny):
    sent = {"name": "", "extra": [1, 2]}
    accepted = tiny.post(f"{TINY}/things/batches", json=sent)
    assert accepted.status_code == 202
    assert accepted.json == {"received": sent}
    assert tiny.post(f"{TINY}/things/batches", data="name=x").status_code == 415
    assert tiny.post(f"{TINY}/things/batches", json=[1]).status_code == 422
    deep = tiny.post(
        f"{TINY}/things/batches",
        data='{"a": ' * 100 + "1" + "}" * 100,
        content_type="application/json",
    )
    assert deep.status_code == 400
    document = tiny.get(f"{TINY}/swagger.json").json
    post = document["paths"]["/things/batches"]["post"]
    body = [p for p in post["parameters"] if p["in"] == "body"]
    assert body[0]["schema"]["$ref"] == "#/definitions/ThingCreate"
    assert {"400", "415", "422"} <= set(post["responses"])


def test_a_get_answers_the_fields_asked_for(tiny):
    for name in ("a", "bb"):
        tiny.post(f"{TINY}/things", json={"name": name})
    assert tiny.get(f"{TINY}/things/bb?fields=size").json == {"size": 2}
    page = tiny.get(f"{TINY}/things?fields=name&limit=5").json
    assert page["results"] == [{"name": "a"}, {"name": "bb"}] and page["total"] == 2
    assert tiny.get(f"{TINY}/things/bb?fields=name,size").json == {"name": "bb", "size": 2}
    for bad in ("secret", "name,nope", "", ",", "size,<script>"):
        refused = tiny.get(f"{TINY}/things/bb?fields={bad}")
        assert refused.status_code == 400, bad
        assert refused.json["code"] == "INVALID_PARAMETER"
        assert list(refused.json["details"]) == ["fields"]
    assert (
        "<script>"
        not in tiny.get(f"{TINY}/things/bb?fields=size,<script>").json["details"]["fields"][0]
    )
    document = tiny.get(f"{TINY}/swagger.json").json
    item = document["paths"]["/things/{name}"]["get"]
    assert "fields" in {p["name"] for p in item["parameters"]} and "400" in item["responses"]
    assert "fields" not in {p["name"] for p in document["paths"]["/things"]["post"]["parameters"]}


def test_blocks_nested_under_a_prefix_keep_their_defaults_aliases_and_errors():
    sample = Expand(
        blocks={"crystal": "c", "crystal.protein": "p", "plan": "d"},
        default=("crystal",),
        aliases={"protein": "crystal.protein"},
    )
    member = sample.under("members.blSample", shorthands=True)
    assert list(member.blocks) == [
        "members.blSample.crystal",
        "members.blSample.crystal.protein",
        "members.blSample.plan",
    ]
    assert member.resolve(None) == {"members.blSample.crystal"}
    # A nested block brings its parents; shorthands name the nested paths.
    assert member.resolve("protein") == {
        "members.blSample.crystal",
        "members.blSample.crystal.protein",
    }
    assert member.resolve("plan") == member.resolve("members.blSample.plan")
    # Without shorthands only the full paths are names.
    plain = sample.under("samples")
    assert plain.aliases == {}
    with pytest.raises(InvalidParameter) as refused:
        plain.resolve("crystal")
    assert "samples.crystal" in refused.value.details["expand"][0]
