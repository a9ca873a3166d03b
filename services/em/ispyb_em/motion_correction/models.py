"""Per-micrograph results: motion correction, CTF estimation, relative ice thickness."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKeyConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ispyb_shared.uuids import UuidMixin

from ..database import Base


class MotionCorrection(UuidMixin, Base):
    """Motion correction of one movie by one program run: the micrograph it produced and
    how much the specimen moved."""

    __tablename__ = "MotionCorrection"
    __table_args__ = (
        ForeignKeyConstraint(
            ["autoProcProgramId"],
            ["AutoProcProgram.autoProcProgramId"],
            name="MotionCorrection_ibfk2",
        ),
        ForeignKeyConstraint(["movieId"], ["Movie.movieId"], name="MotionCorrection_ibfk3"),
        Index("MotionCorrection_ibfk2", "autoProcProgramId"),
        Index("MotionCorrection_ibfk3", "movieId"),
    )

    motionCorrectionId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    movieId: Mapped[int | None] = mapped_column(
        Integer, doc="The movie that was corrected (Movie.movieId)."
    )
    autoProcProgramId: Mapped[int | None] = mapped_column(
        Integer, doc="The program run that did it (AutoProcProgram.autoProcProgramId)."
    )
    imageNumber: Mapped[int | None] = mapped_column(
        Integer, doc="Movie number, sequential in time (1..n)."
    )
    firstFrame: Mapped[int | None] = mapped_column(Integer, doc="First frame of the movie used.")
    lastFrame: Mapped[int | None] = mapped_column(Integer, doc="Last frame of the movie used.")
    dosePerFrame: Mapped[float | None] = mapped_column(
        Float, doc="Electron dose per frame (e⁻/Å²)."
    )
    doseWeight: Mapped[float | None] = mapped_column(Float, doc="Dose weight (dimensionless).")
    totalMotion: Mapped[float | None] = mapped_column(
        Float, doc="Total drift of the specimen over the movie (Å)."
    )
    averageMotionPerFrame: Mapped[float | None] = mapped_column(
        Float, doc="Average drift per frame (Å)."
    )
    driftPlotFullPath: Mapped[str | None] = mapped_column(
        String(255), doc="Full path of the drift plot image."
    )
    micrographFullPath: Mapped[str | None] = mapped_column(
        String(255), doc="Full path of the motion-corrected micrograph."
    )
    micrographSnapshotFullPath: Mapped[str | None] = mapped_column(
        String(255), doc="Full path of a snapshot (JPEG) of the micrograph."
    )
    patchesUsedX: Mapped[int | None] = mapped_column(
        Integer, doc="Number of patches used in x (patch-based correction, e.g. MotionCor2)."
    )
    patchesUsedY: Mapped[int | None] = mapped_column(
        Integer, doc="Number of patches used in y (patch-based correction, e.g. MotionCor2)."
    )
    fftFullPath: Mapped[str | None] = mapped_column(
        String(255), doc="Full path of the JPEG of the raw micrograph's FFT."
    )
    fftCorrectedFullPath: Mapped[str | None] = mapped_column(
        String(255), doc="Full path of the JPEG of the drift-corrected micrograph's FFT."
    )
    comments: Mapped[str | None] = mapped_column(String(255), doc="Free-text comments.")


class CTF(UuidMixin, Base):
    """Contrast transfer function estimated on one motion-corrected micrograph."""

    __tablename__ = "CTF"
    __table_args__ = (
        ForeignKeyConstraint(
            ["autoProcProgramId"], ["AutoProcProgram.autoProcProgramId"], name="CTF_ibfk2"
        ),
        ForeignKeyConstraint(
            ["motionCorrectionId"], ["MotionCorrection.motionCorrectionId"], name="CTF_ibfk1"
        ),
        Index("CTF_ibfk1", "motionCorrectionId"),
        Index("CTF_ibfk2", "autoProcProgramId"),
    )

    ctfId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    motionCorrectionId: Mapped[int | None] = mapped_column(
        Integer, doc="The micrograph analysed (MotionCorrection.motionCorrectionId)."
    )
    autoProcProgramId: Mapped[int | None] = mapped_column(
        Integer, doc="The program run that estimated it (AutoProcProgram.autoProcProgramId)."
    )
    boxSizeX: Mapped[float | None] = mapped_column(Float, doc="Box size in x (pixels).")
    boxSizeY: Mapped[float | None] = mapped_column(Float, doc="Box size in y (pixels).")
    minResolution: Mapped[float | None] = mapped_column(
        Float, doc="Lowest resolution used for the fit (Å)."
    )
    maxResolution: Mapped[float | None] = mapped_column(
        Float, doc="Highest resolution used for the fit (Å)."
    )
    minDefocus: Mapped[float | None] = mapped_column(Float, doc="Lowest defocus searched (Å).")
    maxDefocus: Mapped[float | None] = mapped_column(Float, doc="Highest defocus searched (Å).")
    defocusStepSize: Mapped[float | None] = mapped_column(
        Float, doc="Step of the defocus search (Å)."
    )
    astigmatism: Mapped[float | None] = mapped_column(
        Float, doc="Astigmatism: difference of the two defocus values (Å)."
    )
    astigmatismAngle: Mapped[float | None] = mapped_column(
        Float, doc="Azimuth of the astigmatism (degrees)."
    )
    estimatedResolution: Mapped[float | None] = mapped_column(
        Float, doc="Resolution up to which the CTF fit is reliable (Å); smaller is better."
    )
    estimatedDefocus: Mapped[float | None] = mapped_column(
        Float, doc="Estimated defocus (Å), positive for underfocus."
    )
    amplitudeContrast: Mapped[float | None] = mapped_column(
        Float, doc="Amplitude contrast used in the fit (fraction, e.g. 0.1)."
    )
    ccValue: Mapped[float | None] = mapped_column(
        Float, doc="Correlation between the fitted and observed power spectra (-1..1)."
    )
    fftTheoreticalFullPath: Mapped[str | None] = mapped_column(
        String(255), doc="Full path of the JPEG of the simulated power spectrum."
    )
    comments: Mapped[str | None] = mapped_column(String(255), doc="Free-text comments.")
    iceRingDensity: Mapped[float | None] = mapped_column(
        Float, doc="Summed intensity of the ice ring in Fourier space (arbitrary units)."
    )


class RelativeIceThickness(UuidMixin, Base):
    """Distribution of the relative ice thickness over one micrograph."""

    __tablename__ = "RelativeIceThickness"
    __table_args__ = (
        ForeignKeyConstraint(
            ["autoProcProgramId"],
            ["AutoProcProgram.autoProcProgramId"],
            onupdate="CASCADE",
            name="RelativeIceThickness_fk_programId",
        ),
        ForeignKeyConstraint(
            ["motionCorrectionId"],
            ["MotionCorrection.motionCorrectionId"],
            onupdate="CASCADE",
            name="RelativeIceThickness_fk_motionCorrectionId",
        ),
        Index("RelativeIceThickness_fk_motionCorrectionId", "motionCorrectionId"),
        Index("RelativeIceThickness_fk_programId", "autoProcProgramId"),
    )

    relativeIceThicknessId: Mapped[int] = mapped_column(
        Integer, primary_key=True, doc="Database id."
    )
    motionCorrectionId: Mapped[int | None] = mapped_column(
        Integer, doc="The micrograph measured (MotionCorrection.motionCorrectionId)."
    )
    autoProcProgramId: Mapped[int | None] = mapped_column(
        Integer, doc="The program run that measured it (AutoProcProgram.autoProcProgramId)."
    )
    minimum: Mapped[float | None] = mapped_column(
        Float, doc="Minimum relative ice thickness (dimensionless)."
    )
    q1: Mapped[float | None] = mapped_column(
        Float, doc="First quartile of the relative ice thickness (dimensionless)."
    )
    median: Mapped[float | None] = mapped_column(
        Float, doc="Median relative ice thickness (dimensionless)."
    )
    q3: Mapped[float | None] = mapped_column(
        Float, doc="Third quartile of the relative ice thickness (dimensionless)."
    )
    maximum: Mapped[float | None] = mapped_column(
        Float, doc="Maximum relative ice thickness (dimensionless)."
    )
