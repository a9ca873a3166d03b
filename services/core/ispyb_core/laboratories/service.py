from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ispyb_shared.crud import create_row, one_or_404, ref_condition, update_row
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate

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


def list_laboratories(*, db_session: Session, params: ListParams) -> Page:
    return paginate(db_session, select(Laboratory), params, LIST_SPEC)


def get_laboratory(*, db_session: Session, ref: str) -> Laboratory:
    """By id or UUID."""
    condition = ref_condition(ref, id_column=Laboratory.laboratoryId, uuid_column=Laboratory.uuid)
    return one_or_404(db_session, select(Laboratory).where(condition), "Laboratory", ref)


def create_laboratory(*, db_session: Session, data: dict[str, Any]) -> Laboratory:
    return create_row(db_session, Laboratory, data)


def update_laboratory(
    *, db_session: Session, laboratory: Laboratory, data: dict[str, Any]
) -> Laboratory:
    return update_row(db_session, laboratory, data)
