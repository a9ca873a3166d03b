"""UUIDs for cross-service references.

Services refer to each other's rows by UUID, never by integer id: ids are local to one
database, a UUID is stable wherever the row is copied or migrated. Every table that another
service may reference has a ``uuid`` column (CHAR(36), canonical lower-case text) filled
by the database itself (see :class:`uuid_server_default`), so rows inserted by programs
that know nothing about it still get one.
"""

from __future__ import annotations

import uuid as _uuid
from typing import ClassVar

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.sql.expression import FunctionElement

UUID_LENGTH = 36


def new_uuid() -> str:
    return str(_uuid.uuid4())


def parse_uuid(value: str) -> str | None:
    """The canonical form of ``value`` if it is a UUID, else None."""
    try:
        return str(_uuid.UUID(str(value)))
    except (ValueError, AttributeError, TypeError):
        return None


def is_uuid(value: object) -> bool:
    return parse_uuid(value) is not None  # type: ignore[arg-type]


class uuid_server_default(FunctionElement):
    """A column default that makes a random UUID inside the database.

    MariaDB/MySQL: ``(uuid())`` (expression defaults, MariaDB >= 10.2, MySQL >= 8.0.13).
    SQLite: a version-4 UUID built from ``randomblob`` (functions are allowed in a
    parenthesised DEFAULT).
    """

    type = String(UUID_LENGTH)
    inherit_cache = True
    name = "uuid_server_default"


@compiles(uuid_server_default)
def _uuid_default_generic(element, compiler, **kw):  # pragma: no cover - other dialects
    return "(uuid())"


@compiles(uuid_server_default, "sqlite")
def _uuid_default_sqlite(element, compiler, **kw):
    return (
        "(lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || "
        "substr(lower(hex(randomblob(2))), 2) || '-' || "
        "substr('89ab', 1 + (abs(random()) % 4), 1) || "
        "substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))))"
    )


def uuid_sql_expression(dialect_name: str) -> str:
    """The SQL expression making a new UUID, for backfilling existing rows."""
    if dialect_name == "sqlite":
        return _uuid_default_sqlite(None, None)
    return "uuid()"


class UuidMixin:
    """Adds the stable ``uuid`` column used for cross-service references."""

    # Core's tables say CHAR(36), as a site's DBA reads in docs/ispyb-database.md.
    uuid_column_type: ClassVar[type[String]] = String

    @declared_attr
    def uuid(cls) -> Mapped[str]:
        return mapped_column(
            cls.uuid_column_type(UUID_LENGTH),
            nullable=False,
            unique=True,
            default=new_uuid,
            server_default=uuid_server_default(),
            doc="Stable identifier of this row across services and databases (UUID, "
            "canonical text form). Use it, not the integer id, to refer to the row from "
            "another service.",
        )
