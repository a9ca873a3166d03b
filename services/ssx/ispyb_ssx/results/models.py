"""Processing results of SSX runs (after ESRF's SSXProcessingResult) with their files, and
live hit/indexing chunks: tables of ours."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Enum, Float, ForeignKey, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ispyb_shared.uuids import UuidMixin

from ..database import Base

INDEXING_TYPES = ("Preliminary", "Final")
RESULT_STATUSES = ("Running", "Success", "Failed")
FILE_TYPES = ("Log", "Result", "Graph", "Debug", "Input")


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

    @property
    def hitRate(self) -> float:
        """Images with a hit / images of the chunk, percent."""
        return 100.0 * self.numberOfHits / (self.lastImage - self.firstImage + 1)

    @property
    def indexingRate(self) -> float | None:
        """Indexed images / images with a hit, percent (null without hits)."""
        return 100.0 * self.numberOfIndexed / self.numberOfHits if self.numberOfHits else None
