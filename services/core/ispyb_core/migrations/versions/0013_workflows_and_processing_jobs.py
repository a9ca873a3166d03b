"""Workflows, processing jobs and processing messages (docs/workflows.md): ESRF's Workflow
and WorkflowStep, with DataCollectionGroup.workflowId (ESRF's link from a group to its
workflow); Diamond's ProcessingJob, ProcessingJobParameter and AutoProcProgramMessage.
Each is created where missing (a site's ISPyB database has the ones of its flavour), with
its uuid column like every table core serves.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa

from ispyb_core.migration_helpers import (
    ensure_column,
    ensure_index,
    ensure_table,
    ensure_uuid,
    uuid_column,
    uuid_constraint,
)
from ispyb_core.workflows.models import WORKFLOW_TYPES

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TABLES = (
    "Workflow",
    "WorkflowStep",
    "ProcessingJob",
    "ProcessingJobParameter",
    "AutoProcProgramMessage",
)


def _created_now():
    return sa.Column(
        "recordTimestamp",
        sa.TIMESTAMP(),
        nullable=False,
        server_default=sa.func.current_timestamp(),
    )


def upgrade() -> None:
    ensure_table(
        "Workflow",
        sa.Column("workflowId", sa.Integer(), primary_key=True),
        sa.Column("workflowTitle", sa.String(255)),
        sa.Column("workflowType", sa.Enum(*WORKFLOW_TYPES, name="workflow_type")),
        sa.Column("workflowTypeId", sa.Integer()),
        sa.Column("comments", sa.String(1024)),
        sa.Column("status", sa.String(255)),
        sa.Column("resultFilePath", sa.String(255)),
        sa.Column("logFilePath", sa.String(255)),
        sa.Column("recordTimeStamp", sa.DateTime()),
        uuid_column(),
        uuid_constraint("Workflow"),
    )
    ensure_table(
        "WorkflowStep",
        sa.Column("workflowStepId", sa.Integer(), primary_key=True),
        sa.Column("workflowId", sa.Integer(), nullable=False),
        sa.Column("workflowStepType", sa.String(45)),
        sa.Column("status", sa.String(45)),
        sa.Column("folderPath", sa.String(1024)),
        sa.Column("imageResultFilePath", sa.String(1024)),
        sa.Column("htmlResultFilePath", sa.String(1024)),
        sa.Column("resultFilePath", sa.String(1024)),
        sa.Column("comments", sa.String(2048)),
        sa.Column("crystalSizeX", sa.String(45)),
        sa.Column("crystalSizeY", sa.String(45)),
        sa.Column("crystalSizeZ", sa.String(45)),
        sa.Column("maxDozorScore", sa.String(45)),
        sa.Column("recordTimeStamp", sa.TIMESTAMP(), nullable=True),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["workflowId"], ["Workflow.workflowId"], ondelete="CASCADE", name="step_to_workflow_fk"
        ),
        uuid_constraint("WorkflowStep"),
        indexes=(("step_to_workflow_fk", ["workflowId"], False),),
    )
    # ESRF's databases have the column (with its key); elsewhere it is added, indexed.
    ensure_column("DataCollectionGroup", sa.Column("workflowId", sa.Integer()))
    ensure_index("DataCollectionGroup", "DataCollectionGroup_workflowId", "workflowId")
    ensure_table(
        "ProcessingJob",
        sa.Column("processingJobId", sa.Integer(), primary_key=True),
        _created_now(),
        sa.Column("dataCollectionId", sa.Integer()),
        sa.Column("displayName", sa.String(80)),
        sa.Column("comments", sa.String(255)),
        sa.Column("recipe", sa.String(50)),
        sa.Column("automatic", sa.Boolean()),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["dataCollectionId"], ["DataCollection.dataCollectionId"], name="ProcessingJob_ibfk1"
        ),
        uuid_constraint("ProcessingJob"),
        indexes=(("ProcessingJob_ibfk1", ["dataCollectionId"], False),),
    )
    ensure_table(
        "ProcessingJobParameter",
        sa.Column("processingJobParameterId", sa.Integer(), primary_key=True),
        sa.Column("processingJobId", sa.Integer()),
        sa.Column("parameterKey", sa.String(80)),
        sa.Column("parameterValue", sa.String(1024)),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["processingJobId"],
            ["ProcessingJob.processingJobId"],
            name="ProcessingJobParameter_ibfk1",
        ),
        uuid_constraint("ProcessingJobParameter"),
        indexes=(
            ("ProcessingJobParameter_ibfk1", ["processingJobId"], False),
            (
                "ProcessingJobParameter_idx_paramKey_procJobId",
                ["parameterKey", "processingJobId"],
                False,
            ),
        ),
    )
    ensure_table(
        "AutoProcProgramMessage",
        sa.Column("autoProcProgramMessageId", sa.Integer(), primary_key=True),
        sa.Column(
            "recordTimeStamp",
            sa.TIMESTAMP(),
            nullable=False,
            server_default=sa.func.current_timestamp(),
        ),
        sa.Column(
            "severity",
            sa.Enum("ERROR", "WARNING", "INFO", name="auto_proc_program_message_severity"),
            nullable=False,
        ),
        sa.Column("autoProcProgramId", sa.Integer()),
        sa.Column("message", sa.String(200)),
        sa.Column("description", sa.Text()),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["autoProcProgramId"],
            ["AutoProcProgram.autoProcProgramId"],
            name="AutoProcProgramMessage_fk1",
        ),
        uuid_constraint("AutoProcProgramMessage"),
        indexes=(("AutoProcProgramMessage_fk1", ["autoProcProgramId"], False),),
    )
    for table in TABLES:
        ensure_uuid(table)


def downgrade() -> None:
    raise NotImplementedError("core's migrations are not reversible (they may hold site data)")
