from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ispyb_shared.auth import Caller
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page

from ..acquisition import SessionRows
from ..sessions.models import BLSession
from .models import EnergyScan

LIST_SPEC = ListSpec(
    filters={
        "uuid": Filter(EnergyScan.uuid, ("eq", "in"), "UUID"),
        "sessionId": Filter(EnergyScan.sessionId, ("eq", "in"), "Session id"),
        "proposalId": Filter(BLSession.proposalId, ("eq", "in"), "Proposal id"),
        "blSampleId": Filter(EnergyScan.blSampleId, ("eq", "in"), "Sample id"),
        "startTime": Filter(EnergyScan.startTime, ("gt", "gte", "lt", "lte"), "Start"),
        "element": Filter(EnergyScan.element, ("eq", "in"), "Element, e.g. Se"),
    },
    sortable={"energyScanId": EnergyScan.energyScanId, "startTime": EnergyScan.startTime},
    default_sort=("startTime",),
    tiebreak=(EnergyScan.energyScanId,),
)

ROWS = SessionRows(EnergyScan, key="energyScanId", what="energy scan")


def list_energy_scans(*, db_session: Session, params: ListParams, caller: Caller) -> Page:
    return ROWS.list(db_session=db_session, params=params, spec=LIST_SPEC, caller=caller)


def get_one(*, db_session: Session, ref: str, caller: Caller) -> EnergyScan:
    """By id or UUID."""
    return ROWS.get(db_session=db_session, ref=ref, caller=caller)


def create_one(*, db_session: Session, data: dict[str, Any], caller: Caller) -> EnergyScan:
    return ROWS.create(db_session=db_session, data=data, caller=caller)


def update_one(
    *, db_session: Session, row: EnergyScan, data: dict[str, Any], caller: Caller
) -> EnergyScan:
    return ROWS.update(db_session=db_session, row=row, data=data, caller=caller)
