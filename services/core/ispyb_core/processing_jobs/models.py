"""ProcessingJob and ProcessingJobParameter: a request to process data collections (which
recipe, with which parameters), as ISPyB (Diamond's flavour) keeps it; the runs it causes
are AutoProcProgram rows (docs/workflows.md)."""

from __future__ import annotations

import datetime

from sqlalchemy import TIMESTAMP, Boolean, ForeignKeyConstraint, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Base, UuidMixin


class ProcessingJob(UuidMixin, Base):
    """A processing request for a data collection (ISPyB's table)."""

    __tablename__ = "ProcessingJob"
    __table_args__ = (
        ForeignKeyConstraint(
            ["dataCollectionId"], ["DataCollection.dataCollectionId"], name="ProcessingJob_ibfk1"
        ),
        Index("ProcessingJob_ibfk1", "dataCollectionId"),
    )

    processingJobId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Id.")
    recordTimestamp: Mapped[datetime.datetime] = mapped_column(
        TIMESTAMP,
        nullable=False,
        server_default=func.current_timestamp(),
        doc="When the job was submitted (set by the database).",
    )
    dataCollectionId: Mapped[int | None] = mapped_column(Integer, doc="The data collection.")
    displayName: Mapped[str | None] = mapped_column(
        String(80), doc="Name shown: xia2, fast_dp, dimple, ..."
    )
    comments: Mapped[str | None] = mapped_column(
        String(255), doc="Why the job was asked for (users' note)."
    )
    recipe: Mapped[str | None] = mapped_column(String(50), doc="What to run (a recipe name).")
    automatic: Mapped[bool | None] = mapped_column(
        Boolean, doc="Triggered automatically (true) or asked for by someone (false)."
    )

    ProcessingJobParameter: Mapped[list[ProcessingJobParameter]] = relationship(
        lazy="raise", order_by="ProcessingJobParameter.processingJobParameterId", viewonly=True
    )


class ProcessingJobParameter(UuidMixin, Base):
    """One key/value parameter of a processing job (ISPyB's table)."""

    __tablename__ = "ProcessingJobParameter"
    __table_args__ = (
        ForeignKeyConstraint(
            ["processingJobId"],
            ["ProcessingJob.processingJobId"],
            name="ProcessingJobParameter_ibfk1",
        ),
        Index("ProcessingJobParameter_ibfk1", "processingJobId"),
        Index("ProcessingJobParameter_idx_paramKey_procJobId", "parameterKey", "processingJobId"),
    )

    processingJobParameterId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Id.")
    processingJobId: Mapped[int | None] = mapped_column(Integer, doc="The job.")
    parameterKey: Mapped[str | None] = mapped_column(
        String(80), doc="E.g. resolution, spacegroup, pipeline."
    )
    parameterValue: Mapped[str | None] = mapped_column(String(1024), doc="Its value.")
