"""The operations every em resource shares, given what is specific to it.

A resource declares its model, schemas, list filters, the nested parts its rows are
answered with and, for writes, how a body's references are checked and which data
collection the new row belongs to; the functions
here do the rest the same way for all: read access (reader + core visibility), write
access (writer + core visibility), one transaction, 404 for what the caller may not see.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema
from sqlalchemy.orm import Session

from ispyb_shared.auth import Caller
from ispyb_shared.crud import update_row as update_columns
from ispyb_shared.errors import Conflict
from ispyb_shared.listing import ListParams, ListSpec, Page

from .access import DataCollections, require_reader, require_writer
from .ownership import References, get_owned, list_owned

# Checks a body's references (collecting problems in References) and returns the UUID of
# the data collection the new row belongs to (None when a problem was found).
OwnerOf = Callable[[References, Mapping[str, Any]], str | None]
# The rows with their nested parts (a batch's classes...), as dicts to dump: a fixed number
# of queries whatever the number of rows.
WithParts = Callable[[Session, list[Any]], list[dict[str, Any]]]


@dataclass(frozen=True)
class BodyParts:
    """Rows a create body holds besides the new row (a batch's classes), stored with it in
    the same transaction: ``rows(new_row, body[key])``."""

    key: str
    rows: Callable[[Any, Any], Iterable[Any]]


@dataclass(frozen=True)
class OwnedResource:
    model: type
    what: str
    read: type[Schema]
    list_spec: ListSpec | None = None
    create: type[Schema] | None = None
    update: type[Schema] | None = None
    owner_of: OwnerOf | None = None
    with_parts: WithParts | None = None
    body_parts: BodyParts | None = None


def with_parts(resource: OwnedResource, db_session: Session, rows: list[Any]) -> list[Any]:
    """``rows`` as the resource answers them: with their nested parts, if it has some."""
    return resource.with_parts(db_session, rows) if resource.with_parts else rows


def list_rows(
    resource: OwnedResource,
    *,
    db_session: Session,
    params: ListParams,
    caller: Caller,
    data_collections: DataCollections,
) -> Page:
    require_reader(caller)
    page = list_owned(
        db_session,
        resource.model,
        params,
        resource.list_spec,
        data_collections=data_collections,
    )
    page.results = with_parts(resource, db_session, page.results)
    return page


def get_row(
    resource: OwnedResource,
    *,
    db_session: Session,
    ref: str,
    caller: Caller,
    data_collections: DataCollections,
) -> Any:
    require_reader(caller)
    row = get_owned(
        db_session, resource.model, ref, data_collections=data_collections, what=resource.what
    )
    return with_parts(resource, db_session, [row])[0]


def new_row_owner(
    resource: OwnedResource,
    *,
    db_session: Session,
    data: Mapping[str, Any],
    caller: Caller,
    data_collections: DataCollections,
) -> str:
    """Check a create body: the caller writes, and every reference is usable."""
    require_writer(caller)
    references = References(db_session, data_collections)
    owner = resource.owner_of(references, data)
    references.raise_problems()
    return owner


def create_row(
    resource: OwnedResource,
    *,
    db_session: Session,
    data: Mapping[str, Any],
    caller: Caller,
    data_collections: DataCollections,
) -> Any:
    new_row_owner(
        resource,
        db_session=db_session,
        data=data,
        caller=caller,
        data_collections=data_collections,
    )
    _refuse_duplicate_key(db_session, resource.model, data)
    parts = resource.body_parts
    row = resource.model(
        **{key: value for key, value in data.items() if not parts or key != parts.key}
    )
    db_session.add(row)
    db_session.flush()
    if parts is not None:
        db_session.add_all(parts.rows(row, data.get(parts.key, [])))
        db_session.flush()
    return with_parts(resource, db_session, [row])[0]


def _refuse_duplicate_key(db_session: Session, model: type, data: Mapping[str, Any]) -> None:
    """A link row (composite primary key given in the body) that exists already is a 409
    naming the key's fields."""
    key = [column.key for column in model.__table__.primary_key.columns]
    if len(key) < 2 or not all(name in data for name in key):
        return
    if db_session.get(model, tuple(data[name] for name in key)) is not None:
        described = ", ".join(f"{name}={data[name]!r}" for name in key)
        raise Conflict(
            f"A {model.__tablename__} with {described} already exists.",
            {name: ["Already used by another row."] for name in key},
        )


def update_row(
    resource: OwnedResource,
    *,
    db_session: Session,
    ref: str,
    data: Mapping[str, Any],
    caller: Caller,
    data_collections: DataCollections,
) -> Any:
    """Change a row's own values (update schemas hold no references)."""
    require_writer(caller)
    row = get_owned(
        db_session, resource.model, ref, data_collections=data_collections, what=resource.what
    )
    return with_parts(resource, db_session, [update_columns(db_session, row, data)])[0]


def columns_of(row: Any) -> dict[str, Any]:
    """A row's column values as a dict, to which nested parts can be added for dumping."""
    return {column.key: getattr(row, column.key) for column in type(row).__table__.columns}
