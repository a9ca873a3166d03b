"""Assertions every service's tests share."""

from __future__ import annotations

from sqlalchemy import MetaData, func, select


def row_counts(database, metadata: MetaData) -> dict[str, int]:
    """Rows in every table of ``metadata``: equal before and after means nothing written."""
    with database.engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
        }


def assert_refused(response, status, code, field=None):
    """A 4xx in the error envelope with the given code, naming ``field`` when given."""
    assert response.status_code == status, response.json
    body = response.json
    assert set(body) == {"code", "message", "details", "requestId"}
    assert body["code"] == code
    if field is not None:
        assert names_field(body["details"], field), body


def names_field(details: dict, field: str) -> bool:
    """``details`` (the one shape: JSON paths as keys) names ``field`` or a part of it."""
    return any(key == field or key.startswith((f"{field}.", f"{field}[")) for key in details)
