"""The ssx service's tables: ISPyB's SSX tables, plus results and live chunks of ours.

ISPyB names and types are kept (SSXDataCollection, EventChain, Event, EventType,
Component, ComponentType, SampleComposition, CrystalComposition, ConcentrationType).
Where ISPyB has an integer foreign key to a core table (dataCollectionId, blSampleId,
crystalId, proposalId), this service, which has its own database, stores the core row's
UUID instead: dataCollectionUUID, blSampleUUID, crystalUUID, proposalUUID. The rows of
core are never copied; core is asked (with the caller's token) when they are needed.
"""

from __future__ import annotations

import datetime as dt

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

from .database import Base

EVENT_TYPES = ("XrayDetection", "XrayExposure", "LaserExcitation", "ReactionTrigger")
COMPONENT_TYPES = ("Ligand", "Buffer", "JetMaterial", "Cryoprotectant", "Additive")
CONCENTRATION_TYPES = (
    ("Molar", "M"),
    ("Millimolar", "mM"),
    ("Micromolar", "uM"),
    ("Milligram per millilitre", "mg/ml"),
    ("Percent weight per volume", "%w/v"),
    ("Percent volume per volume", "%v/v"),
)
INDEXING_TYPES = ("Preliminary", "Final")
RESULT_STATUSES = ("Running", "Success", "Failed")


class EventType(Base):
    __tablename__ = "EventType"

    eventTypeId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Identifier.")
    name: Mapped[str] = mapped_column(
        String(30),
        unique=True,
        doc="Kind of event: XrayDetection, XrayExposure, LaserExcitation, ReactionTrigger.",
    )


class ComponentType(Base):
    __tablename__ = "ComponentType"

    componentTypeId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Identifier.")
    name: Mapped[str] = mapped_column(
        String(31), unique=True, doc="Kind of component: Ligand, Buffer, JetMaterial, ..."
    )


class ConcentrationType(Base):
    __tablename__ = "ConcentrationType"

    concentrationTypeId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Identifier.")
    name: Mapped[str] = mapped_column(String(31), doc="Name of the unit, e.g. Millimolar.")
    symbol: Mapped[str] = mapped_column(String(8), doc="Symbol of the unit, e.g. mM.")
    proposalType: Mapped[str | None] = mapped_column(
        String(10), doc="Proposal type the unit is offered for (null: all)."
    )
    active: Mapped[int | None] = mapped_column(
        Integer, server_default="1", doc="1 = offered, 0 = retired."
    )


class Component(UuidMixin, Base):
    __tablename__ = "Component"

    componentId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Identifier.")
    componentTypeId: Mapped[int] = mapped_column(
        ForeignKey("ComponentType.componentTypeId"), index=True, doc="Kind of component."
    )
    name: Mapped[str] = mapped_column(String(255), doc="Name, e.g. HEPES, LCP, ligand code.")
    proposalUUID: Mapped[str | None] = mapped_column(
        String(UUID_LENGTH),
        index=True,
        doc="UUID of the core proposal owning the component (ISPyB: proposalId).",
    )
    composition: Mapped[str | None] = mapped_column(
        String(255), doc="Chemical composition, free text (e.g. SMILES or formula)."
    )

    ComponentType: Mapped[ComponentType] = relationship(lazy="joined")


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
        Enum("SSX-Chip", "SSX-Jet", native_enum=False, length=10),
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
        back_populates="EventChain", cascade="all, delete-orphan", order_by="Event.offset"
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


class SampleComposition(UuidMixin, Base):
    __tablename__ = "SampleComposition"

    sampleCompositionId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Identifier.")
    componentId: Mapped[int] = mapped_column(
        ForeignKey("Component.componentId"), index=True, doc="The component."
    )
    blSampleUUID: Mapped[str] = mapped_column(
        String(UUID_LENGTH), index=True, doc="UUID of the core sample (ISPyB: blSampleId)."
    )
    concentrationTypeId: Mapped[int | None] = mapped_column(
        ForeignKey("ConcentrationType.concentrationTypeId"),
        doc="Unit of the abundance.",
    )
    abundance: Mapped[float | None] = mapped_column(
        Float, doc="Abundance or concentration, in the unit of concentrationTypeId."
    )
    ratio: Mapped[float | None] = mapped_column(Float, doc="Ratio to the other components.")
    pH: Mapped[float | None] = mapped_column(Float, doc="pH.")

    Component: Mapped[Component] = relationship(lazy="joined")
    ConcentrationType: Mapped[ConcentrationType | None] = relationship(lazy="joined")


class CrystalComposition(UuidMixin, Base):
    __tablename__ = "CrystalComposition"

    crystalCompositionId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Identifier.")
    componentId: Mapped[int] = mapped_column(
        ForeignKey("Component.componentId"), index=True, doc="The component."
    )
    crystalUUID: Mapped[str] = mapped_column(
        String(UUID_LENGTH), index=True, doc="UUID of the core crystal (ISPyB: crystalId)."
    )
    concentrationTypeId: Mapped[int | None] = mapped_column(
        ForeignKey("ConcentrationType.concentrationTypeId"),
        doc="Unit of the abundance.",
    )
    abundance: Mapped[float | None] = mapped_column(
        Float, doc="Abundance or concentration, in the unit of concentrationTypeId."
    )
    ratio: Mapped[float | None] = mapped_column(Float, doc="Ratio to the other components.")
    pH: Mapped[float | None] = mapped_column(Float, doc="pH.")

    Component: Mapped[Component] = relationship(lazy="joined")
    ConcentrationType: Mapped[ConcentrationType | None] = relationship(lazy="joined")


class SSXProcessingResult(UuidMixin, Base):
    """A processing result of one run (table of ours, after ESRF's SSXProcessingResult)."""

    __tablename__ = "SSXProcessingResult"

    ssxProcessingResultId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Identifier.")
    ssxDataCollectionId: Mapped[int] = mapped_column(
        ForeignKey("SSXDataCollection.ssxDataCollectionId", ondelete="CASCADE"),
        index=True,
        doc="The SSX run.",
    )
    indexingType: Mapped[str] = mapped_column(
        Enum(*INDEXING_TYPES, native_enum=False, length=11),
        doc="Preliminary (live, partial) or Final (whole run, final processing).",
    )
    status: Mapped[str] = mapped_column(
        Enum(*RESULT_STATUSES, native_enum=False, length=7), doc="Running, Success or Failed."
    )
    programs: Mapped[str | None] = mapped_column(
        String(255), doc="Programs that produced the result, e.g. 'dials.ssx_index'."
    )
    numberOfImages: Mapped[int | None] = mapped_column(Integer, doc="Images processed.")
    numberOfHits: Mapped[int | None] = mapped_column(Integer, doc="Images with a crystal hit.")
    numberOfIndexed: Mapped[int | None] = mapped_column(Integer, doc="Images indexed.")
    hitRate: Mapped[float | None] = mapped_column(Float, doc="Hits / images, percent.")
    indexingRate: Mapped[float | None] = mapped_column(Float, doc="Indexed images / hits, percent.")
    nbCrystals: Mapped[int | None] = mapped_column(Integer, doc="Crystal lattices indexed.")
    spaceGroup: Mapped[str | None] = mapped_column(String(20), doc="Space group found.")
    cellA: Mapped[float | None] = mapped_column(Float, doc="Mean cell edge a, Angstrom.")
    cellB: Mapped[float | None] = mapped_column(Float, doc="Mean cell edge b, Angstrom.")
    cellC: Mapped[float | None] = mapped_column(Float, doc="Mean cell edge c, Angstrom.")
    cellAlpha: Mapped[float | None] = mapped_column(Float, doc="Mean cell angle alpha, degree.")
    cellBeta: Mapped[float | None] = mapped_column(Float, doc="Mean cell angle beta, degree.")
    cellGamma: Mapped[float | None] = mapped_column(Float, doc="Mean cell angle gamma, degree.")
    cellASd: Mapped[float | None] = mapped_column(Float, doc="Std. deviation of a, Angstrom.")
    cellBSd: Mapped[float | None] = mapped_column(Float, doc="Std. deviation of b, Angstrom.")
    cellCSd: Mapped[float | None] = mapped_column(Float, doc="Std. deviation of c, Angstrom.")
    cellAlphaSd: Mapped[float | None] = mapped_column(Float, doc="Std. deviation of alpha, degree.")
    cellBetaSd: Mapped[float | None] = mapped_column(Float, doc="Std. deviation of beta, degree.")
    cellGammaSd: Mapped[float | None] = mapped_column(Float, doc="Std. deviation of gamma, degree.")
    postedBy: Mapped[str] = mapped_column(String(255), doc="Subject of the caller who posted.")
    recordTimeStamp: Mapped[dt.datetime] = mapped_column(
        DateTime, server_default=func.now(), doc="When the result was stored (UTC)."
    )

    Attachments: Mapped[list[SSXProcessingResultAttachment]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )


class SSXProcessingResultAttachment(UuidMixin, Base):
    __tablename__ = "SSXProcessingResultAttachment"

    ssxProcessingResultAttachmentId: Mapped[int] = mapped_column(
        Integer, primary_key=True, doc="Identifier."
    )
    ssxProcessingResultId: Mapped[int] = mapped_column(
        ForeignKey("SSXProcessingResult.ssxProcessingResultId", ondelete="CASCADE"),
        index=True,
        doc="The result the file belongs to.",
    )
    fileType: Mapped[str] = mapped_column(
        String(45), doc="Kind of file: Log, Result, Graph, Debug, Input."
    )
    filePath: Mapped[str] = mapped_column(String(255), doc="Directory of the file.")
    fileName: Mapped[str] = mapped_column(String(255), doc="Name of the file.")


class SSXHitChunk(UuidMixin, Base):
    """Live monitoring: hits and indexed images in one range of images of a run."""

    __tablename__ = "SSXHitChunk"
    __table_args__ = (UniqueConstraint("ssxDataCollectionId", "firstImage"),)

    ssxHitChunkId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Identifier.")
    ssxDataCollectionId: Mapped[int] = mapped_column(
        ForeignKey("SSXDataCollection.ssxDataCollectionId", ondelete="CASCADE"),
        doc="The SSX run.",
    )
    firstImage: Mapped[int] = mapped_column(Integer, doc="First image of the chunk (1-based).")
    lastImage: Mapped[int] = mapped_column(Integer, doc="Last image of the chunk, inclusive.")
    numberOfHits: Mapped[int] = mapped_column(Integer, doc="Images of the chunk with a hit.")
    numberOfIndexed: Mapped[int] = mapped_column(Integer, doc="Images of the chunk indexed.")
    recordTimeStamp: Mapped[dt.datetime] = mapped_column(
        DateTime, server_default=func.now(), doc="When the chunk was stored (UTC)."
    )
