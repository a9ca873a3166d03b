from __future__ import annotations

import datetime

from sqlalchemy import (
    TIMESTAMP,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    SmallInteger,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ispyb_shared.types import LenientEnum

from ..database import Base, UuidMixin
from ..samples.models import BLSample
from ..sessions.models import BLSession

ACTION_TYPES = ("LOAD", "UNLOAD", "DISPOSE", "STORE", "WASH", "ANNEAL", "MOSAIC", "LASER")
ACTION_STATUSES = ("SUCCESS", "ERROR", "CRITICAL", "WARNING", "EPICSFAIL", "COMMANDNOTSENT")


class RobotAction(UuidMixin, Base):
    """What the sample changer's robot did during a session: loading, unloading, washing
    a sample..., with its outcome."""

    __tablename__ = "RobotAction"
    __table_args__ = (
        ForeignKeyConstraint(["blsampleId"], ["BLSample.blSampleId"], name="RobotAction_FK2"),
        ForeignKeyConstraint(["blsessionId"], ["BLSession.sessionId"], name="RobotAction_FK1"),
        Index("RobotAction_FK1", "blsessionId"),
        Index("RobotAction_FK2", "blsampleId"),
    )

    robotActionId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    blsessionId: Mapped[int] = mapped_column(
        Integer, nullable=False, doc="The session (BLSession.sessionId)."
    )
    blsampleId: Mapped[int | None] = mapped_column(
        Integer, doc="The sample handled (BLSample.blSampleId), when known."
    )
    actionType: Mapped[str | None] = mapped_column(
        LenientEnum(*ACTION_TYPES, name="robot_action_type"),
        doc="LOAD, UNLOAD, DISPOSE, STORE, WASH, ANNEAL, MOSAIC or LASER.",
    )
    startTimestamp: Mapped[datetime.datetime] = mapped_column(
        TIMESTAMP,
        nullable=False,
        server_default=func.current_timestamp(),
        doc="When the action started (facility local time; now when not given).",
    )
    endTimestamp: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="When the action ended (facility local time)."
    )
    status: Mapped[str | None] = mapped_column(
        LenientEnum(*ACTION_STATUSES, name="robot_action_status"),
        doc="Outcome: SUCCESS, ERROR, CRITICAL, WARNING, EPICSFAIL or COMMANDNOTSENT.",
    )
    message: Mapped[str | None] = mapped_column(String(255), doc="Message of the robot.")
    containerLocation: Mapped[int | None] = mapped_column(
        SmallInteger, doc="Position of the sample in its container."
    )
    dewarLocation: Mapped[int | None] = mapped_column(
        SmallInteger, doc="Position of the container in the sample changer's dewar."
    )
    sampleBarcode: Mapped[str | None] = mapped_column(
        String(45), doc="Barcode of the sample as read by the robot."
    )
    xtalSnapshotBefore: Mapped[str | None] = mapped_column(
        String(255), doc="Path of a snapshot of the crystal before the action."
    )
    xtalSnapshotAfter: Mapped[str | None] = mapped_column(
        String(255), doc="Path of a snapshot of the crystal after the action."
    )

    BLSession: Mapped[BLSession] = relationship(BLSession, lazy="raise")
    BLSample: Mapped[BLSample | None] = relationship(BLSample, lazy="raise")
