"""Processing results: ISPyB's AutoProc chain, plus anisotropy (a table of ours).

A program run (AutoProcProgram) integrates one or more sweeps (AutoProcIntegration, one
per DataCollection), scales them together (AutoProcScaling, linked to the integrations
through AutoProcScaling_has_Int) into a result with a space group and cell (AutoProc),
described by statistics in three resolution shells (AutoProcScalingStatistics), and
leaves files (AutoProcProgramAttachment).
"""

from __future__ import annotations

import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ispyb_shared.types import LenientEnum, ProcessingStatus

from ..database import Base, UuidMixin

SHELLS = ("overall", "innerShell", "outerShell")
ATTACHMENT_TYPES = ("Log", "Result", "Graph", "Debug", "Input")


class AutoProcProgram(UuidMixin, Base):
    """One run of a processing program (xia2, autoPROC, fast_dp, XDS...)."""

    __tablename__ = "AutoProcProgram"

    autoProcProgramId: Mapped[int] = mapped_column(
        Integer, primary_key=True, doc="Database id of the program run."
    )
    processingCommandLine: Mapped[str | None] = mapped_column(
        String(255), doc="Command line the pipeline ran."
    )
    processingPrograms: Mapped[str | None] = mapped_column(
        String(255), doc="Programs used, comma-separated (e.g. 'xia2 dials', 'autoPROC')."
    )
    processingStatus: Mapped[bool | None] = mapped_column(
        ProcessingStatus,
        doc="Outcome: true = success, false = failure, null = still running or not known. "
        "Stored as TINYINT 1/0 in Diamond's schema, as 'SUCCESS'/'FAILED'/'RUNNING' (or "
        "'1'/'0') in ESRF's; served the same way from both.",
    )
    processingMessage: Mapped[str | None] = mapped_column(
        String(255), doc="Last message of the run (progress, warning or error)."
    )
    processingStartTime: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="When the run started (facility local time)."
    )
    processingEndTime: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="When the run ended (facility local time); null while running."
    )
    processingEnvironment: Mapped[str | None] = mapped_column(
        String(255), doc="Where it ran: host, cluster, CPUs..."
    )
    recordTimeStamp: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="When the row was written (set by the service)."
    )


class AutoProcIntegration(UuidMixin, Base):
    """Integration of one sweep by a program run: refined geometry and cell."""

    __tablename__ = "AutoProcIntegration"
    __table_args__ = (
        ForeignKeyConstraint(
            ["dataCollectionId"],
            ["DataCollection.dataCollectionId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="AutoProcIntegration_ibfk_1",
        ),
        ForeignKeyConstraint(
            ["autoProcProgramId"],
            ["AutoProcProgram.autoProcProgramId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="AutoProcIntegration_ibfk_2",
        ),
        Index("AutoProcIntegrationIdx1", "dataCollectionId"),
        Index("AutoProcIntegration_FKIndex1", "autoProcProgramId"),
    )

    autoProcIntegrationId: Mapped[int] = mapped_column(
        Integer, primary_key=True, doc="Database id of the integration."
    )
    dataCollectionId: Mapped[int] = mapped_column(
        Integer, nullable=False, doc="The sweep integrated (DataCollection)."
    )
    autoProcProgramId: Mapped[int | None] = mapped_column(
        Integer, doc="The program run (AutoProcProgram)."
    )
    startImageNumber: Mapped[int | None] = mapped_column(Integer, doc="First image integrated.")
    endImageNumber: Mapped[int | None] = mapped_column(Integer, doc="Last image integrated.")
    refinedDetectorDistance: Mapped[float | None] = mapped_column(
        Float, doc="Refined sample to detector distance, in mm."
    )
    refinedXBeam: Mapped[float | None] = mapped_column(
        Float, doc="Refined beam centre, horizontal, in mm."
    )
    refinedYBeam: Mapped[float | None] = mapped_column(
        Float, doc="Refined beam centre, vertical, in mm."
    )
    rotationAxisX: Mapped[float | None] = mapped_column(
        Float, doc="Refined rotation axis, x component (unit vector, lab frame)."
    )
    rotationAxisY: Mapped[float | None] = mapped_column(
        Float, doc="Refined rotation axis, y component."
    )
    rotationAxisZ: Mapped[float | None] = mapped_column(
        Float, doc="Refined rotation axis, z component."
    )
    beamVectorX: Mapped[float | None] = mapped_column(
        Float, doc="Refined beam direction, x component (lab frame)."
    )
    beamVectorY: Mapped[float | None] = mapped_column(
        Float, doc="Refined beam direction, y component."
    )
    beamVectorZ: Mapped[float | None] = mapped_column(
        Float, doc="Refined beam direction, z component."
    )
    cell_a: Mapped[float | None] = mapped_column(Float, doc="Refined cell edge a, in Å.")
    cell_b: Mapped[float | None] = mapped_column(Float, doc="Refined cell edge b, in Å.")
    cell_c: Mapped[float | None] = mapped_column(Float, doc="Refined cell edge c, in Å.")
    cell_alpha: Mapped[float | None] = mapped_column(
        Float, doc="Refined cell angle alpha, in degrees."
    )
    cell_beta: Mapped[float | None] = mapped_column(
        Float, doc="Refined cell angle beta, in degrees."
    )
    cell_gamma: Mapped[float | None] = mapped_column(
        Float, doc="Refined cell angle gamma, in degrees."
    )
    recordTimeStamp: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="When the row was written (set by the service)."
    )
    anomalous: Mapped[bool | None] = mapped_column(
        Boolean,
        server_default="0",
        doc="True when Friedel pairs were kept separate (anomalous processing).",
    )


class AutoProc(UuidMixin, Base):
    """The result of a program run: space group and refined cell."""

    __tablename__ = "AutoProc"
    __table_args__ = (
        ForeignKeyConstraint(
            ["autoProcProgramId"],
            ["AutoProcProgram.autoProcProgramId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="AutoProc_ibfk_1",
        ),
        Index("AutoProc_FKIndex1", "autoProcProgramId"),
    )

    autoProcId: Mapped[int] = mapped_column(
        Integer, primary_key=True, doc="Database id of the result."
    )
    autoProcProgramId: Mapped[int | None] = mapped_column(
        Integer, doc="The program run (AutoProcProgram)."
    )
    spaceGroup: Mapped[str | None] = mapped_column(
        String(45), doc="Space group, Hermann-Mauguin symbol (e.g. P 21 21 21)."
    )
    refinedCell_a: Mapped[float | None] = mapped_column(Float, doc="Cell edge a, in Å.")
    refinedCell_b: Mapped[float | None] = mapped_column(Float, doc="Cell edge b, in Å.")
    refinedCell_c: Mapped[float | None] = mapped_column(Float, doc="Cell edge c, in Å.")
    refinedCell_alpha: Mapped[float | None] = mapped_column(
        Float, doc="Cell angle alpha, in degrees."
    )
    refinedCell_beta: Mapped[float | None] = mapped_column(
        Float, doc="Cell angle beta, in degrees."
    )
    refinedCell_gamma: Mapped[float | None] = mapped_column(
        Float, doc="Cell angle gamma, in degrees."
    )
    recordTimeStamp: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="When the row was written (set by the service)."
    )


class AutoProcScaling(UuidMixin, Base):
    """The scaling (merging) of one or more integrations into one result."""

    __tablename__ = "AutoProcScaling"
    __table_args__ = (
        ForeignKeyConstraint(
            ["autoProcId"],
            ["AutoProc.autoProcId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="AutoProcScalingFk1",
        ),
        Index("AutoProcScalingFk1", "autoProcId"),
    )

    autoProcScalingId: Mapped[int] = mapped_column(
        Integer, primary_key=True, doc="Database id of the scaling."
    )
    autoProcId: Mapped[int | None] = mapped_column(Integer, doc="The result (AutoProc).")
    recordTimeStamp: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="When the row was written (set by the service)."
    )


class AutoProcScalingHasInt(UuidMixin, Base):
    """Which integrations (sweeps) a scaling merged."""

    __tablename__ = "AutoProcScaling_has_Int"
    __table_args__ = (
        ForeignKeyConstraint(
            ["autoProcIntegrationId"],
            ["AutoProcIntegration.autoProcIntegrationId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="AutoProcScaling_has_IntFk2",
        ),
        ForeignKeyConstraint(
            ["autoProcScalingId"],
            ["AutoProcScaling.autoProcScalingId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="AutoProcScaling_has_IntFk1",
        ),
        Index("AutoProcScal_has_IntIdx2", "autoProcIntegrationId"),
        Index(
            "AutoProcScalingHasInt_FKIndex3",
            "autoProcScalingId",
            "autoProcIntegrationId",
        ),
    )

    autoProcScaling_has_IntId: Mapped[int] = mapped_column(
        Integer, primary_key=True, doc="Database id of the link."
    )
    autoProcIntegrationId: Mapped[int] = mapped_column(
        Integer, nullable=False, doc="The integration (AutoProcIntegration)."
    )
    autoProcScalingId: Mapped[int | None] = mapped_column(
        Integer, doc="The scaling (AutoProcScaling)."
    )
    recordTimeStamp: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="When the row was written (set by the service)."
    )


class AutoProcScalingStatistics(UuidMixin, Base):
    """Data quality of a scaled result in one resolution shell.

    overall: all data; innerShell: the low-resolution shell; outerShell: the highest
    resolution shell (where the resolution cut-off was decided). R-factors are fractions
    (0.05 = 5 %); completeness is a percentage; CC½ and CCanom are percentages as XDS,
    AIMLESS and DIALS report them in ISPyB.
    """

    __tablename__ = "AutoProcScalingStatistics"
    __table_args__ = (
        ForeignKeyConstraint(
            ["autoProcScalingId"],
            ["AutoProcScaling.autoProcScalingId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="_AutoProcScalingStatisticsFk1",
        ),
        Index("AutoProcScalingStatistics_FKindexType", "scalingStatisticsType"),
        Index(
            "AutoProcScalingStatistics_scalingId_statisticsType",
            "autoProcScalingId",
            "scalingStatisticsType",
        ),
    )

    autoProcScalingStatisticsId: Mapped[int] = mapped_column(
        Integer, primary_key=True, doc="Database id of the statistics row."
    )
    scalingStatisticsType: Mapped[str] = mapped_column(
        LenientEnum(*SHELLS, name="scaling_statistics_type"),
        nullable=False,
        server_default="overall",
        doc="Shell: overall (all data), innerShell (lowest resolution), outerShell "
        "(highest resolution).",
    )
    autoProcScalingId: Mapped[int | None] = mapped_column(
        Integer, doc="The scaling (AutoProcScaling)."
    )
    comments: Mapped[str | None] = mapped_column(String(255), doc="Comments.")
    resolutionLimitLow: Mapped[float | None] = mapped_column(
        Float, doc="Low resolution limit of the shell, in Å (the larger number)."
    )
    resolutionLimitHigh: Mapped[float | None] = mapped_column(
        Float, doc="High resolution limit of the shell, in Å (the smaller number)."
    )
    rMerge: Mapped[float | None] = mapped_column(
        Float, doc="Rmerge = Σ|I − ⟨I⟩| / ΣI over all observations, as a fraction."
    )
    rMeasWithinIPlusIMinus: Mapped[float | None] = mapped_column(
        Float, doc="Rmeas (multiplicity-weighted Rmerge), I+ and I− kept apart; fraction."
    )
    rMeasAllIPlusIMinus: Mapped[float | None] = mapped_column(
        Float, doc="Rmeas, I+ and I− merged; fraction."
    )
    rPimWithinIPlusIMinus: Mapped[float | None] = mapped_column(
        Float, doc="Rpim (precision-indicating R), I+ and I− kept apart; fraction."
    )
    rPimAllIPlusIMinus: Mapped[float | None] = mapped_column(
        Float, doc="Rpim, I+ and I− merged; fraction."
    )
    fractionalPartialBias: Mapped[float | None] = mapped_column(
        Float, doc="Fractional partial bias (from scaling of partial reflections)."
    )
    nTotalObservations: Mapped[int | None] = mapped_column(
        Integer, doc="Number of observations (measured reflections)."
    )
    nTotalUniqueObservations: Mapped[int | None] = mapped_column(
        Integer, doc="Number of unique reflections."
    )
    meanIOverSigI: Mapped[float | None] = mapped_column(
        Float, doc="Mean of I/σ(I) after merging (⟨I/σ(I)⟩)."
    )
    completeness: Mapped[float | None] = mapped_column(
        Float, doc="Completeness of the unique reflections, in percent (0 to 100)."
    )
    multiplicity: Mapped[float | None] = mapped_column(
        Float, doc="Multiplicity (redundancy): observations per unique reflection."
    )
    anomalousCompleteness: Mapped[float | None] = mapped_column(
        Float, doc="Completeness of the Bijvoet pairs, in percent (0 to 100)."
    )
    anomalousMultiplicity: Mapped[float | None] = mapped_column(
        Float, doc="Multiplicity of the Bijvoet pairs."
    )
    recordTimeStamp: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="When the row was written (set by the service)."
    )
    anomalous: Mapped[bool | None] = mapped_column(
        Boolean, server_default="0", doc="True for statistics with I+ and I− separate."
    )
    ccHalf: Mapped[float | None] = mapped_column(
        Float, doc="CC½: correlation between random half data sets, in percent (−100 to 100)."
    )
    ccAnomalous: Mapped[float | None] = mapped_column(
        Float, doc="CCanom: correlation of the anomalous differences of half data sets, in percent."
    )
    resIOverSigI2: Mapped[float | None] = mapped_column(
        Float, doc="Resolution at which ⟨I/σ(I)⟩ falls to 2, in Å."
    )


class AutoProcProgramAttachment(UuidMixin, Base):
    """A file left by a program run: log, result (MTZ), graph..."""

    __tablename__ = "AutoProcProgramAttachment"
    __table_args__ = (
        ForeignKeyConstraint(
            ["autoProcProgramId"],
            ["AutoProcProgram.autoProcProgramId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="AutoProcProgramAttachmentFk1",
        ),
        Index("AutoProcProgramAttachmentIdx1", "autoProcProgramId"),
    )

    autoProcProgramAttachmentId: Mapped[int] = mapped_column(
        Integer, primary_key=True, doc="Database id of the attachment."
    )
    autoProcProgramId: Mapped[int] = mapped_column(
        Integer, nullable=False, doc="The program run (AutoProcProgram)."
    )
    fileType: Mapped[str | None] = mapped_column(
        LenientEnum(*ATTACHMENT_TYPES, name="attachment_file_type"),
        doc="Log, Result (reflection file), Graph, Debug or Input.",
    )
    fileName: Mapped[str | None] = mapped_column(String(255), doc="File name.")
    filePath: Mapped[str | None] = mapped_column(
        String(255), doc="Directory of the file on the facility's disk."
    )
    recordTimeStamp: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="When the row was written (set by the service)."
    )
    importanceRank: Mapped[int | None] = mapped_column(
        Integer, doc="Order of importance among the run's files of the same type (1 first)."
    )
    deleted: Mapped[bool | None] = mapped_column(
        Boolean, server_default="0", doc="True when the file has been deleted from disk."
    )


class AutoProcScalingAnisotropy(UuidMixin, Base):
    """Anisotropy of a scaled result, as reported by anisotropy-aware processing
    (STARANISO, autoPROC, xia2/DIALS). Not an ISPyB table: added by this project.

    The diffraction limits are along the three principal directions of the fitted
    ellipsoid; the ellipsoidal figures are computed inside the anisotropic cut-off
    surface rather than a resolution sphere.
    """

    __tablename__ = "AutoProcScalingAnisotropy"
    __table_args__ = (
        ForeignKeyConstraint(
            ["autoProcScalingId"],
            ["AutoProcScaling.autoProcScalingId"],
            ondelete="CASCADE",
            name="AutoProcScalingAnisotropy_fk_scaling",
        ),
        UniqueConstraint("autoProcScalingId", name="AutoProcScalingAnisotropy_scaling_uq"),
    )

    autoProcScalingAnisotropyId: Mapped[int] = mapped_column(
        Integer, primary_key=True, doc="Database id of the anisotropy row."
    )
    autoProcScalingId: Mapped[int] = mapped_column(
        Integer, nullable=False, doc="The scaling described (AutoProcScaling); one per scaling."
    )
    resolutionLimit1: Mapped[float | None] = mapped_column(
        Float, doc="Diffraction limit along the first principal direction, in Å."
    )
    resolutionLimit2: Mapped[float | None] = mapped_column(
        Float, doc="Diffraction limit along the second principal direction, in Å."
    )
    resolutionLimit3: Mapped[float | None] = mapped_column(
        Float, doc="Diffraction limit along the third principal direction, in Å."
    )
    direction1: Mapped[str | None] = mapped_column(
        String(45),
        doc="First principal direction in reciprocal-lattice terms, e.g. '0.894 a* "
        "- 0.447 c*' (as the program prints it).",
    )
    direction2: Mapped[str | None] = mapped_column(
        String(45), doc="Second principal direction in reciprocal-lattice terms."
    )
    direction3: Mapped[str | None] = mapped_column(
        String(45), doc="Third principal direction in reciprocal-lattice terms."
    )
    ellipsoidalCompleteness: Mapped[float | None] = mapped_column(
        Float,
        doc="Completeness inside the anisotropic cut-off surface (ellipsoid), in percent "
        "(0 to 100).",
    )
    ellipsoidalAnomalousCompleteness: Mapped[float | None] = mapped_column(
        Float, doc="Anomalous completeness inside that surface, in percent (0 to 100)."
    )
    sphericalCompleteness: Mapped[float | None] = mapped_column(
        Float,
        doc="Completeness inside the sphere of the best diffraction limit, in percent, "
        "for comparison with the ellipsoidal figure.",
    )
    anisotropicResolutionCutoffHigh: Mapped[float | None] = mapped_column(
        Float, doc="Best (smallest) resolution of the anisotropic cut-off surface, in Å."
    )
    anisotropicResolutionCutoffLow: Mapped[float | None] = mapped_column(
        Float, doc="Worst (largest) resolution of the anisotropic cut-off surface, in Å."
    )
    cutoffCriterion: Mapped[str | None] = mapped_column(
        String(45),
        doc="Criterion defining the cut-off surface, e.g. 'local <I/sigmaI> >= 1.2'.",
    )
    anisotropyProgram: Mapped[str | None] = mapped_column(
        String(45), doc="Program that computed the anisotropy (e.g. STARANISO 2.3)."
    )
