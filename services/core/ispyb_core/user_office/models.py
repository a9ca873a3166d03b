"""UserOfficeSyncRun: a table of ours, one row per user-office synchronisation."""

from __future__ import annotations

import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Base, UuidMixin


class UserOfficeSyncRun(UuidMixin, Base):
    """One synchronisation with the user office: when, from where, what it did."""

    __tablename__ = "UserOfficeSyncRun"
    __table_args__ = (Index("UserOfficeSyncRun_startedAt", "startedAt"),)

    userOfficeSyncRunId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Id.")
    startedAt: Mapped[datetime.datetime] = mapped_column(
        DateTime, nullable=False, doc="When the sync started (UTC)."
    )
    finishedAt: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="When it finished (UTC)."
    )
    source: Mapped[str] = mapped_column(
        String(255), nullable=False, doc="Where the document came from (file, url, push)."
    )
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, doc="applied, refused (invalid document) or failed."
    )
    counts: Mapped[str | None] = mapped_column(Text, doc="Counts per entity (JSON text).")
    conflicts: Mapped[str | None] = mapped_column(Text, doc="Conflicts reported (JSON text).")
    errors: Mapped[str | None] = mapped_column(Text, doc="Errors (JSON text).")
