"""The sample changer's queue: containers queued for collection (unattended or not) and
their samples, each with what to collect and how far it got."""

from __future__ import annotations

import datetime

from sqlalchemy import TIMESTAMP, DateTime, ForeignKeyConstraint, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..containers.models import Container
from ..database import Base, UuidMixin


class ContainerQueue(UuidMixin, Base):
    """A container queued for collection, until it is completed."""

    __tablename__ = "ContainerQueue"
    __table_args__ = (
        ForeignKeyConstraint(
            ["containerId"],
            ["Container.containerId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="ContainerQueue_ibfk1",
        ),
        ForeignKeyConstraint(
            ["personId"], ["Person.personId"], onupdate="CASCADE", name="ContainerQueue_ibfk2"
        ),
        Index("ContainerQueue_ibfk1", "containerId"),
        Index("ContainerQueue_ibfk2", "personId"),
        Index("ContainerQueue_idx1", "containerId", "completedTimeStamp"),
    )

    containerQueueId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    containerId: Mapped[int] = mapped_column(
        Integer, nullable=False, doc="The container queued (Container)."
    )
    personId: Mapped[int | None] = mapped_column(
        Integer, doc="Who queued it (Person); the caller's person when not given."
    )
    createdTimeStamp: Mapped[datetime.datetime] = mapped_column(
        TIMESTAMP,
        nullable=False,
        server_default=func.current_timestamp(),
        doc="When it was queued (set by the database).",
    )
    completedTimeStamp: Mapped[datetime.datetime | None] = mapped_column(
        TIMESTAMP, doc="When the queue was completed (null while it is pending)."
    )

    Container: Mapped[Container] = relationship(Container, lazy="raise")
    ContainerQueueSample: Mapped[list[ContainerQueueSample]] = relationship(
        "ContainerQueueSample",
        lazy="raise",
        order_by="ContainerQueueSample.containerQueueSampleId",
    )


class ContainerQueueSample(UuidMixin, Base):
    """A sample of a queued container, with the plan to collect and its progress."""

    __tablename__ = "ContainerQueueSample"
    __table_args__ = (
        ForeignKeyConstraint(
            ["blSampleId"], ["BLSample.blSampleId"], name="ContainerQueueSample_blSampleId"
        ),
        ForeignKeyConstraint(
            ["containerQueueId"],
            ["ContainerQueue.containerQueueId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="ContainerQueueSample_ibfk1",
        ),
        ForeignKeyConstraint(
            ["dataCollectionPlanId"],
            ["DiffractionPlan.diffractionPlanId"],
            name="ContainerQueueSample_dataCollectionPlanId",
        ),
        Index("ContainerQueueSample_blSampleId", "blSampleId"),
        Index("ContainerQueueSample_dataCollectionPlanId", "dataCollectionPlanId"),
        Index("ContainerQueueSample_ibfk1", "containerQueueId"),
    )

    containerQueueSampleId: Mapped[int] = mapped_column(
        Integer, primary_key=True, doc="Database id."
    )
    containerQueueId: Mapped[int | None] = mapped_column(Integer, doc="The queue (ContainerQueue).")
    blSampleId: Mapped[int | None] = mapped_column(
        Integer, doc="The sample (BLSample), in the queued container."
    )
    dataCollectionPlanId: Mapped[int | None] = mapped_column(
        Integer, doc="What to collect (DiffractionPlan.diffractionPlanId)."
    )
    status: Mapped[str | None] = mapped_column(
        String(20),
        doc="Status of the item, e.g. skipped, reinspect (completed or failed is read from "
        "its data collections).",
    )
    startTime: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="When the beamline started on the item (facility local time)."
    )
    endTime: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="When the beamline finished the item (facility local time)."
    )
