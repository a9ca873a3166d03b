"""OpenAPI 3.1 documents: each service's ``<prefix>/openapi.json`` (converted from its
Swagger 2.0 document, valid by openapi-spec-validator) and the gateway's merged one,
docs/openapi.json, which must match what tools/openapi.py builds now."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from ispyb_shared.openapi3 import openapi3_document

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("ispyb_openapi_tool", ROOT / "tools" / "openapi.py")
openapi_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(openapi_tool)

SERVICES = openapi_tool.SERVICES
_documents: dict[str, dict] = {}


def service_document(service: str) -> dict:
    """Fetched without a token: the document is public, like swagger.json."""
    if service not in _documents:
        _documents[service] = openapi_tool.service_document(service)
    return _documents[service]


def _walk(node, path=()):
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*path, index))


def _swagger(service: str) -> dict:
    module = __import__(f"ispyb_{service}.app", fromlist=["create_app"])
    app = module.create_app(openapi_tool._config(service))
    try:
        return app.test_client().get(f"/ispyb/api/v1/{service}/swagger.json").get_json()
    finally:
        if "ispyb_database" in app.extensions:  # compat has none
            app.extensions["ispyb_database"].dispose()


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_serves_a_valid_openapi_31_document(service):
    document = service_document(service)
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": f"/ispyb/api/v1/{service}"}]
    swagger = _swagger(service)
    assert set(document["paths"]) == set(swagger["paths"])
    assert set(document["components"]["schemas"]) == set(swagger["definitions"])
    for where, node in _walk(document):
        if isinstance(node, dict):
            assert "x-nullable" not in node, where
            reference = node.get("$ref")
            if isinstance(reference, str):
                assert reference.startswith("#/components/"), where
                section, name = reference.removeprefix("#/components/").split("/")
                assert name in document["components"][section], where
    # Bodies became requestBody, every answer with a schema is JSON content.
    operations = [
        operation
        for item in document["paths"].values()
        for method, operation in item.items()
        if method != "parameters"
    ]
    for operation in operations:
        assert all(p["in"] in {"path", "query", "header"} for p in operation.get("parameters", []))
    writes = [op for op in operations if "requestBody" in op]
    assert writes, service
    for operation in writes:
        content = operation["requestBody"]["content"]
        # JSON, or a form for the routes whose clients post one (compat's Java login).
        if set(content) == {"application/x-www-form-urlencoded", "multipart/form-data"}:
            assert all("schema" in body for body in content.values())
            continue
        assert set(content) == {"application/json"}, operation.get("operationId")
        assert "schema" in content["application/json"]


def test_the_bearer_scheme_is_http_bearer_and_the_header_form_stays():
    document = service_document("core")
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearer"]["type"] == "http" and schemes["bearer"]["scheme"] == "bearer"
    assert schemes["bearerHeader"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": schemes["bearerHeader"]["description"],
    }
    assert document["security"] == [
        {"bearer": []},
        {"bearerHeader": []},
        {"login": []},
        {"client": []},
    ]
    assert document["paths"]["/health"]["get"]["security"] == []


def test_swagger_ui_can_log_in_against_the_auth_services_token_endpoint():
    for service in ("core", "ssx", "em", "auth", "compat"):
        schemes = service_document(service)["components"]["securitySchemes"]
        assert schemes["login"]["flows"] == {
            "password": {"tokenUrl": "/ispyb/api/v1/auth/token", "scopes": {}}
        }, service
        assert schemes["client"]["flows"] == {
            "clientCredentials": {"tokenUrl": "/ispyb/api/v1/auth/token", "scopes": {}}
        }, service
        # Swagger UI renders descriptions as HTML: nothing in angle brackets.
        assert all("<" not in scheme.get("description", "") for scheme in schemes.values())


def test_nullable_fields_are_type_arrays_enums_text_and_references_id_or_uuid():
    schemas = service_document("core")["components"]["schemas"]
    session = schemas["SessionRead"]["properties"]
    nullable = [p for p in session.values() if isinstance(p.get("type"), list)]
    assert nullable and all("null" in p["type"] for p in nullable)
    mode = service_document("em")["components"]["schemas"]["AtlasCreate"]["properties"]["mode"]
    assert mode["type"] in ("string", ["string", "null"]) and "Tomography" in mode["enum"]
    for where, node in _walk(service_document("ssx")):
        if isinstance(node, dict) and node.get("x-ispyb-reference"):
            assert {"integer", "string"} <= set(node["type"]), where


def test_a_non_json_answer_keeps_its_media_type_and_errors_stay_json():
    operation = service_document("core")["paths"]["/data-collections/{ref}/mmcif"]["get"]
    assert set(operation["responses"]["200"]["content"]) == {"chemical/x-mmcif"}
    assert set(operation["responses"]["404"]["content"]) == {"application/json"}


def test_form_parameters_become_a_multipart_body_and_nullable_enums_take_null():
    swagger = {
        "swagger": "2.0",
        "info": {"title": "t", "version": "1"},
        "basePath": "/x",
        "paths": {
            "/upload": {
                "post": {
                    "consumes": ["multipart/form-data"],
                    "parameters": [
                        {"name": "file", "in": "formData", "type": "file", "required": True},
                        {
                            "name": "ids",
                            "in": "query",
                            "type": "array",
                            "items": {"type": "integer"},
                        },
                    ],
                    "responses": {
                        "201": {"description": "ok", "schema": {"$ref": "#/definitions/T"}}
                    },
                }
            }
        },
        "securityDefinitions": {
            "basic": {"type": "basic"},
            "machine": {
                "type": "oauth2",
                "flow": "application",
                "tokenUrl": "https://example.org/token",
                "scopes": {"read": "Read"},
            },
        },
        "security": [{"machine": ["read"]}],
        "definitions": {
            "T": {
                "type": "object",
                "properties": {
                    "kind": {"type": "string", "enum": ["a", "b"], "x-nullable": True},
                    "angle": {"type": "number", "minimum": 0, "exclusiveMinimum": True},
                    "other": {"$ref": "#/definitions/T", "x-nullable": True},
                },
            }
        },
    }
    document = openapi3_document(swagger)
    validate(document)
    schemes = document["components"]["securitySchemes"]
    assert schemes["basic"] == {"type": "http", "scheme": "basic"}
    assert schemes["machine"]["flows"]["clientCredentials"]["scopes"] == {"read": "Read"}
    assert document["security"] == [{"machine": ["read"]}]
    operation = document["paths"]["/upload"]["post"]
    form = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["properties"]["file"] == {"type": "string", "format": "binary"}
    assert form["required"] == ["file"] and operation["requestBody"]["required"] is True
    assert operation["parameters"][0]["style"] == "form"
    assert operation["parameters"][0]["explode"] is False
    ref = operation["responses"]["201"]["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/T"
    properties = document["components"]["schemas"]["T"]["properties"]
    assert properties["kind"] == {"type": ["string", "null"], "enum": ["a", "b", None]}
    assert properties["angle"] == {"type": "number", "exclusiveMinimum": 0}
    assert properties["other"] == {"anyOf": [{"$ref": "#/components/schemas/T"}, {"type": "null"}]}


def test_the_validator_refuses_what_the_converter_must_not_leave():
    """The check above can fail: a Swagger 2.0 leftover is refused."""
    document = json.loads(json.dumps(service_document("ssx")))
    any_schema = next(iter(document["components"]["schemas"].values()))
    any_schema["type"] = "file"
    with pytest.raises(OpenAPIValidationError):
        validate(document)


def test_no_float_range_clutter_but_real_ranges_stay():
    swagger_text = json.dumps(_swagger("ssx"))
    for service in SERVICES:
        text = json.dumps(service_document(service))
        assert "3.4e+38" not in text and "-3.4e+38" not in text, service
    assert "3.4e+38" not in swagger_text
    # ssx's run parameters: non-negative floats keep their lower bound.
    found = [
        node
        for _, node in _walk(service_document("ssx"))
        if isinstance(node, dict) and node.get("type") in ("number", ["number", "null"])
    ]
    assert any(node.get("minimum") == 0 for node in found)
    assert any("exclusiveMinimum" in node for node in found)


def test_the_merged_document_is_valid_and_the_committed_one_is_fresh():
    merged = openapi_tool.merge(
        {service: service_document(service) for service in SERVICES},
        blocked=openapi_tool.blocked_prefixes(),
    )
    validate(merged)
    assert merged["servers"][0]["url"] == openapi_tool.GATEWAY_URL
    assert "/ispyb/api/v1/core/proposals" in merged["paths"]
    assert "/ispyb/api/v1/auth/login" in merged["paths"]
    assert not [path for path in merged["paths"] if "/core/user-office" in path]
    operation_ids = [
        operation["operationId"]
        for item in merged["paths"].values()
        for method, operation in item.items()
        if method != "parameters"
    ]
    assert len(operation_ids) == len(set(operation_ids))
    committed = (ROOT / "docs" / "openapi.json").read_text()
    assert committed == openapi_tool.render(merged), (
        "docs/openapi.json is stale: run .venv/bin/python tools/openapi.py --write"
    )


def test_clashing_component_names_are_prefixed_and_identical_ones_shared():
    one = {"type": "object", "properties": {"a": {"type": "string"}}}
    other = {"type": "object", "properties": {"b": {"type": "integer"}}}
    shared = {"type": "object"}

    def document(service, thing):
        return {
            "openapi": "3.1.0",
            "info": {"title": service, "version": "1"},
            "servers": [{"url": f"/ispyb/api/v1/{service}"}],
            "paths": {
                "/things": {
                    "get": {
                        "operationId": "get_things",
                        "responses": {
                            "200": {
                                "description": "",
                                "content": {
                                    "application/json": {
                                        "schema": {"$ref": "#/components/schemas/Thing"}
                                    }
                                },
                            }
                        },
                    }
                }
            },
            "components": {"schemas": {"Thing": thing, "Error": shared}},
        }

    merged = openapi_tool.merge({"a": document("a", one), "b": document("b", other)})
    validate(merged)
    assert set(merged["components"]["schemas"]) == {"a_Thing", "b_Thing", "Error"}
    b = merged["paths"]["/ispyb/api/v1/b/things"]["get"]
    assert b["operationId"] == "b_get_things"
    schema = b["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/b_Thing"}
