"""Tomograms and the alignment of their tilt images."""

from __future__ import annotations

import datetime

from sqlalchemy import DateTime, Float, ForeignKeyConstraint, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ispyb_shared.uuids import UuidMixin

from ..database import Base, data_collection_uuid_column


class Tomogram(UuidMixin, Base):
    """A tomogram reconstructed from a tilt series (one data collection)."""

    __tablename__ = "Tomogram"
    __table_args__ = (
        ForeignKeyConstraint(
            ["autoProcProgramId"],
            ["AutoProcProgram.autoProcProgramId"],
            ondelete="SET NULL",
            onupdate="CASCADE",
            name="Tomogram_fk_autoProcProgramId",
        ),
        ForeignKeyConstraint(
            ["gridSquareId"], ["GridSquare.gridSquareId"], name="Tomogram_fk_gridSquareId"
        ),
        Index("Tomogram_fk_autoProcProgramId", "autoProcProgramId"),
        Index("Tomogram_fk_dataCollectionUUID", "dataCollectionUUID"),
        Index("Tomogram_fk_gridSquareId", "gridSquareId"),
    )

    tomogramId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    dataCollectionUUID: Mapped[str] = data_collection_uuid_column(
        doc="UUID of the data collection (in core), the tilt series, reconstructed."
    )
    autoProcProgramId: Mapped[int | None] = mapped_column(
        Integer, doc="The reconstruction program run (AutoProcProgram.autoProcProgramId)."
    )
    volumeFile: Mapped[str | None] = mapped_column(
        String(255), doc="Full path of the reconstructed volume (.mrc)."
    )
    stackFile: Mapped[str | None] = mapped_column(
        String(255),
        doc="Full path of the stack of motion-corrected images ordered by angle (.mrc), the "
        "input of the reconstruction.",
    )
    sizeX: Mapped[int | None] = mapped_column(Integer, doc="Volume size in x (pixels).")
    sizeY: Mapped[int | None] = mapped_column(Integer, doc="Volume size in y (pixels).")
    sizeZ: Mapped[int | None] = mapped_column(Integer, doc="Volume size in z (pixels).")
    pixelSpacing: Mapped[float | None] = mapped_column(
        Float, doc="Pixel spacing of the volume (Å/pixel)."
    )
    residualErrorMean: Mapped[float | None] = mapped_column(
        Float, doc="Mean alignment residual error (nm)."
    )
    residualErrorSD: Mapped[float | None] = mapped_column(
        Float, doc="Standard deviation of the alignment residual error (nm)."
    )
    xAxisCorrection: Mapped[float | None] = mapped_column(
        Float, doc="X axis angle correction (etomo) (degrees)."
    )
    tiltAngleOffset: Mapped[float | None] = mapped_column(
        Float, doc="Tilt axis offset (etomo) (degrees)."
    )
    zShift: Mapped[float | None] = mapped_column(
        Float, doc="Shift centring the volume in z (etomo) (pixels)."
    )
    fileDirectory: Mapped[str | None] = mapped_column(
        String(255), doc="Directory of the files named by this row."
    )
    centralSliceImage: Mapped[str | None] = mapped_column(
        String(255), doc="Image of the tomogram's central slice."
    )
    tomogramMovie: Mapped[str | None] = mapped_column(
        String(255), doc="Movie traversing the tomogram along an axis."
    )
    xyShiftPlot: Mapped[str | None] = mapped_column(String(255), doc="XY shift plot.")
    projXY: Mapped[str | None] = mapped_column(String(255), doc="XY projection image.")
    projXZ: Mapped[str | None] = mapped_column(String(255), doc="XZ projection image.")
    recordTimeStamp: Mapped[datetime.datetime | None] = mapped_column(
        DateTime,
        server_default=func.current_timestamp(),
        doc="When the row was created (set by the database).",
    )
    globalAlignmentQuality: Mapped[float | None] = mapped_column(
        Float, doc="Quality of fit of the tilt-series alignment (program-specific)."
    )
    gridSquareId: Mapped[int | None] = mapped_column(
        Integer, doc="The grid square (medium-magnification map) of the tomogram (GridSquare)."
    )
    pixelLocationX: Mapped[int | None] = mapped_column(
        Integer, doc="Pixel location x of the tomogram centre on the search map image."
    )
    pixelLocationY: Mapped[int | None] = mapped_column(
        Integer, doc="Pixel location y of the tomogram centre on the search map image."
    )
    thickness: Mapped[float | None] = mapped_column(
        Float, doc="Thickness of the specimen in the tomogram (nm)."
    )


class TiltImageAlignment(UuidMixin, Base):
    """How one tilt image (a movie) was aligned in one tomogram's reconstruction."""

    __tablename__ = "TiltImageAlignment"
    __table_args__ = (
        ForeignKeyConstraint(
            ["movieId"],
            ["Movie.movieId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="TiltImageAlignment_fk_movieId",
        ),
        ForeignKeyConstraint(
            ["tomogramId"],
            ["Tomogram.tomogramId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="TiltImageAlignment_fk_tomogramId",
        ),
        Index("TiltImageAlignment_fk_tomogramId", "tomogramId"),
    )

    movieId: Mapped[int] = mapped_column(
        Integer, primary_key=True, autoincrement=False, doc="The tilt image (Movie.movieId)."
    )
    tomogramId: Mapped[int] = mapped_column(
        Integer,
        primary_key=True,
        autoincrement=False,
        doc="The tomogram (Tomogram.tomogramId); (movieId, tomogramId) is unique.",
    )
    defocusU: Mapped[float | None] = mapped_column(Float, doc="Defocus along U (Å).")
    defocusV: Mapped[float | None] = mapped_column(Float, doc="Defocus along V (Å).")
    psdFile: Mapped[str | None] = mapped_column(
        String(255), doc="Full path of the power spectrum image."
    )
    resolution: Mapped[float | None] = mapped_column(Float, doc="CTF fit resolution (Å).")
    fitQuality: Mapped[float | None] = mapped_column(
        Float, doc="Quality of the CTF fit (program-specific)."
    )
    refinedMagnification: Mapped[float | None] = mapped_column(
        Float, doc="Refined magnification (dimensionless)."
    )
    refinedTiltAngle: Mapped[float | None] = mapped_column(
        Float, doc="Refined tilt angle (degrees)."
    )
    refinedTiltAxis: Mapped[float | None] = mapped_column(
        Float, doc="Refined tilt axis angle (degrees)."
    )
    residualError: Mapped[float | None] = mapped_column(Float, doc="Alignment residual error (nm).")
