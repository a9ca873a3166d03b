from __future__ import annotations

import datetime

from sqlalchemy import DateTime, Double, Float, ForeignKeyConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Base, UuidMixin
from ..samples.models import BLSample
from ..sessions.models import BLSession


class EnergyScan(UuidMixin, Base):
    """An absorption-edge scan (MAD/SAD): the fluorescence measured over an energy range
    and the edge analysis (CHOOCH) giving the peak and inflection energies."""

    __tablename__ = "EnergyScan"
    __table_args__ = (
        ForeignKeyConstraint(["blSampleId"], ["BLSample.blSampleId"], name="ES_ibfk_2"),
        ForeignKeyConstraint(
            ["sessionId"],
            ["BLSession.sessionId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="ES_ibfk_1",
        ),
        Index("ES_ibfk_2", "blSampleId"),
        Index("EnergyScan_FKIndex2", "sessionId"),
    )

    energyScanId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    sessionId: Mapped[int] = mapped_column(
        Integer, nullable=False, doc="The session (BLSession.sessionId)."
    )
    blSampleId: Mapped[int | None] = mapped_column(
        Integer, doc="The sample scanned (BLSample.blSampleId)."
    )
    fluorescenceDetector: Mapped[str | None] = mapped_column(
        String(255), doc="Fluorescence detector used."
    )
    scanFileFullPath: Mapped[str | None] = mapped_column(
        String(255), doc="Path of the raw scan file."
    )
    jpegChoochFileFullPath: Mapped[str | None] = mapped_column(
        String(255), doc="Path of the plot of the CHOOCH analysis."
    )
    element: Mapped[str | None] = mapped_column(String(45), doc="Element scanned, e.g. Se.")
    startEnergy: Mapped[float | None] = mapped_column(Float, doc="First energy, in keV.")
    endEnergy: Mapped[float | None] = mapped_column(Float, doc="Last energy, in keV.")
    transmissionFactor: Mapped[float | None] = mapped_column(
        Float, doc="Beam transmission, in percent."
    )
    exposureTime: Mapped[float | None] = mapped_column(
        Float, doc="Exposure time per point, in seconds."
    )
    axisPosition: Mapped[float | None] = mapped_column(
        Float, doc="Rotation axis position during the scan, in degrees."
    )
    synchrotronCurrent: Mapped[float | None] = mapped_column(
        Float, doc="Storage ring current, in mA."
    )
    temperature: Mapped[float | None] = mapped_column(Float, doc="Sample temperature, in K.")
    peakEnergy: Mapped[float | None] = mapped_column(Float, doc="Peak energy, in keV.")
    peakFPrime: Mapped[float | None] = mapped_column(Float, doc="f' at the peak, in electrons.")
    peakFDoublePrime: Mapped[float | None] = mapped_column(
        Float, doc="f'' at the peak, in electrons."
    )
    inflectionEnergy: Mapped[float | None] = mapped_column(
        Float, doc="Inflection point energy, in keV."
    )
    inflectionFPrime: Mapped[float | None] = mapped_column(
        Float, doc="f' at the inflection point, in electrons."
    )
    inflectionFDoublePrime: Mapped[float | None] = mapped_column(
        Float, doc="f'' at the inflection point, in electrons."
    )
    xrayDose: Mapped[float | None] = mapped_column(Float, doc="X-ray dose of the scan, in Gy.")
    startTime: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="Start of the scan (facility local time)."
    )
    endTime: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="End of the scan (facility local time)."
    )
    edgeEnergy: Mapped[str | None] = mapped_column(String(255), doc="Edge scanned, e.g. K.")
    filename: Mapped[str | None] = mapped_column(String(255), doc="File name of the scan.")
    beamSizeVertical: Mapped[float | None] = mapped_column(Float, doc="Vertical beam size, in µm.")
    beamSizeHorizontal: Mapped[float | None] = mapped_column(
        Float, doc="Horizontal beam size, in µm."
    )
    choochFileFullPath: Mapped[str | None] = mapped_column(
        String(255), doc="Path of the CHOOCH output."
    )
    crystalClass: Mapped[str | None] = mapped_column(
        String(20), doc="Crystal class, for industrial users."
    )
    comments: Mapped[str | None] = mapped_column(String(1024), doc="Free-text comments.")
    flux: Mapped[float | None] = mapped_column(
        Double(asdecimal=False), doc="Flux measured before the scan, in photons/s."
    )
    flux_end: Mapped[float | None] = mapped_column(
        Double(asdecimal=False), doc="Flux measured after the scan, in photons/s."
    )
    workingDirectory: Mapped[str | None] = mapped_column(
        String(45), doc="Directory the analysis ran in."
    )

    BLSession: Mapped[BLSession] = relationship(BLSession, lazy="raise")
    BLSample: Mapped[BLSample | None] = relationship(BLSample, lazy="raise")
