"""Reading and changing the front ends' options, kept in ISPyB's AdminVar table."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ispyb_shared.auth import Caller

from ..access import require_staff
from .models import AdminVar

# Field of the options document -> AdminVar.name (at most 32 characters).
OPTION_NAMES = {
    "messageOfTheDay": "ui.messageOfTheDay",
    "siteName": "ui.siteName",
    "beamlineGroups": "ui.beamlineGroups",
}
JSON_OPTIONS = {"beamlineGroups"}


def _rows(db_session: Session) -> dict[str, AdminVar]:
    rows = db_session.execute(
        select(AdminVar).where(AdminVar.name.in_(OPTION_NAMES.values())).order_by(AdminVar.varId)
    ).scalars()
    first: dict[str, AdminVar] = {}
    for row in rows:
        first.setdefault(row.name, row)
    return first


def _decoded(field: str, value: str | None) -> Any:
    if field not in JSON_OPTIONS:
        return value
    try:
        decoded = json.loads(value) if value else []
    except ValueError:
        return []  # a value another program wrote by hand: shown as no groups
    return decoded if isinstance(decoded, list) else []


def get_ui_options(*, db_session: Session) -> dict[str, Any]:
    rows = _rows(db_session)
    return {
        field: _decoded(field, rows[name].value if name in rows else None)
        for field, name in OPTION_NAMES.items()
    }


def require_options_editor(caller: Caller) -> None:
    """Site-wide options: staff of every beamline and admins, not beamline-bound staff."""
    require_staff(caller, action="change the front ends' options", unrestricted=True)


def update_ui_options(*, db_session: Session, data: dict[str, Any], caller: Caller):
    require_options_editor(caller)
    rows = _rows(db_session)
    for field, value in data.items():
        name = OPTION_NAMES[field]
        stored = json.dumps(value, separators=(",", ":")) if field in JSON_OPTIONS else value
        if name in rows:
            rows[name].value = stored
        else:
            db_session.add(AdminVar(name=name, value=stored))
    db_session.flush()
    return get_ui_options(db_session=db_session)
