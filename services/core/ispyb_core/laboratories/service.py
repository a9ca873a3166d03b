from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ispyb_shared.auth import Caller
from ispyb_shared.crud import create_row, one_or_404, ref_condition, update_row
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate

from ..access import require_read_access, require_staff
from .models import Laboratory

LIST_SPEC = ListSpec(
    filters={
        "name": Filter(Laboratory.name, ("eq", "in", "contains"), "Name"),
        "city": Filter(Laboratory.city, ("eq", "in"), "City"),
        "country": Filter(Laboratory.country, ("eq", "in"), "Country"),
        "organization": Filter(Laboratory.organization, ("eq", "contains"), "Organisation"),
    },
    sortable={
        "laboratoryId": Laboratory.laboratoryId,
        "name": Laboratory.name,
        "city": Laboratory.city,
        "country": Laboratory.country,
    },
    default_sort=("name",),
    tiebreak=(Laboratory.laboratoryId,),
)


def list_laboratories(*, db_session: Session, params: ListParams, caller: Caller) -> Page:
    require_read_access(caller)
    return paginate(db_session, select(Laboratory), params, LIST_SPEC)


def get_laboratory(*, db_session: Session, ref: str, caller: Caller) -> Laboratory:
    """By id or UUID."""
    require_read_access(caller)
    condition = ref_condition(ref, id_column=Laboratory.laboratoryId, uuid_column=Laboratory.uuid)
    return one_or_404(db_session, select(Laboratory).where(condition), "Laboratory", ref)


def create_laboratory(*, db_session: Session, data: dict[str, Any], caller: Caller) -> Laboratory:
    require_staff(caller, action="create laboratories")
    return create_row(db_session, Laboratory, data)


def update_laboratory(
    *, db_session: Session, laboratory: Laboratory, data: dict[str, Any], caller: Caller
) -> Laboratory:
    require_staff(caller, action="change laboratories")
    return update_row(db_session, laboratory, data)
