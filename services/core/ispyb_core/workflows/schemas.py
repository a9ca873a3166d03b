from __future__ import annotations

from marshmallow import fields, validate
from marshmallow_sqlalchemy import auto_field

from ispyb_shared.schemas import ModelSchema

from .models import Workflow, WorkflowStep

STEP_READ_ONLY = ("workflowStepId", "uuid", "workflowId")
WORKFLOW_READ_ONLY = ("workflowId", "uuid")


class WorkflowStepRead(ModelSchema):
    """One step of a workflow; its files are served by /workflow-steps/{ref}/{kind}."""

    class Meta(ModelSchema.Meta):
        model = WorkflowStep
        dump_only = STEP_READ_ONLY


class WorkflowRead(ModelSchema):
    """A workflow with its steps (oldest first) and the groups it ran."""

    steps = fields.List(
        fields.Nested(WorkflowStepRead),
        attribute="WorkflowStep",
        dump_only=True,
        metadata={"description": "Its steps, in the order they were recorded."},
    )

    class Meta(ModelSchema.Meta):
        model = Workflow
        dump_only = WORKFLOW_READ_ONLY


class WorkflowStepCreate(ModelSchema):
    """A step of a workflow (the beamline's workflow engine writes it as it runs)."""

    class Meta(ModelSchema.Meta):
        model = WorkflowStep
        exclude = STEP_READ_ONLY


class WorkflowUpdate(ModelSchema):
    """Changes to a workflow (its status at the end, its result files); only the fields
    sent."""

    class Meta(ModelSchema.Meta):
        model = Workflow
        exclude = WORKFLOW_READ_ONLY


class WorkflowCreate(WorkflowUpdate):
    """A new workflow for a data collection group (which then names it by its
    ``workflowId``), optionally with its first steps: one transaction."""

    dataCollectionGroupId = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "The data collection group the workflow ran."},
    )
    recordTimeStamp = auto_field(required=False)
    steps = fields.List(
        fields.Nested(WorkflowStepCreate),
        load_default=list,
        validate=validate.Length(max=1000),
        metadata={"description": "Its steps so far (at most 1000)."},
    )
