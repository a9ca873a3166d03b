"""The demo's own keys: every demo row has a fixed UUID made from a demo key.

``ispyb-core seed-demo`` finds its rows by these UUIDs, never by names a user can edit
or reuse (a second laboratory named like a demo one once made the seed fail with
MultipleResultsFound, and `make run` could not start again).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

# The namespace of the demo keys: demo_uuid("person/alice") is the same everywhere, always.
DEMO_NAMESPACE = uuid.UUID("5f7d2a3e-2b1c-4c8e-9d4a-0e6f1b2c3d4e")


def demo_uuid(key: str) -> str:
    """The fixed UUID of the demo row with this key."""
    return str(uuid.uuid5(DEMO_NAMESPACE, key))


def find_demo_row(db: Session, model, key: str, legacy: dict):
    """The demo row of ``key``: by its demo UUID, else (a database seeded before demo
    keys) the oldest row matching its natural key ``legacy``; None when there is none."""
    row = db.execute(select(model).where(model.uuid == demo_uuid(key))).scalar_one_or_none()
    if row is None:
        oldest = select(model).filter_by(**legacy).order_by(*model.__mapper__.primary_key)
        row = db.execute(oldest.limit(1)).scalars().first()
    return row
