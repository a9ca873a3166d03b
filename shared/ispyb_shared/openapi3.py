"""OpenAPI 3.1 from the Swagger 2.0 document flask-restx makes, so each service serves both.

flask-restx only speaks Swagger 2.0; front ends and generators (openapi-typescript) want
OpenAPI 3.1. :func:`openapi3_document` converts one service's document: definitions ->
components/schemas (and every ``$ref`` with them), body and formData parameters ->
``requestBody``, produces/consumes -> ``content``, securityDefinitions ->
components/securitySchemes, and ``x-nullable`` -> JSON Schema type arrays (3.1 has no
``nullable``). tools/openapi.py merges the services' documents for the gateway.
"""

from __future__ import annotations

import copy
from typing import Any

from flask import Flask, current_app, jsonify

JSON = "application/json"
OPENAPI_VERSION = "3.1.0"
# Keywords a Swagger 2.0 parameter carries that belong to its schema in 3.x.
_PARAMETER_SCHEMA_KEYS = (
    "type",
    "format",
    "items",
    "enum",
    "default",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "multipleOf",
)
_REF_PREFIXES = {
    "#/definitions/": "#/components/schemas/",
    "#/responses/": "#/components/responses/",
    "#/parameters/": "#/components/parameters/",
}
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
# The name the apiKey form of the bearer scheme keeps beside the http/bearer one.
API_KEY_SUFFIX = "Header"


def openapi3_document(swagger: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI 3.1 document equivalent to ``swagger`` (a Swagger 2.0 document)."""
    swagger = copy.deepcopy(swagger)
    produces = swagger.get("produces") or [JSON]
    consumes = swagger.get("consumes") or [JSON]
    document: dict[str, Any] = {"openapi": OPENAPI_VERSION, "info": swagger["info"]}
    document["servers"] = [{"url": swagger.get("basePath") or "/"}]
    if swagger.get("tags"):
        document["tags"] = swagger["tags"]
    schemes, alternatives = _security_schemes(swagger.get("securityDefinitions") or {})
    if "security" in swagger:
        document["security"] = _security(swagger["security"], alternatives)
    paths: dict[str, Any] = {}
    for path, item in swagger.get("paths", {}).items():
        converted: dict[str, Any] = {}
        if item.get("parameters"):
            converted["parameters"] = [_parameter(p) for p in item["parameters"]]
        for method in _METHODS:
            if method in item:
                converted[method] = _operation(item[method], produces, consumes, alternatives)
        paths[path] = converted
    document["paths"] = paths
    components: dict[str, Any] = {}
    if swagger.get("definitions"):
        components["schemas"] = {
            name: _schema(schema) for name, schema in swagger["definitions"].items()
        }
    if swagger.get("responses"):
        components["responses"] = {
            name: _response(response, produces) for name, response in swagger["responses"].items()
        }
    if swagger.get("parameters"):
        components["parameters"] = {
            name: _parameter(parameter)
            for name, parameter in swagger["parameters"].items()
            if parameter.get("in") not in ("body", "formData")
        }
    if schemes:
        components["securitySchemes"] = schemes
    if components:
        document["components"] = components
    return _rewrite_refs(document)


def _security_schemes(definitions: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """3.x schemes, and for each bearer token sent as an ``Authorization`` apiKey the name
    of its apiKey twin: ``http``/``bearer`` lets a client say "token" and have the
    ``Bearer`` word added; the apiKey form stays for clients that send the header whole."""
    schemes: dict[str, Any] = {}
    alternatives: dict[str, str] = {}
    for name, definition in definitions.items():
        if (
            definition.get("type") == "apiKey"
            and definition.get("in") == "header"
            and definition.get("name", "").lower() == "authorization"
        ):
            schemes[name] = {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "An access token from the auth service "
                "(POST /ispyb/api/v1/auth/login), without the word Bearer.",
            }
            twin = f"{name}{API_KEY_SUFFIX}"
            schemes[twin] = definition
            alternatives[name] = twin
        elif definition.get("type") == "basic":
            schemes[name] = {"type": "http", "scheme": "basic", **_description(definition)}
        elif definition.get("type") == "oauth2":
            schemes[name] = _oauth2(definition)
        else:
            schemes[name] = definition
    return schemes, alternatives


def _description(definition: dict[str, Any]) -> dict[str, Any]:
    return {"description": definition["description"]} if "description" in definition else {}


_OAUTH2_FLOWS = {
    "implicit": "implicit",
    "password": "password",
    "application": "clientCredentials",
    "accessCode": "authorizationCode",
}


def _oauth2(definition: dict[str, Any]) -> dict[str, Any]:
    flow: dict[str, Any] = {"scopes": definition.get("scopes", {})}
    for key in ("authorizationUrl", "tokenUrl"):
        if key in definition:
            flow[key] = definition[key]
    flows = {_OAUTH2_FLOWS[definition["flow"]]: flow}
    return {"type": "oauth2", "flows": flows, **_description(definition)}


def _security(requirements: list[dict[str, Any]], alternatives: dict[str, str]) -> list:
    converted = []
    for requirement in requirements:
        converted.append(requirement)
        if requirement and all(name in alternatives for name in requirement):
            converted.append({alternatives[name]: scopes for name, scopes in requirement.items()})
    return converted


def _operation(operation, produces, consumes, alternatives) -> dict[str, Any]:
    produces = operation.pop("produces", None) or produces
    consumes = operation.pop("consumes", None) or consumes
    operation.pop("schemes", None)
    parameters = operation.pop("parameters", [])
    converted = dict(operation)
    plain = [p for p in parameters if p.get("in") not in ("body", "formData")]
    if plain:
        converted["parameters"] = [_parameter(p) for p in plain]
    body = next((p for p in parameters if p.get("in") == "body"), None)
    form = [p for p in parameters if p.get("in") == "formData"]
    if body is not None:
        request_body: dict[str, Any] = {
            "content": {kind: {"schema": _schema(body.get("schema", {}))} for kind in consumes}
        }
        if body.get("description"):
            request_body["description"] = body["description"]
        if body.get("required"):
            request_body["required"] = True
        converted["requestBody"] = request_body
    elif form:
        converted["requestBody"] = _form_body(form, consumes)
    converted["responses"] = {
        status: _response(response, produces)
        for status, response in operation.get("responses", {}).items()
    }
    if "security" in operation:
        converted["security"] = _security(operation["security"], alternatives)
    return converted


def _form_body(form: list[dict[str, Any]], consumes: list[str]) -> dict[str, Any]:
    properties = {}
    required = []
    for parameter in form:
        schema = _parameter_schema(parameter)
        if parameter.get("description"):
            schema["description"] = parameter["description"]
        properties[parameter["name"]] = schema
        if parameter.get("required"):
            required.append(parameter["name"])
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    has_file = any(p.get("type") == "file" for p in form)
    kinds = [
        kind
        for kind in consumes
        if kind in ("multipart/form-data", "application/x-www-form-urlencoded")
    ] or ["multipart/form-data" if has_file else "application/x-www-form-urlencoded"]
    return {
        "required": bool(required),
        "content": {kind: {"schema": schema} for kind in kinds},
    }


def _parameter(parameter: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in parameter:
        return parameter
    converted = {
        key: parameter[key]
        for key in ("name", "in", "description", "required", "deprecated", "allowEmptyValue")
        if key in parameter
    }
    if parameter.get("in") == "path":
        converted["required"] = True
    converted["schema"] = _parameter_schema(parameter)
    collection = parameter.get("collectionFormat")
    if parameter.get("type") == "array":
        if collection == "multi":
            converted.update(style="form", explode=True)
        elif parameter.get("in") == "query":
            style = {"ssv": "spaceDelimited", "pipes": "pipeDelimited"}.get(collection, "form")
            converted.update(style=style, explode=False)
        else:
            converted.update(style="simple")
    return converted


def _parameter_schema(parameter: dict[str, Any]) -> dict[str, Any]:
    schema = {key: parameter[key] for key in _PARAMETER_SCHEMA_KEYS if key in parameter}
    for key, value in parameter.items():
        if key.startswith("x-"):
            schema[key] = value
    return _schema(schema)


def _response(response: dict[str, Any], produces: list[str]) -> dict[str, Any]:
    if "$ref" in response:
        return response
    converted: dict[str, Any] = {"description": response.get("description", "")}
    if "schema" in response:
        schema = _schema(response["schema"])
        if schema.get("type") == "string" and schema.get("format") == "binary":
            kinds = produces
        else:
            # A JSON schema describes the JSON answer; other types are another format.
            kinds = [JSON] if JSON in produces else produces
        converted["content"] = {kind: {"schema": schema} for kind in kinds}
    else:
        # No schema: the operation's other formats (e.g. an mmCIF file), if any.
        others = [kind for kind in produces if kind != JSON]
        if others:
            converted["content"] = {kind: {"schema": {"type": "string"}} for kind in others}
    if response.get("headers"):
        converted["headers"] = {
            name: {
                **({"description": header["description"]} if "description" in header else {}),
                "schema": _schema({k: v for k, v in header.items() if k not in ("description",)}),
            }
            for name, header in response["headers"].items()
        }
    if response.get("examples"):
        for kind, example in response["examples"].items():
            converted.setdefault("content", {}).setdefault(kind, {})["example"] = example
    return converted


def _schema(schema: Any) -> Any:
    """A Swagger 2.0 schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect)."""
    if isinstance(schema, list):
        return [_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("properties", "patternProperties", "definitions"):
            converted[key] = {name: _schema(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not", "allOf", "anyOf", "oneOf"):
            converted[key] = _schema(value)
        elif key == "discriminator" and isinstance(value, str):
            converted[key] = {"propertyName": value}
        elif key == "example":
            converted["examples"] = [value]
        elif key == "x-nullable":
            continue
        else:
            converted[key] = value
    if converted.get("type") == "file":
        converted["type"] = "string"
        converted["format"] = "binary"
    for bound in ("Minimum", "Maximum"):
        exclusive = converted.get(f"exclusive{bound}")
        if isinstance(exclusive, bool):
            del converted[f"exclusive{bound}"]
            if exclusive and bound.lower() in converted:
                converted[f"exclusive{bound}"] = converted.pop(bound.lower())
    if schema.get("x-ispyb-reference") and "type" not in converted:
        # An integer id or a UUID string (Swagger 2.0 could not say "one of").
        converted["type"] = ["integer", "string"]
    if schema.get("x-nullable"):
        converted = _nullable(converted)
    return converted


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema or "allOf" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    kind = schema.get("type")
    if kind is None:
        return schema  # no type: null is already allowed
    kinds = kind if isinstance(kind, list) else [kind]
    if "null" not in kinds:
        schema["type"] = [*kinds, "null"]
    if "enum" in schema and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    return schema


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, dict):
        result = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                for old, new in _REF_PREFIXES.items():
                    if value.startswith(old):
                        value = new + value[len(old) :]
                        break
            result[key] = _rewrite_refs(value)
        return result
    if isinstance(node, list):
        return [_rewrite_refs(item) for item in node]
    return node


def service_openapi3(app: Flask) -> dict[str, Any]:
    """The app's OpenAPI 3.1 document (converted once: the routes do not change)."""
    document = app.extensions.get("ispyb_openapi3")
    if document is None:
        document = openapi3_document(app.extensions["ispyb_api"].__schema__)
        app.extensions["ispyb_openapi3"] = document
    return document


def openapi3_view():
    """``GET <prefix>/openapi.json``: public, like swagger.json."""
    return jsonify(service_openapi3(current_app))


openapi3_view._ispyb_public = True  # type: ignore[attr-defined]
