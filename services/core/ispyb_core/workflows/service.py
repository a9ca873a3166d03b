"""Workflows and their steps: written by beamline control (the acquisition scope, or staff
of the beamline), read by whoever sees a data collection group that names the workflow
(``DataCollectionGroup.workflowId``)."""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from ispyb_shared.auth import Caller
from ispyb_shared.crud import create_row, one_or_404, ref_condition, update_row
from ispyb_shared.errors import Conflict, NotFound
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate

from ..access import PROCESSING_READ_SCOPES, require_acquisition_writer, session_condition
from ..data_collections import service as data_collections
from ..data_collections.models import DataCollectionGroup
from ..sessions.models import BLSession
from .models import Workflow, WorkflowStep

STEP_LIST_SPEC = ListSpec(
    filters={
        "workflowId": Filter(WorkflowStep.workflowId, ("eq", "in"), "Workflow id"),
        "workflowStepId": Filter(WorkflowStep.workflowStepId, ("eq", "in"), "Step id"),
        "workflowStepType": Filter(WorkflowStep.workflowStepType, ("eq", "in"), "Kind of step"),
        "status": Filter(WorkflowStep.status, ("eq", "in"), "Status"),
    },
    sortable={
        "workflowStepId": WorkflowStep.workflowStepId,
        "recordTimeStamp": WorkflowStep.recordTimeStamp,
    },
    default_sort=("workflowStepId",),
    tiebreak=(WorkflowStep.workflowStepId,),
)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)


def _visible_workflow_condition(caller: Caller):
    """A workflow is visible when a data collection group naming it is."""
    return exists(
        select(DataCollectionGroup.dataCollectionGroupId)
        .join(BLSession, BLSession.sessionId == DataCollectionGroup.sessionId)
        .where(
            DataCollectionGroup.workflowId == Workflow.workflowId,
            session_condition(caller, PROCESSING_READ_SCOPES),
        )
    )


def _workflows():
    return select(Workflow).options(selectinload(Workflow.WorkflowStep))


def get_workflow(*, db_session: Session, ref: str, caller: Caller) -> Workflow:
    """By id or UUID."""
    condition = ref_condition(ref, id_column=Workflow.workflowId, uuid_column=Workflow.uuid)
    statement = _workflows().where(condition, _visible_workflow_condition(caller))
    return one_or_404(db_session, statement, "Workflow", ref)


def workflow_of_group(*, db_session: Session, group: DataCollectionGroup) -> Workflow:
    """``group`` was read as the caller sees it: its workflow is visible with it."""
    if group.workflowId is None:
        raise NotFound(
            f"Data collection group {group.dataCollectionGroupId} has no workflow.",
            {"ref": [str(group.dataCollectionGroupId)]},
        )
    statement = _workflows().where(Workflow.workflowId == group.workflowId)
    return one_or_404(db_session, statement, "Workflow", group.workflowId)


def _visible_steps(caller: Caller):
    return (
        select(WorkflowStep)
        .join(WorkflowStep.Workflow)
        .options(contains_eager(WorkflowStep.Workflow))
        .where(_visible_workflow_condition(caller))
    )


def list_steps(*, db_session: Session, params: ListParams, caller: Caller) -> Page:
    return paginate(db_session, _visible_steps(caller), params, STEP_LIST_SPEC)


def get_step(*, db_session: Session, ref: str, caller: Caller) -> WorkflowStep:
    condition = ref_condition(
        ref, id_column=WorkflowStep.workflowStepId, uuid_column=WorkflowStep.uuid
    )
    return one_or_404(db_session, _visible_steps(caller).where(condition), "Workflow step", ref)


def _beamline_of_workflow(db_session: Session, workflow: Workflow) -> str | None:
    return db_session.execute(
        select(BLSession.beamLineName)
        .join(DataCollectionGroup, DataCollectionGroup.sessionId == BLSession.sessionId)
        .where(DataCollectionGroup.workflowId == workflow.workflowId)
        .limit(1)
    ).scalar()


def _new_step(db_session: Session, workflow: Workflow, data: dict[str, Any]) -> WorkflowStep:
    values = {"recordTimeStamp": _now(), **data, "workflowId": workflow.workflowId}
    return create_row(db_session, WorkflowStep, values)


def create_workflow(*, db_session: Session, data: dict[str, Any], caller: Caller) -> Workflow:
    values = dict(data)
    group_id = values.pop("dataCollectionGroupId")
    steps = values.pop("steps", [])
    group = data_collections.group_for_write(db_session, group_id)
    require_acquisition_writer(
        caller, beamline=group.BLSession.beamLineName, action="record workflows"
    )
    if group.workflowId is not None:
        raise Conflict(
            f"Data collection group {group_id} already has workflow {group.workflowId}.",
            {"dataCollectionGroupId": ["Already has a workflow."]},
        )
    workflow = create_row(db_session, Workflow, {"recordTimeStamp": _now(), **values})
    group.workflowId = workflow.workflowId
    for step in steps:
        _new_step(db_session, workflow, step)
    db_session.flush()
    return _reload(db_session, workflow)


def _require_writer(db_session: Session, workflow: Workflow, caller: Caller, action: str) -> None:
    require_acquisition_writer(
        caller, beamline=_beamline_of_workflow(db_session, workflow), action=action
    )


def workflow_for_write(*, db_session: Session, ref: str, caller: Caller) -> Workflow:
    """A workflow by id or UUID for its writer (who need not be able to read it)."""
    condition = ref_condition(ref, id_column=Workflow.workflowId, uuid_column=Workflow.uuid)
    workflow = one_or_404(db_session, _workflows().where(condition), "Workflow", ref)
    _require_writer(db_session, workflow, caller, "change workflows")
    return workflow


def update_workflow(
    *, db_session: Session, workflow: Workflow, data: dict[str, Any], caller: Caller
) -> Workflow:
    update_row(db_session, workflow, {"recordTimeStamp": _now(), **data})
    return _reload(db_session, workflow)


def add_step(
    *, db_session: Session, workflow: Workflow, data: dict[str, Any], caller: Caller
) -> WorkflowStep:
    step = _new_step(db_session, workflow, data)
    statement = (
        select(WorkflowStep)
        .join(WorkflowStep.Workflow)
        .options(contains_eager(WorkflowStep.Workflow))
        .where(WorkflowStep.workflowStepId == step.workflowStepId)
    )
    return db_session.execute(statement).scalar_one()


def _reload(db_session: Session, workflow: Workflow) -> Workflow:
    statement = _workflows().where(Workflow.workflowId == workflow.workflowId)
    return db_session.execute(statement.execution_options(populate_existing=True)).scalar_one()
