"""SSX runs: ISPyB's SSXDataCollection (1:1 with a core DataCollection, stored by UUID),
EventChain, Event and EventType (pump-probe timing), and SSXRegistrationAttempt, a table
of ours recording each registration in flight with core until it is done or undone."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import (
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ispyb_shared.uuids import UUID_LENGTH, UuidMixin

from ..components.models import Component
from ..database import Base

if TYPE_CHECKING:
    from ..results.models import SSXProcessingResult

EVENT_TYPES = ("XrayDetection", "XrayExposure", "LaserExcitation", "ReactionTrigger")
EXPERIMENT_TYPES = ("SSX-Chip", "SSX-Jet")


class EventType(Base):
    __tablename__ = "EventType"

    eventTypeId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Identifier.")
    name: Mapped[str] = mapped_column(
        String(30),
        unique=True,
        doc="Kind of event: XrayDetection, XrayExposure, LaserExcitation, ReactionTrigger.",
    )


class SSXDataCollection(UuidMixin, Base):
    """One SSX run: extends one core DataCollection (1:1) with SSX parameters."""

    __tablename__ = "SSXDataCollection"
    __table_args__ = (UniqueConstraint("requestedBy", "clientRequestId"),)

    ssxDataCollectionId: Mapped[int] = mapped_column(
        Integer, primary_key=True, doc="Identifier (ISPyB uses dataCollectionId as key)."
    )
    dataCollectionUUID: Mapped[str] = mapped_column(
        String(UUID_LENGTH),
        unique=True,
        doc="UUID of the core DataCollection this run extends (ISPyB: dataCollectionId).",
    )
    dataCollectionGroupUUID: Mapped[str] = mapped_column(
        String(UUID_LENGTH), doc="UUID of the core DataCollectionGroup (SSX-Chip or SSX-Jet)."
    )
    sessionUUID: Mapped[str] = mapped_column(
        String(UUID_LENGTH), index=True, doc="UUID of the core session of the run."
    )
    blSampleUUID: Mapped[str | None] = mapped_column(
        String(UUID_LENGTH), doc="UUID of the core sample (BLSample) in the beam, if any."
    )
    experimentType: Mapped[str] = mapped_column(
        Enum(*EXPERIMENT_TYPES, native_enum=False, length=10),
        doc="SSX-Chip (fixed target) or SSX-Jet (injector), as in the core group.",
    )
    repetitionRate: Mapped[float | None] = mapped_column(
        Float, doc="Rate at which crystals are exposed, Hz."
    )
    energyBandwidth: Mapped[float | None] = mapped_column(
        Float, doc="Relative energy bandwidth of the beam, percent."
    )
    monoStripe: Mapped[str | None] = mapped_column(
        String(255), doc="Monochromator (multilayer) stripe used."
    )
    jetSpeed: Mapped[float | None] = mapped_column(Float, doc="Jet speed, mm/s (jet runs).")
    jetSize: Mapped[float | None] = mapped_column(Float, doc="Jet diameter, um (jet runs).")
    chipPattern: Mapped[str | None] = mapped_column(
        String(255), doc="Pattern of apertures visited on the chip (chip runs)."
    )
    chipModel: Mapped[str | None] = mapped_column(
        String(255), doc="Model of fixed-target chip (chip runs)."
    )
    reactionDuration: Mapped[float | None] = mapped_column(
        Float,
        doc="Time from reaction start to exposure when constant for the run, seconds.",
    )
    laserEnergy: Mapped[float | None] = mapped_column(
        Float, doc="Energy of one pump laser pulse, uJ."
    )
    experimentName: Mapped[str | None] = mapped_column(
        String(255), doc="Name given to the experiment by the user."
    )
    requestedBy: Mapped[str] = mapped_column(
        String(255), doc="Subject (login or client id) of the caller who registered the run."
    )
    clientRequestId: Mapped[str | None] = mapped_column(
        String(100),
        doc="The registering client's request id: a retry with the same one (same caller) "
        "returns this run instead of creating another.",
    )
    recordTimeStamp: Mapped[dt.datetime] = mapped_column(
        DateTime, server_default=func.now(), doc="When the run was registered (UTC)."
    )

    EventChains: Mapped[list[EventChain]] = relationship(
        back_populates="SSXDataCollection", cascade="all, delete-orphan"
    )
    # The run's latest result: only ever loaded by the query that picks it
    # (runs/service.py, session_runs), never lazily.
    LatestResult: Mapped[SSXProcessingResult | None] = relationship(
        "SSXProcessingResult",
        primaryjoin="foreign(SSXProcessingResult.ssxDataCollectionId) == "
        "SSXDataCollection.ssxDataCollectionId",
        viewonly=True,
        uselist=False,
        lazy="raise",
    )


class EventChain(UuidMixin, Base):
    __tablename__ = "EventChain"

    eventChainId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Identifier.")
    ssxDataCollectionId: Mapped[int] = mapped_column(
        ForeignKey("SSXDataCollection.ssxDataCollectionId", ondelete="CASCADE"),
        index=True,
        doc="The SSX run (ISPyB: dataCollectionId).",
    )
    name: Mapped[str | None] = mapped_column(String(255), doc="Name of the chain.")

    SSXDataCollection: Mapped[SSXDataCollection] = relationship(back_populates="EventChains")
    Events: Mapped[list[Event]] = relationship(
        back_populates="EventChain",
        cascade="all, delete-orphan",
        order_by="[Event.offset, Event.eventId]",
    )


class Event(UuidMixin, Base):
    __tablename__ = "Event"

    eventId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Identifier.")
    eventChainId: Mapped[int] = mapped_column(
        ForeignKey("EventChain.eventChainId", ondelete="CASCADE"),
        index=True,
        doc="The chain the event belongs to.",
    )
    eventTypeId: Mapped[int] = mapped_column(
        ForeignKey("EventType.eventTypeId"), index=True, doc="Kind of event."
    )
    componentId: Mapped[int | None] = mapped_column(
        ForeignKey("Component.componentId"),
        index=True,
        doc="Component involved (e.g. the ligand a ReactionTrigger mixes in).",
    )
    name: Mapped[str | None] = mapped_column(String(255), doc="Name of the event.")
    offset: Mapped[float] = mapped_column(
        Float, doc="Start of the event relative to the start of the data collection, seconds."
    )
    duration: Mapped[float | None] = mapped_column(
        Float, doc="Duration of one occurrence, seconds."
    )
    period: Mapped[float | None] = mapped_column(
        Float, doc="Time between the starts of two occurrences when repeated, seconds."
    )
    repetition: Mapped[float | None] = mapped_column(
        Float, doc="Number of occurrences when repeated."
    )

    EventChain: Mapped[EventChain] = relationship(back_populates="Events")
    EventType: Mapped[EventType] = relationship(lazy="joined")
    Component: Mapped[Component | None] = relationship(lazy="joined")

    @property
    def end(self) -> float:
        """End of the last occurrence, seconds from the start of the data collection."""
        repeats = (self.repetition or 1) - 1
        return self.offset + (self.period or 0) * repeats + (self.duration or 0)


STARTED = "started"
UNDOING = "undoing"


class SSXRegistrationAttempt(Base):
    """A run registration in flight with core (table of ours; docs/ssx.md).

    Written and committed before core is asked, removed in the transaction that stores
    the run, or once core has undone what the registration may have created. A row left
    behind (ssx stopped mid-way, or core unreachable for the undo) is undone later by the
    retry loop, with ssx's own client credentials."""

    __tablename__ = "SSXRegistrationAttempt"

    ssxRegistrationAttemptId: Mapped[int] = mapped_column(
        Integer, primary_key=True, doc="Identifier."
    )
    registrationKey: Mapped[str] = mapped_column(
        String(UUID_LENGTH),
        unique=True,
        doc="The key of the registration in core (the UUID the run gets when it is stored).",
    )
    state: Mapped[str] = mapped_column(
        String(10),
        doc="started (core is being asked) or undoing (the registration failed; what core "
        "may have created is being removed).",
    )
    requestedBy: Mapped[str] = mapped_column(
        String(255), doc="Subject of the caller who asked for the registration."
    )
    requestId: Mapped[str | None] = mapped_column(
        String(100), doc="X-Request-ID of the registration request (to follow it in logs)."
    )
    createdAt: Mapped[dt.datetime] = mapped_column(
        DateTime, doc="When the registration started (UTC)."
    )
    undoAttempts: Mapped[int] = mapped_column(
        Integer, default=0, doc="Undo requests sent to core so far."
    )
    nextAttemptAt: Mapped[dt.datetime | None] = mapped_column(
        DateTime, doc="When the retry loop may try the undo again (UTC)."
    )
    lastError: Mapped[str | None] = mapped_column(String(255), doc="Why the last undo failed.")
