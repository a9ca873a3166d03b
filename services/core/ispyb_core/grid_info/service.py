from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ispyb_shared.auth import Caller
from ispyb_shared.crud import create_row, one_or_404, ref_condition, update_row
from ispyb_shared.errors import Conflict
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate

from ..access import require_acquisition_writer
from ..acquisition import visible_session_condition
from ..data_collections.models import DataCollectionGroup
from ..sweep_rows import beamline_of, target_group, with_session
from .models import GridInfo

LIST_SPEC = ListSpec(
    filters={
        "uuid": Filter(GridInfo.uuid, ("eq", "in"), "UUID"),
        "dataCollectionId": Filter(GridInfo.dataCollectionId, ("eq", "in"), "Data collection"),
        "dataCollectionGroupId": Filter(
            DataCollectionGroup.dataCollectionGroupId, ("eq", "in"), "Group (of the sweep)"
        ),
        "sessionId": Filter(DataCollectionGroup.sessionId, ("eq", "in"), "Session id"),
    },
    sortable={"gridInfoId": GridInfo.gridInfoId},
    default_sort=("gridInfoId",),
    tiebreak=(GridInfo.gridInfoId,),
)


def visible_grids(caller: Caller):
    return with_session(select(GridInfo), GridInfo).where(visible_session_condition(caller))


def list_grids(*, db_session: Session, params: ListParams, caller: Caller) -> Page:
    return paginate(db_session, visible_grids(caller), params, LIST_SPEC)


def get_grid(*, db_session: Session, ref: str, caller: Caller) -> GridInfo:
    """By id or UUID."""
    condition = ref_condition(ref, id_column=GridInfo.gridInfoId, uuid_column=GridInfo.uuid)
    return one_or_404(db_session, visible_grids(caller).where(condition), "Grid", ref)


def create_grid(*, db_session: Session, data: dict[str, Any], caller: Caller) -> GridInfo:
    data = dict(data)
    group = target_group(db_session, data)
    require_acquisition_writer(
        caller, beamline=group.BLSession.beamLineName, action="record grid scans"
    )
    return create_row(db_session, GridInfo, data)


def update_grid(
    *, db_session: Session, grid: GridInfo, data: dict[str, Any], caller: Caller
) -> GridInfo:
    beamline = beamline_of(db_session, GridInfo, GridInfo.gridInfoId, grid.gridInfoId)
    require_acquisition_writer(caller, beamline=beamline, action="change grid scans")
    for name in ("dataCollectionId", "dataCollectionGroupId"):
        if name in data and data[name] != getattr(grid, name):
            raise Conflict(
                "A grid cannot move to another data collection.", {name: ["Cannot be changed."]}
            )
    return update_row(db_session, grid, data)
