from __future__ import annotations

import datetime

from sqlalchemy import DateTime, Float, ForeignKeyConstraint, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ispyb_shared.uuids import UuidMixin

from ..database import Base, data_collection_uuid_column


class Movie(UuidMixin, Base):
    """One movie (exposure) recorded by the microscope: a stack of frames that motion
    correction turns into one micrograph."""

    __tablename__ = "Movie"
    __table_args__ = (
        ForeignKeyConstraint(
            ["foilHoleId"], ["FoilHole.foilHoleId"], onupdate="CASCADE", name="Movie_fk_foilHoleId"
        ),
        Index("Movie_fk_foilHoleId", "foilHoleId"),
        # The ingestion key (a resent movie is found, not duplicated) and the keyset
        # pagination index of the per-movie series.
        Index(
            "Movie_dataCollectionUUID_movieNumber", "dataCollectionUUID", "movieNumber", unique=True
        ),
    )

    movieId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    dataCollectionUUID: Mapped[str] = data_collection_uuid_column(
        doc="UUID of the data collection (in core) the movie belongs to."
    )
    movieNumber: Mapped[int] = mapped_column(
        Integer,
        nullable=False,
        doc="Number of the movie in its data collection, in acquisition order (1, 2, ...); "
        "unique per data collection.",
    )
    movieFullPath: Mapped[str | None] = mapped_column(
        String(255), doc="Full path of the movie file."
    )
    createdTimeStamp: Mapped[datetime.datetime] = mapped_column(
        DateTime,
        nullable=False,
        server_default=func.current_timestamp(),
        doc="When the movie was recorded (facility local time); the time of ingestion when "
        "not given.",
    )
    positionX: Mapped[float | None] = mapped_column(
        Float, doc="Stage position x of the exposure, as the acquisition software reports it."
    )
    positionY: Mapped[float | None] = mapped_column(
        Float, doc="Stage position y of the exposure, as the acquisition software reports it."
    )
    nominalDefocus: Mapped[float | None] = mapped_column(
        Float, doc="Defocus requested from the microscope (Å)."
    )
    angle: Mapped[float | None] = mapped_column(
        Float, doc="Stage tilt angle relative to perpendicular to the beam (degrees)."
    )
    fluence: Mapped[float | None] = mapped_column(
        Float,
        doc="Electron fluence accumulated over the whole movie, often called dose (e⁻/Å²).",
    )
    numberOfFrames: Mapped[int | None] = mapped_column(
        Integer, doc="Number of frames in the movie (a property of the acquisition)."
    )
    foilHoleId: Mapped[int | None] = mapped_column(
        Integer, doc="The foil hole the movie was recorded in (FoilHole.foilHoleId)."
    )
    templateLabel: Mapped[int | None] = mapped_column(
        Integer, doc="Label of the acquisition template position, when one was used."
    )
