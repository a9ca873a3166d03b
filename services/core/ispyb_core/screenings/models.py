"""Screening (characterisation) of a crystal: what the indexing and strategy programs
(EDNA, MOSFLM, BEST...) found on a few images, and the strategy they propose."""

from __future__ import annotations

import datetime

from sqlalchemy import (
    TIMESTAMP,
    Boolean,
    Double,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Base, UuidMixin


def _float(doc: str) -> Mapped[float | None]:
    return mapped_column(Float, doc=doc)


def _double(doc: str) -> Mapped[float | None]:
    return mapped_column(Double(asdecimal=False), doc=doc)


def _flag(doc: str) -> Mapped[bool]:
    return mapped_column(Boolean, nullable=False, server_default="0", doc=doc)


class Screening(UuidMixin, Base):
    """One screening of a data collection (or of its group) by one program."""

    __tablename__ = "Screening"
    __table_args__ = (
        ForeignKeyConstraint(
            ["dataCollectionGroupId"],
            ["DataCollectionGroup.dataCollectionGroupId"],
            name="Screening_ibfk_1",
        ),
        ForeignKeyConstraint(
            ["dataCollectionId"],
            ["DataCollection.dataCollectionId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="_Screening_ibfk2",
        ),
        Index("Screening_FKIndexDiffractionPlanId", "diffractionPlanId"),
        Index("_Screening_ibfk2", "dataCollectionId"),
        Index("dcgroupId", "dataCollectionGroupId"),
    )

    screeningId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    dataCollectionId: Mapped[int | None] = mapped_column(
        Integer, doc="The data collection screened (DataCollection)."
    )
    dataCollectionGroupId: Mapped[int | None] = mapped_column(
        Integer, doc="Its group (DataCollectionGroup); set from the data collection."
    )
    bltimeStamp: Mapped[datetime.datetime] = mapped_column(
        TIMESTAMP,
        nullable=False,
        server_default=func.current_timestamp(),
        doc="When the row was created (set by the database).",
    )
    programVersion: Mapped[str | None] = mapped_column(
        String(45), doc="Program and version that screened, e.g. EDNA 2.1."
    )
    comments: Mapped[str | None] = mapped_column(String(255), doc="Free-text comments.")
    shortComments: Mapped[str | None] = mapped_column(
        String(20), doc="Short label, e.g. the strategy option used."
    )
    diffractionPlanId: Mapped[int | None] = mapped_column(
        Integer, doc="The diffraction plan the screening followed (DiffractionPlan)."
    )

    ScreeningOutput: Mapped[list[ScreeningOutput]] = relationship(
        "ScreeningOutput", lazy="raise", order_by="ScreeningOutput.screeningOutputId"
    )


class ScreeningOutput(UuidMixin, Base):
    """What a screening found: indexing and strategy outcome, spots, mosaicity."""

    __tablename__ = "ScreeningOutput"
    __table_args__ = (
        ForeignKeyConstraint(
            ["screeningId"],
            ["Screening.screeningId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="ScreeningOutput_ibfk_1",
        ),
        Index("ScreeningOutput_FKIndex1", "screeningId"),
    )

    screeningOutputId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    screeningId: Mapped[int] = mapped_column(
        Integer, nullable=False, server_default="0", doc="The screening (Screening)."
    )
    statusDescription: Mapped[str | None] = mapped_column(
        String(1024), doc="Outcome as the program described it."
    )
    rejectedReflections: Mapped[int | None] = mapped_column(
        Integer, doc="Reflections rejected by the indexing."
    )
    resolutionObtained: Mapped[float | None] = _float("Resolution of the spots found, in Å.")
    spotDeviationR: Mapped[float | None] = _float("RMS spot deviation (position), in mm.")
    spotDeviationTheta: Mapped[float | None] = _float("RMS spot deviation (angle), in degrees.")
    beamShiftX: Mapped[float | None] = _float("Refined beam shift, horizontal, in mm.")
    beamShiftY: Mapped[float | None] = _float("Refined beam shift, vertical, in mm.")
    numSpotsFound: Mapped[int | None] = mapped_column(Integer, doc="Spots found.")
    numSpotsUsed: Mapped[int | None] = mapped_column(Integer, doc="Spots used for indexing.")
    numSpotsRejected: Mapped[int | None] = mapped_column(Integer, doc="Spots rejected.")
    mosaicity: Mapped[float | None] = _float("Mosaicity, in degrees.")
    iOverSigma: Mapped[float | None] = _float("Mean I/σ(I).")
    diffractionRings: Mapped[bool | None] = mapped_column(
        Boolean, doc="True when ice or powder rings were seen."
    )
    mosaicityEstimated: Mapped[bool] = _flag("True when the mosaicity was estimated.")
    indexingSuccess: Mapped[bool] = _flag("True when indexing succeeded.")
    strategySuccess: Mapped[bool] = _flag("True when a strategy was found.")
    rankingResolution: Mapped[float | None] = _double("Resolution used for ranking, in Å.")
    program: Mapped[str | None] = mapped_column(String(45), doc="Program, e.g. BEST.")
    doseTotal: Mapped[float | None] = _double("Total dose of the proposed collection, in Gy.")
    totalExposureTime: Mapped[float | None] = _double("Total exposure time, in seconds.")
    totalRotationRange: Mapped[float | None] = _double("Total rotation range, in degrees.")
    totalNumberOfImages: Mapped[int | None] = mapped_column(
        Integer, doc="Number of images of the proposed collection."
    )
    rFriedel: Mapped[float | None] = _double("R-Friedel (anomalous signal).")

    ScreeningOutputLattice: Mapped[list[ScreeningOutputLattice]] = relationship(
        "ScreeningOutputLattice",
        lazy="raise",
        order_by="ScreeningOutputLattice.screeningOutputLatticeId",
    )
    ScreeningStrategy: Mapped[list[ScreeningStrategy]] = relationship(
        "ScreeningStrategy", lazy="raise", order_by="ScreeningStrategy.screeningStrategyId"
    )


class ScreeningOutputLattice(UuidMixin, Base):
    """A lattice found by the indexing: cell, symmetry, orientation matrix."""

    __tablename__ = "ScreeningOutputLattice"
    __table_args__ = (
        ForeignKeyConstraint(
            ["screeningOutputId"],
            ["ScreeningOutput.screeningOutputId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="ScreeningOutputLattice_ibfk_1",
        ),
        Index("ScreeningOutputLattice_FKIndex1", "screeningOutputId"),
    )

    screeningOutputLatticeId: Mapped[int] = mapped_column(
        Integer, primary_key=True, doc="Database id."
    )
    screeningOutputId: Mapped[int] = mapped_column(
        Integer, nullable=False, server_default="0", doc="The output (ScreeningOutput)."
    )
    spaceGroup: Mapped[str | None] = mapped_column(String(45), doc="Space group, e.g. P 41 21 2.")
    pointGroup: Mapped[str | None] = mapped_column(String(45), doc="Point group.")
    bravaisLattice: Mapped[str | None] = mapped_column(String(45), doc="Bravais lattice, e.g. tP.")
    rawOrientationMatrix_a_x: Mapped[float | None] = _float("Orientation matrix, a, x.")
    rawOrientationMatrix_a_y: Mapped[float | None] = _float("Orientation matrix, a, y.")
    rawOrientationMatrix_a_z: Mapped[float | None] = _float("Orientation matrix, a, z.")
    rawOrientationMatrix_b_x: Mapped[float | None] = _float("Orientation matrix, b, x.")
    rawOrientationMatrix_b_y: Mapped[float | None] = _float("Orientation matrix, b, y.")
    rawOrientationMatrix_b_z: Mapped[float | None] = _float("Orientation matrix, b, z.")
    rawOrientationMatrix_c_x: Mapped[float | None] = _float("Orientation matrix, c, x.")
    rawOrientationMatrix_c_y: Mapped[float | None] = _float("Orientation matrix, c, y.")
    rawOrientationMatrix_c_z: Mapped[float | None] = _float("Orientation matrix, c, z.")
    unitCell_a: Mapped[float | None] = _float("Cell a, in Å.")
    unitCell_b: Mapped[float | None] = _float("Cell b, in Å.")
    unitCell_c: Mapped[float | None] = _float("Cell c, in Å.")
    unitCell_alpha: Mapped[float | None] = _float("Cell α, in degrees.")
    unitCell_beta: Mapped[float | None] = _float("Cell β, in degrees.")
    unitCell_gamma: Mapped[float | None] = _float("Cell γ, in degrees.")
    bltimeStamp: Mapped[datetime.datetime | None] = mapped_column(
        TIMESTAMP,
        server_default=func.current_timestamp(),
        doc="When the row was created (set by the database).",
    )
    labelitIndexing: Mapped[bool | None] = mapped_column(
        Boolean, server_default="0", doc="True when indexed by Labelit."
    )


class ScreeningStrategy(UuidMixin, Base):
    """A collection strategy proposed by the screening."""

    __tablename__ = "ScreeningStrategy"
    __table_args__ = (
        ForeignKeyConstraint(
            ["screeningOutputId"],
            ["ScreeningOutput.screeningOutputId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="ScreeningStrategy_ibfk_1",
        ),
        Index("ScreeningStrategy_FKIndex1", "screeningOutputId"),
    )

    screeningStrategyId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    screeningOutputId: Mapped[int] = mapped_column(
        Integer, nullable=False, server_default="0", doc="The output (ScreeningOutput)."
    )
    phiStart: Mapped[float | None] = _float("Start of the rotation, in degrees.")
    phiEnd: Mapped[float | None] = _float("End of the rotation, in degrees.")
    rotation: Mapped[float | None] = _float("Rotation per image, in degrees.")
    exposureTime: Mapped[float | None] = _float("Exposure time per image, in seconds.")
    resolution: Mapped[float | None] = _float("Expected resolution, in Å.")
    completeness: Mapped[float | None] = _float("Expected completeness, in percent.")
    multiplicity: Mapped[float | None] = _float("Expected multiplicity.")
    anomalous: Mapped[bool] = _flag("True for an anomalous strategy.")
    program: Mapped[str | None] = mapped_column(String(45), doc="Strategy program.")
    rankingResolution: Mapped[float | None] = _float("Resolution used for ranking, in Å.")
    transmission: Mapped[float | None] = _float("Transmission proposed, in percent.")

    ScreeningStrategyWedge: Mapped[list[ScreeningStrategyWedge]] = relationship(
        "ScreeningStrategyWedge",
        lazy="raise",
        order_by="ScreeningStrategyWedge.screeningStrategyWedgeId",
    )


class ScreeningStrategyWedge(UuidMixin, Base):
    """A wedge of a proposed strategy (a multi-wedge strategy has several)."""

    __tablename__ = "ScreeningStrategyWedge"
    __table_args__ = (
        ForeignKeyConstraint(
            ["screeningStrategyId"],
            ["ScreeningStrategy.screeningStrategyId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="ScreeningStrategyWedge_IBFK_1",
        ),
        Index("ScreeningStrategyWedge_IBFK_1", "screeningStrategyId"),
    )

    screeningStrategyWedgeId: Mapped[int] = mapped_column(
        Integer, primary_key=True, doc="Database id."
    )
    screeningStrategyId: Mapped[int | None] = mapped_column(
        Integer, doc="The strategy (ScreeningStrategy)."
    )
    wedgeNumber: Mapped[int | None] = mapped_column(
        Integer, doc="Number of the wedge in the strategy."
    )
    resolution: Mapped[float | None] = _float("Expected resolution, in Å.")
    completeness: Mapped[float | None] = _float("Expected completeness, in percent.")
    multiplicity: Mapped[float | None] = _float("Expected multiplicity.")
    doseTotal: Mapped[float | None] = _float("Total dose of the wedge, in Gy.")
    numberOfImages: Mapped[int | None] = mapped_column(Integer, doc="Images of the wedge.")
    phi: Mapped[float | None] = _float("Phi, in degrees.")
    kappa: Mapped[float | None] = _float("Kappa, in degrees.")
    chi: Mapped[float | None] = _float("Chi, in degrees.")
    comments: Mapped[str | None] = mapped_column(String(255), doc="Free-text comments.")
    wavelength: Mapped[float | None] = _double("Wavelength, in Å.")

    ScreeningStrategySubWedge: Mapped[list[ScreeningStrategySubWedge]] = relationship(
        "ScreeningStrategySubWedge",
        lazy="raise",
        order_by="ScreeningStrategySubWedge.screeningStrategySubWedgeId",
    )


class ScreeningStrategySubWedge(UuidMixin, Base):
    """A sub-wedge of a wedge: one rotation with its own exposure and transmission."""

    __tablename__ = "ScreeningStrategySubWedge"
    __table_args__ = (
        ForeignKeyConstraint(
            ["screeningStrategyWedgeId"],
            ["ScreeningStrategyWedge.screeningStrategyWedgeId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="ScreeningStrategySubWedge_FK1",
        ),
        Index("ScreeningStrategySubWedge_FK1", "screeningStrategyWedgeId"),
    )

    screeningStrategySubWedgeId: Mapped[int] = mapped_column(
        Integer, primary_key=True, doc="Database id."
    )
    screeningStrategyWedgeId: Mapped[int | None] = mapped_column(
        Integer, doc="The wedge (ScreeningStrategyWedge)."
    )
    subWedgeNumber: Mapped[int | None] = mapped_column(
        Integer, doc="Number of the sub-wedge in the wedge."
    )
    rotationAxis: Mapped[str | None] = mapped_column(String(45), doc="Axis rotated, e.g. omega.")
    axisStart: Mapped[float | None] = _float("Start of the rotation, in degrees.")
    axisEnd: Mapped[float | None] = _float("End of the rotation, in degrees.")
    exposureTime: Mapped[float | None] = _float("Exposure time per image, in seconds.")
    transmission: Mapped[float | None] = _float("Transmission, in percent.")
    oscillationRange: Mapped[float | None] = _float("Rotation per image, in degrees.")
    completeness: Mapped[float | None] = _float("Expected completeness, in percent.")
    multiplicity: Mapped[float | None] = _float("Expected multiplicity.")
    RESOLUTION: Mapped[float | None] = _float("Expected resolution, in Å.")
    doseTotal: Mapped[float | None] = _float("Total dose of the sub-wedge, in Gy.")
    numberOfImages: Mapped[int | None] = mapped_column(Integer, doc="Images of the sub-wedge.")
    comments: Mapped[str | None] = mapped_column(String(255), doc="Free-text comments.")
