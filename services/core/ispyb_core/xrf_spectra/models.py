from __future__ import annotations

import datetime

from sqlalchemy import DateTime, Double, Float, ForeignKeyConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Base, UuidMixin
from ..samples.models import BLSample
from ..sessions.models import BLSession


class XFEFluorescenceSpectrum(UuidMixin, Base):
    """An X-ray fluorescence spectrum of a sample at one energy (which elements it holds),
    with its PyMca fit."""

    __tablename__ = "XFEFluorescenceSpectrum"
    __table_args__ = (
        ForeignKeyConstraint(
            ["blSampleId"],
            ["BLSample.blSampleId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="XFE_ibfk_2",
        ),
        ForeignKeyConstraint(
            ["sessionId"],
            ["BLSession.sessionId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="XFE_ibfk_1",
        ),
        Index("XFEFluorescnceSpectrum_FKIndex1", "blSampleId"),
        Index("XFEFluorescnceSpectrum_FKIndex2", "sessionId"),
    )

    xfeFluorescenceSpectrumId: Mapped[int] = mapped_column(
        Integer, primary_key=True, doc="Database id."
    )
    sessionId: Mapped[int] = mapped_column(
        Integer, nullable=False, doc="The session (BLSession.sessionId)."
    )
    blSampleId: Mapped[int | None] = mapped_column(
        Integer, doc="The sample measured (BLSample.blSampleId)."
    )
    jpegScanFileFullPath: Mapped[str | None] = mapped_column(
        String(255), doc="Path of a plot of the spectrum."
    )
    startTime: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="Start of the measurement (facility local time)."
    )
    endTime: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="End of the measurement (facility local time)."
    )
    filename: Mapped[str | None] = mapped_column(String(255), doc="File name of the spectrum.")
    exposureTime: Mapped[float | None] = mapped_column(Float, doc="Exposure time, in seconds.")
    axisPosition: Mapped[float | None] = mapped_column(
        Float, doc="Rotation axis position, in degrees."
    )
    beamTransmission: Mapped[float | None] = mapped_column(
        Float, doc="Beam transmission, in percent."
    )
    annotatedPymcaXfeSpectrum: Mapped[str | None] = mapped_column(
        String(255), doc="Path of the spectrum annotated by PyMca (HTML)."
    )
    fittedDataFileFullPath: Mapped[str | None] = mapped_column(
        String(255), doc="Path of the PyMca fit."
    )
    scanFileFullPath: Mapped[str | None] = mapped_column(
        String(255), doc="Path of the raw spectrum."
    )
    energy: Mapped[float | None] = mapped_column(Float, doc="Excitation energy, in keV.")
    beamSizeVertical: Mapped[float | None] = mapped_column(Float, doc="Vertical beam size, in µm.")
    beamSizeHorizontal: Mapped[float | None] = mapped_column(
        Float, doc="Horizontal beam size, in µm."
    )
    crystalClass: Mapped[str | None] = mapped_column(
        String(20), doc="Crystal class, for industrial users."
    )
    comments: Mapped[str | None] = mapped_column(String(1024), doc="Free-text comments.")
    flux: Mapped[float | None] = mapped_column(
        Double(asdecimal=False), doc="Flux measured before the spectrum, in photons/s."
    )
    flux_end: Mapped[float | None] = mapped_column(
        Double(asdecimal=False), doc="Flux measured after the spectrum, in photons/s."
    )
    workingDirectory: Mapped[str | None] = mapped_column(
        String(512), doc="Directory the analysis ran in."
    )

    BLSession: Mapped[BLSession] = relationship(BLSession, lazy="raise")
    BLSample: Mapped[BLSample | None] = relationship(BLSample, lazy="raise")
