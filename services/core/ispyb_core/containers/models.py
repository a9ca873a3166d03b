from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, DateTime, Float, ForeignKeyConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Base, UuidMixin
from ..dewars.models import Dewar
from ..sessions.models import BLSession

if TYPE_CHECKING:
    from ..samples.models import BLSample


class Container(UuidMixin, Base):
    """A sample holder (puck, cassette, plate...) in a dewar, with numbered positions
    1..capacity; each position holds at most one sample."""

    __tablename__ = "Container"
    __table_args__ = (
        ForeignKeyConstraint(
            ["dewarId"],
            ["Dewar.dewarId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="Container_ibfk_1",
        ),
        ForeignKeyConstraint(["ownerId"], ["Person.personId"], name="Container_ibfk5"),
        ForeignKeyConstraint(
            ["parentContainerId"],
            ["Container.containerId"],
            name="Container_fk_parentContainerId",
        ),
        ForeignKeyConstraint(
            ["sessionId"],
            ["BLSession.sessionId"],
            ondelete="SET NULL",
            onupdate="CASCADE",
            name="Container_ibfk6",
        ),
        Index("Container_FKIndex", "beamlineLocation"),
        Index("Container_FKIndex1", "dewarId"),
        Index("Container_FKIndexStatus", "containerStatus"),
        Index("Container_UNIndex1", "barcode", unique=True),
        Index("Container_fk_parentContainerId", "parentContainerId"),
        Index("Container_ibfk5", "ownerId"),
        Index("Container_ibfk6", "sessionId"),
    )

    containerId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    dewarId: Mapped[int | None] = mapped_column(
        Integer, doc="The dewar the container travels in (Dewar.dewarId)."
    )
    code: Mapped[str | None] = mapped_column(
        String(45), doc="Name the user gives the container (e.g. the puck's name)."
    )
    barcode: Mapped[str | None] = mapped_column(
        String(45), doc="Barcode of the container, unique across the facility."
    )
    containerType: Mapped[str | None] = mapped_column(
        String(20),
        doc="Kind of holder, e.g. Unipuck, Spinepuck, Puck, Basket, Plate "
        "(docs/shipments.md lists the capacities known for each).",
    )
    capacity: Mapped[int | None] = mapped_column(
        Integer,
        doc="Number of sample positions (1..capacity); taken from containerType when not given.",
    )
    containerStatus: Mapped[str | None] = mapped_column(
        String(45), doc="Free-text status of the container at the facility."
    )
    sampleChangerLocation: Mapped[str | None] = mapped_column(
        String(20), doc="Position of the container in the beamline's sample changer."
    )
    beamlineLocation: Mapped[str | None] = mapped_column(
        String(20), doc="Beamline whose sample changer holds the container."
    )
    scLocationUpdated: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="When sampleChangerLocation last changed (facility local time)."
    )
    sessionId: Mapped[int | None] = mapped_column(
        Integer,
        doc="The session the container is for (BLSession.sessionId); a container outside "
        "any dewar belongs to this session's proposal.",
    )
    ownerId: Mapped[int | None] = mapped_column(
        Integer, doc="Person responsible for the container (Person.personId)."
    )
    parentContainerId: Mapped[int | None] = mapped_column(
        Integer, doc="Container this one sits in, e.g. a puck in a cassette (containerId)."
    )
    parentContainerLocation: Mapped[int | None] = mapped_column(
        Integer, doc="Position inside the parent container."
    )
    requestedReturn: Mapped[bool | None] = mapped_column(
        Boolean,
        server_default="0",
        doc="True when the user wants the container back; false: it may be disposed of.",
    )
    comments: Mapped[str | None] = mapped_column(String(255), doc="Free-text comments.")
    experimentType: Mapped[str | None] = mapped_column(
        String(20), doc="Kind of experiment the container is for (free text)."
    )
    storageTemperature: Mapped[float | None] = mapped_column(
        Float, doc="Storage temperature, in °C; null means ambient."
    )
    bltimeStamp: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="When the row was created (set by core, facility local time)."
    )

    Dewar: Mapped[Dewar | None] = relationship(Dewar, lazy="raise")
    BLSession: Mapped[BLSession | None] = relationship(BLSession, lazy="raise")
    samples: Mapped[list[BLSample]] = relationship(
        "BLSample", lazy="raise", order_by="BLSample.blSampleId", viewonly=True
    )
