"""Create/update/look-up building blocks for service functions.

They check references and unique keys before writing, so a bad value is refused with the
field named, and they only ``flush``: the request's transaction commits or rolls back the
whole write (see :func:`ispyb_shared.db.transactional`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, false
from sqlalchemy.orm import DeclarativeBase, Session

from .db import check_references, check_unique
from .errors import NotFound, ValidationFailed
from .uuids import parse_uuid

Row = TypeVar("Row", bound=DeclarativeBase)


def create_row(session: Session, model: type[Row], data: Mapping[str, Any]) -> Row:
    check_references(session, model, data)
    check_unique(session, model, data)
    row = model(**data)
    session.add(row)
    session.flush()
    return row


def update_row(session: Session, row: Row, data: Mapping[str, Any]) -> Row:
    model = type(row)
    changed = {key: value for key, value in data.items() if getattr(row, key) != value}
    check_references(session, model, changed)
    check_unique(session, model, changed, current=row)
    for key, value in changed.items():
        setattr(row, key, value)
    session.flush()
    return row


def one_or_404(session: Session, statement: Select, what: str, ref: object) -> Any:
    row = session.execute(statement.limit(1)).unique().scalar_one_or_none()
    if row is None:
        raise NotFound(f"{what} {ref!s} does not exist.", {"ref": [str(ref)]})
    return row


def ref_condition(
    ref: str,
    *,
    id_column: Any,
    uuid_column: Any,
    by_name: Callable[[str], ColumnElement[bool] | None] | None = None,
) -> ColumnElement[bool]:
    """WHERE clause finding a row by integer id, by UUID, or by a resource's own name."""
    if ref.isascii() and ref.isdigit():
        # Beyond the widest ISPyB key no row can match (and the driver would overflow).
        return id_column == int(ref) if int(ref) < 2**63 else false()
    canonical = parse_uuid(ref)
    if canonical:
        return uuid_column == canonical
    if by_name is not None:
        condition = by_name(ref)
        if condition is not None:
            return condition
    return false()


def check_period(
    values: Mapping[str, Any],
    *,
    start: str,
    end: str,
    current: object | None = None,
) -> None:
    """Refuse an end before the start, counting values unchanged by an update."""
    begin = values[start] if start in values else getattr(current, start, None)
    finish = values[end] if end in values else getattr(current, end, None)
    if begin is not None and finish is not None and finish < begin:
        raise ValidationFailed(
            f"{end} is before {start}.", {end: [f"Must not be before {start} ({begin})."]}
        )
