"""Workflow and WorkflowStep: what a beamline's automated workflow (MXPressE, a mesh and
collect, a characterisation...) did, step by step. ESRF's flavour of ISPyB has both tables
(Diamond's dropped them); a data collection group names its workflow by
``DataCollectionGroup.workflowId`` (docs/workflows.md)."""

from __future__ import annotations

import datetime

from sqlalchemy import TIMESTAMP, DateTime, Enum, ForeignKeyConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Base, UuidMixin

# ESRF's Workflow.workflowType, in its order.
WORKFLOW_TYPES = (
    "Characterisation",
    "Undefined",
    "BioSAXS Post Processing",
    "EnhancedCharacterisation",
    "LineScan",
    "MeshScan",
    "Dehydration",
    "KappaReorientation",
    "BurnStrategy",
    "XrayCentering",
    "DiffractionTomography",
    "TroubleShooting",
    "VisualReorientation",
    "HelicalCharacterisation",
    "GroupedProcessing",
    "MXPressE",
    "MXPressO",
    "MXPressL",
    "MXScore",
    "MXPressI",
    "MXPressM",
    "MXPressA",
    "CollectAndSpectra",
    "LowDoseDC",
    "EnergyInterleavedMAD",
    "MXPressF",
    "MXPressH",
    "MXPressP",
    "MXPressP_SAD",
    "MXPressR",
    "MXPressR_180",
    "MXPressR_dehydration",
    "MeshAndCollect",
    "MeshAndCollectFromFile",
    "CalibrateKappa",
    "CenterRotationAxis",
    "CentreBeam",
    "CentrePin",
    "ChipX_collect",
    "ChipX_collect_sections",
    "ChipX_left_position",
    "ChipX_right_position",
    "DistanceCalibration",
    "IceRingsMeshScan",
    "MeshAndBurn",
    "MXPressA_globalp",
    "MXPressA_globalp_full",
    "MXPressA_globalp_minimal",
    "MXPressA_globalp_quick",
    "MXPressA_HTX",
    "MXPressF_twoMeshes",
    "MXPressK",
    "MXPressO_540",
    "MXPressS",
    "TroubleShootingWithDialog",
)

# The files a step may name, by the name of their route.
STEP_FILES = {
    "image": "imageResultFilePath",
    "html": "htmlResultFilePath",
    "result": "resultFilePath",
}


class Workflow(UuidMixin, Base):
    """One run of an automated beamline workflow (ESRF's table, columns as ESRF names them)."""

    __tablename__ = "Workflow"

    workflowId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Id.")
    workflowTitle: Mapped[str | None] = mapped_column(String(255), doc="Title.")
    workflowType: Mapped[str | None] = mapped_column(
        Enum(*WORKFLOW_TYPES, name="workflow_type"), doc="Which workflow (MXPressE, ...)."
    )
    workflowTypeId: Mapped[int | None] = mapped_column(Integer, doc="Site's workflow type id.")
    comments: Mapped[str | None] = mapped_column(String(1024), doc="Free-text comments.")
    status: Mapped[str | None] = mapped_column(String(255), doc="Status, e.g. Success.")
    resultFilePath: Mapped[str | None] = mapped_column(String(255), doc="Result file.")
    logFilePath: Mapped[str | None] = mapped_column(String(255), doc="Log file.")
    recordTimeStamp: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="Creation or last update (UTC)."
    )

    WorkflowStep: Mapped[list[WorkflowStep]] = relationship(
        lazy="raise", order_by="WorkflowStep.workflowStepId", viewonly=True
    )


class WorkflowStep(UuidMixin, Base):
    """One step of a workflow, with the files it left (ESRF's table)."""

    __tablename__ = "WorkflowStep"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workflowId"],
            ["Workflow.workflowId"],
            ondelete="CASCADE",
            name="step_to_workflow_fk",
        ),
        Index("step_to_workflow_fk", "workflowId"),
    )

    workflowStepId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Id.")
    workflowId: Mapped[int] = mapped_column(Integer, nullable=False, doc="The workflow.")
    workflowStepType: Mapped[str | None] = mapped_column(String(45), doc="Kind of step.")
    status: Mapped[str | None] = mapped_column(String(45), doc="Status, e.g. Success.")
    folderPath: Mapped[str | None] = mapped_column(String(1024), doc="Folder of its files.")
    imageResultFilePath: Mapped[str | None] = mapped_column(
        String(1024), doc="Image of its result (a plot, a mesh map)."
    )
    htmlResultFilePath: Mapped[str | None] = mapped_column(
        String(1024), doc="HTML report of its result."
    )
    resultFilePath: Mapped[str | None] = mapped_column(String(1024), doc="Result file.")
    comments: Mapped[str | None] = mapped_column(String(2048), doc="Free-text comments.")
    crystalSizeX: Mapped[str | None] = mapped_column(String(45), doc="Crystal size X.")
    crystalSizeY: Mapped[str | None] = mapped_column(String(45), doc="Crystal size Y.")
    crystalSizeZ: Mapped[str | None] = mapped_column(String(45), doc="Crystal size Z.")
    maxDozorScore: Mapped[str | None] = mapped_column(String(45), doc="Best Dozor score.")
    recordTimeStamp: Mapped[datetime.datetime | None] = mapped_column(
        TIMESTAMP, nullable=True, doc="When it was recorded (UTC)."
    )

    Workflow: Mapped[Workflow] = relationship(lazy="raise", viewonly=True)
