"""AutoProcProgramMessage: what a processing run reported (errors, warnings, notes), as
ISPyB (Diamond's flavour) keeps it (docs/workflows.md)."""

from __future__ import annotations

import datetime

from sqlalchemy import TIMESTAMP, Enum, ForeignKeyConstraint, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Base, UuidMixin

SEVERITIES = ("ERROR", "WARNING", "INFO")


class AutoProcProgramMessage(UuidMixin, Base):
    """One message of a processing run (ISPyB's table)."""

    __tablename__ = "AutoProcProgramMessage"
    __table_args__ = (
        ForeignKeyConstraint(
            ["autoProcProgramId"],
            ["AutoProcProgram.autoProcProgramId"],
            name="AutoProcProgramMessage_fk1",
        ),
        Index("AutoProcProgramMessage_fk1", "autoProcProgramId"),
    )

    autoProcProgramMessageId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Id.")
    recordTimeStamp: Mapped[datetime.datetime] = mapped_column(
        TIMESTAMP,
        nullable=False,
        server_default=func.current_timestamp(),
        doc="When it was reported (set by the database).",
    )
    severity: Mapped[str] = mapped_column(
        Enum(*SEVERITIES, name="auto_proc_program_message_severity"),
        nullable=False,
        doc="ERROR, WARNING or INFO.",
    )
    autoProcProgramId: Mapped[int | None] = mapped_column(Integer, doc="The processing run.")
    message: Mapped[str | None] = mapped_column(String(200), doc="The message, short.")
    description: Mapped[str | None] = mapped_column(Text, doc="More about it.")
