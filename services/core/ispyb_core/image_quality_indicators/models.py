"""ImageQualityIndicators: per-image analysis of a data collection (spots, resolution
estimates, signal), one row per image, written by per-image analysis pipelines (DIALS
spot finding, dozor). Columns as in ISPyB (``ispyb.sqlalchemy``, Diamond's flavour).

Diamond's table is keyed by (dataCollectionId, imageNumber) and has no foreign keys (it
holds a row per image of every sweep); ESRF's has its own auto-increment key
``imageQualityIndicatorsId`` beside the same columns, which core neither maps nor needs."""

from __future__ import annotations

import datetime

from sqlalchemy import DateTime, Double, Float, Integer
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Base, UuidMixin


class ImageQualityIndicators(UuidMixin, Base):
    """The per-image analysis of one image of a sweep (ISPyB's table)."""

    __tablename__ = "ImageQualityIndicators"

    dataCollectionId: Mapped[int] = mapped_column(
        Integer, primary_key=True, autoincrement=False, doc="The data collection (sweep)."
    )
    imageNumber: Mapped[int] = mapped_column(
        Integer,
        primary_key=True,
        autoincrement=False,
        doc="Number of the image in the sweep (a scan point of a grid scan).",
    )
    imageId: Mapped[int | None] = mapped_column(Integer, doc="The Image row, when recorded.")
    autoProcProgramId: Mapped[int | None] = mapped_column(
        Integer, doc="The processing run that analysed the image (AutoProcProgram)."
    )
    spotTotal: Mapped[int | None] = mapped_column(Integer, doc="Total number of spots.")
    inResTotal: Mapped[int | None] = mapped_column(
        Integer, doc="Number of spots within the resolution range."
    )
    goodBraggCandidates: Mapped[int | None] = mapped_column(
        Integer, doc="Number of Bragg diffraction spots."
    )
    iceRings: Mapped[int | None] = mapped_column(Integer, doc="Number of ice rings found.")
    method1Res: Mapped[float | None] = mapped_column(
        Float, doc="Resolution estimate 1 (distl's method 1), in Å."
    )
    method2Res: Mapped[float | None] = mapped_column(
        Float, doc="Resolution estimate 2 (distl's method 2), in Å."
    )
    maxUnitCell: Mapped[float | None] = mapped_column(
        Float, doc="Estimate of the largest possible unit cell edge, in Å."
    )
    pctSaturationTop50Peaks: Mapped[float | None] = mapped_column(
        Float, doc="Fraction of the detector's dynamic range used by the 50 strongest peaks."
    )
    inResolutionOvrlSpots: Mapped[int | None] = mapped_column(
        Integer, doc="Number of overloaded spots."
    )
    binPopCutOffMethod2Res: Mapped[float | None] = mapped_column(
        Float, doc="Cut-off used in the resolution limit calculation."
    )
    recordTimeStamp: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="When the row was written or last changed (UTC)."
    )
    totalIntegratedSignal: Mapped[float | None] = mapped_column(
        Double(asdecimal=False), doc="Total integrated signal of the image."
    )
    dozor_score: Mapped[float | None] = mapped_column(
        Double(asdecimal=False), doc="dozor's score of the image."
    )
    driftFactor: Mapped[float | None] = mapped_column(Float, doc="EM movie drift factor.")
