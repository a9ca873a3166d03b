from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager
from sqlalchemy.orm.attributes import flag_modified

from ispyb_shared.auth import Caller
from ispyb_shared.crud import check_period, create_row, one_or_404, ref_condition, update_row
from ispyb_shared.errors import Conflict
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate

from ..access import require_acquisition_writer
from ..acquisition import (
    check_sample_of_session,
    resolve_session_and_sample,
    visible_session_condition,
)
from ..sessions.models import BLSession
from .models import RobotAction

LIST_SPEC = ListSpec(
    filters={
        "uuid": Filter(RobotAction.uuid, ("eq", "in"), "UUID"),
        "blsessionId": Filter(RobotAction.blsessionId, ("eq", "in"), "Session id"),
        "proposalId": Filter(BLSession.proposalId, ("eq", "in"), "Proposal id"),
        "blsampleId": Filter(RobotAction.blsampleId, ("eq", "in"), "Sample id"),
        "actionType": Filter(RobotAction.actionType, ("eq", "in"), "Action type"),
        "status": Filter(RobotAction.status, ("eq", "in"), "Outcome"),
        "startTimestamp": Filter(RobotAction.startTimestamp, ("gt", "gte", "lt", "lte"), "Start"),
    },
    sortable={
        "robotActionId": RobotAction.robotActionId,
        "startTimestamp": RobotAction.startTimestamp,
    },
    default_sort=("startTimestamp",),
    tiebreak=(RobotAction.robotActionId,),
)


def _all_actions():
    return (
        select(RobotAction)
        .outerjoin(RobotAction.BLSession)
        .outerjoin(BLSession.Proposal)
        .options(contains_eager(RobotAction.BLSession).contains_eager(BLSession.Proposal))
    )


def visible_actions(caller: Caller):
    return _all_actions().where(visible_session_condition(caller))


def list_actions(*, db_session: Session, params: ListParams, caller: Caller) -> Page:
    return paginate(db_session, visible_actions(caller), params, LIST_SPEC)


def get_action(*, db_session: Session, ref: str, caller: Caller) -> RobotAction:
    """By id or UUID."""
    condition = ref_condition(
        ref, id_column=RobotAction.robotActionId, uuid_column=RobotAction.uuid
    )
    return one_or_404(db_session, visible_actions(caller).where(condition), "Robot action", ref)


def create_action(*, db_session: Session, data: dict[str, Any], caller: Caller) -> RobotAction:
    data = dict(data)
    resolve_session_and_sample(
        db_session,
        data,
        session_column="blsessionId",
        sample_column="blsampleId",
        caller=caller,
        action="record robot actions",
    )
    check_period(data, start="startTimestamp", end="endTimestamp")
    action = create_row(db_session, RobotAction, data)
    return _reload(db_session, action)


def update_action(
    *, db_session: Session, action: RobotAction, data: dict[str, Any], caller: Caller
) -> RobotAction:
    require_acquisition_writer(
        caller, beamline=action.BLSession.beamLineName, action="change robot actions"
    )
    if "blsessionId" in data and data["blsessionId"] != action.blsessionId:
        raise Conflict(
            "A robot action cannot move to another session.",
            {"blsessionId": ["Cannot be changed."]},
        )
    if data.get("blsampleId") is not None:
        check_sample_of_session(
            db_session, data["blsampleId"], session=action.BLSession, field="blsampleId"
        )
    check_period(data, start="startTimestamp", end="endTimestamp", current=action)
    # ISPyB declares startTimestamp ON UPDATE current_timestamp(): an update that does not
    # set it would move the start to now, so it is always written, with its own value.
    flag_modified(action, "startTimestamp")
    update_row(db_session, action, data)
    return _reload(db_session, action)


def _reload(db_session: Session, action: RobotAction) -> RobotAction:
    statement = _all_actions().where(RobotAction.robotActionId == action.robotActionId)
    return db_session.execute(statement.execution_options(populate_existing=True)).scalar_one()
