from __future__ import annotations

import datetime

from sqlalchemy import Boolean, DateTime, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ispyb_shared.uuids import UuidMixin

from ..database import Base, data_collection_uuid_column


class AutoProcProgram(UuidMixin, Base):
    """A run of a processing program (motion correction, CTF estimation, particle picking,
    classification, tomogram reconstruction...) on one data collection. Results name the
    run that produced them."""

    __tablename__ = "AutoProcProgram"
    __table_args__ = (
        Index("AutoProcProgram_dataCollectionUUID", "dataCollectionUUID", "autoProcProgramId"),
    )

    autoProcProgramId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    # ISPyB links a program run to its data collection through ProcessingJob; EM has no
    # processing jobs, so the run names core's data collection directly.
    dataCollectionUUID: Mapped[str] = data_collection_uuid_column(
        doc="UUID of the data collection (in core) the program processed."
    )
    processingCommandLine: Mapped[str | None] = mapped_column(
        String(255), doc="Command line that ran the processing."
    )
    processingPrograms: Mapped[str | None] = mapped_column(
        String(255), doc="Program names, comma-separated, e.g. 'MotionCor2' or 'crYOLO'."
    )
    processingStatus: Mapped[bool | None] = mapped_column(
        Boolean, doc="true: succeeded, false: failed, null: still running."
    )
    processingMessage: Mapped[str | None] = mapped_column(
        String(255), doc="Last message of the run: warning, error..."
    )
    processingStartTime: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="When the processing started (facility local time)."
    )
    processingEndTime: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="When the processing ended (facility local time)."
    )
    processingEnvironment: Mapped[str | None] = mapped_column(
        String(255), doc="Where it ran: cluster, nodes, CPUs/GPUs..."
    )
    recordTimeStamp: Mapped[datetime.datetime | None] = mapped_column(
        DateTime,
        server_default=func.current_timestamp(),
        doc="When the row was created (set by the database).",
    )
