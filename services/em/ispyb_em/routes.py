"""The HTTP side of em's resources: the same routes, documentation and order of checks
for every resource (who may call comes first, then the body, then the data)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from flask_restx import Namespace, Resource

from ispyb_shared.app import document_errors, list_params, load_body, register_models
from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.listing import list_params_doc

from . import resources
from .access import caller_data_collections, require_reader, require_writer
from .resources import OwnedResource

OPERATIONS = ("list", "create", "get", "update")


def add_resource_routes(
    ns: Namespace,
    resource: OwnedResource,
    *,
    name: str,
    plural: str,
    operations: Iterable[str],
    list_rows: Callable[..., Any] | None = None,
    create_row: Callable[..., Any] | None = None,
    get_row: Callable[..., Any] | None = None,
    dump_extra: dict[str, type] | None = None,
) -> dict[str, Any]:
    """Routes ``""`` (list, create) and ``/<ref>`` (get, update) of ``ns`` for ``resource``.

    The service functions default to the generic ones of resources.py; a resource with
    nested parts passes its own.
    """
    operations = set(operations)
    unknown = operations - set(OPERATIONS)
    if unknown:
        raise ValueError(f"unknown operations {unknown}")
    schemas: dict[str, type] = {f"{name}Read": resource.read, **(dump_extra or {})}
    if "create" in operations:
        schemas[f"{name}Create"] = resource.create
    if "update" in operations:
        schemas[f"{name}Update"] = resource.update
    models = register_models(ns, schemas, list_of={f"{name}List": f"{name}Read"})
    read_one = resource.read()
    read_many = resource.read(many=True)
    list_rows = list_rows or partial(resources.list_rows, resource)
    create_row = create_row or partial(resources.create_row, resource)
    get_row = get_row or partial(resources.get_row, resource)
    update_row = partial(resources.update_row, resource)

    collection: dict[str, Any] = {}
    if "list" in operations:

        @ns.doc(params=list_params_doc(resource.list_spec))
        @ns.response(200, f"A page of {plural}", models[f"{name}List"])
        @document_errors(ns, models, 400)
        def get(self):
            require_reader(current_caller())
            page = list_rows(
                db_session=db_session(),
                params=list_params(resource.list_spec),
                caller=current_caller(),
                data_collections=caller_data_collections(),
            )
            return page.envelope(read_many.dump)

        get.__doc__ = (
            f"List {plural} of data collections (dataCollectionUUID or "
            "dataCollectionUUID.in is required)."
        )
        collection["get"] = get
    if "create" in operations:
        create_loader = resource.create()

        @ns.expect(models[f"{name}Create"])
        @ns.response(201, "Created", models[f"{name}Read"])
        @document_errors(ns, models, 400, 415, 422)
        def post(self):
            require_writer(current_caller())
            row = create_row(
                db_session=db_session(),
                data=load_body(create_loader),
                caller=current_caller(),
                data_collections=caller_data_collections(),
            )
            return read_one.dump(row), 201

        post.__doc__ = f"Create {_article(resource.what)} (pipelines with em:write, staff)."
        collection["post"] = post
    if collection:
        ns.route("")(type(f"{name}Collection", (Resource,), collection))

    item: dict[str, Any] = {}
    if "get" in operations:

        @ns.response(200, resource.what, models[f"{name}Read"])
        @document_errors(ns, models, 404)
        def get_item(self, ref: str):
            require_reader(current_caller())
            return read_one.dump(
                get_row(
                    db_session=db_session(),
                    ref=ref,
                    caller=current_caller(),
                    data_collections=caller_data_collections(),
                )
            )

        get_item.__doc__ = f"Get {_article(resource.what)} by id or UUID."
        item["get"] = get_item
    if "update" in operations:
        update_loader = resource.update()

        @ns.expect(models[f"{name}Update"])
        @ns.response(200, "Updated", models[f"{name}Read"])
        @document_errors(ns, models, 400, 404, 415, 422)
        def patch(self, ref: str):
            require_writer(current_caller())
            row = update_row(
                db_session=db_session(),
                ref=ref,
                data=load_body(update_loader, partial=True),
                caller=current_caller(),
                data_collections=caller_data_collections(),
            )
            return read_one.dump(row)

        patch.__doc__ = f"Change some fields of {_article(resource.what)}."
        item["patch"] = patch
    if item:
        item_class = type(f"{name}Item", (Resource,), item)
        ns.route("/<string:ref>")(ns.param("ref", "Id or UUID")(item_class))
    return models


def _article(what: str) -> str:
    return f"an {what.lower()}" if what[0].lower() in "aeiou" else f"a {what.lower()}"
