"""The py-ispyb dialect's ``/openapi.json``: py-ispyb-ui reads ``components.schemas``
(``SampleStatus.enum`` for the sample filter; ``LabContact(Create)``,
``Shipping(Create)`` and ``Options`` for its RJSF forms). The document is the compat
service's OpenAPI 3.1 document restricted to the dialect's paths, and its schemas are
converted from this module's marshmallow schemas (ispyb_shared.schemas.json_schema, then
ispyb_shared.openapi3), with each field's ``title`` (what a form labels it)."""

from __future__ import annotations

import copy
from typing import Any

from flask import current_app
from marshmallow import Schema, fields

from ispyb_shared.openapi3 import openapi3_document, service_openapi3
from ispyb_shared.schemas import json_schema

from .schemas import FORM_SCHEMAS, SAMPLE_STATUSES

DIALECT = "/pyispyb/"


def _titled(schema: type[Schema]) -> dict[str, Any]:
    """The Swagger 2.0 schema of ``schema`` with its fields' titles, nested ones too."""
    result = json_schema(schema)
    result["title"] = schema.__name__
    instance = schema()
    for name, field_obj in instance.fields.items():
        key = field_obj.data_key or name
        prop = result["properties"].get(key)
        if prop is None:
            continue
        title = field_obj.metadata.get("title")
        if title:
            prop["title"] = title
        if isinstance(field_obj, fields.Nested) and isinstance(field_obj.nested, type):
            nested = _titled(field_obj.nested)
            inner = prop.get("items", prop)
            inner["properties"] = nested["properties"]
        elif isinstance(field_obj, fields.List) and isinstance(field_obj.inner, fields.Nested):
            nested = _titled(field_obj.inner.nested)
            prop["items"]["properties"] = nested["properties"]
    return result


def form_schemas() -> dict[str, Any]:
    """``components.schemas`` of the forms, as OpenAPI 3.1 (JSON Schema 2020-12)."""
    definitions = {schema.__name__: _titled(schema) for schema in FORM_SCHEMAS}
    definitions["SampleStatus"] = {
        "title": "SampleStatus",
        "description": "The status filters of the samples list (py-ispyb's SampleStatus).",
        "type": "string",
        "enum": list(SAMPLE_STATUSES),
    }
    converted = openapi3_document({"info": {}, "paths": {}, "definitions": definitions})
    return converted["components"]["schemas"]


def document() -> dict[str, Any]:
    """The dialect's document (built once per process: the routes do not change)."""
    cached = current_app.extensions.get("compat_pyispyb_openapi")
    if cached is None:
        service = service_openapi3(current_app)
        cached = {
            "openapi": service["openapi"],
            "info": {
                **service.get("info", {}),
                "title": "ISPyB compat: py-ispyb's dialect",
            },
            "servers": service.get("servers", []),
            "paths": {
                path: item for path, item in service.get("paths", {}).items() if DIALECT in path
            },
            "components": copy.deepcopy(service.get("components", {})),
        }
        cached["components"].setdefault("schemas", {}).update(form_schemas())
        current_app.extensions["compat_pyispyb_openapi"] = cached
    return cached
