"""ISPyB's ``externalId BINARY(16)`` (Proposal, Person, BLSession): the row's identifier in
the site's user office, set by the user-office sync (docs/user-office-sync.md).

Stored as 16 bytes (BINARY(16) on MariaDB, a BLOB on SQLite); the API and the sync feed
write it as a UUID string (32 hex digits, with or without dashes).
"""

from __future__ import annotations

import uuid

from sqlalchemy import LargeBinary
from sqlalchemy.dialects import mysql

EXTERNAL_ID_TYPE = LargeBinary(16).with_variant(mysql.BINARY(16), "mysql", "mariadb")


def external_id_bytes(value: str) -> bytes:
    """The 16 bytes of an external id written as a UUID / 32 hex digits (ValueError if not)."""
    return uuid.UUID(str(value)).bytes


def external_id_text(value: bytes | None) -> str | None:
    """The canonical UUID text of stored external id bytes (None stays None)."""
    if value is None:
        return None
    return str(uuid.UUID(bytes=bytes(value)))


def external_id_field():
    """The read-only ``externalId`` of Proposal, Person and BLSession in API answers."""
    from marshmallow import fields

    return fields.Function(
        lambda obj: external_id_text(getattr(obj, "externalId", None)),
        dump_only=True,
        allow_none=True,
        metadata={"description": "Identifier in the user office (UUID text); set by the sync."},
    )
