from __future__ import annotations

import datetime

from sqlalchemy import TIMESTAMP, Float, ForeignKeyConstraint, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..data_collections.models import DataCollection
from ..database import Base, UuidMixin


class Image(UuidMixin, Base):
    """One image (frame) of a data collection, as beamline control recorded it."""

    __tablename__ = "Image"
    __table_args__ = (
        ForeignKeyConstraint(
            ["dataCollectionId"],
            ["DataCollection.dataCollectionId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="Image_ibfk_1",
        ),
        Index("Image_FKIndex1", "dataCollectionId"),
        Index("Image_FKIndex2", "imageNumber"),
        Index("Image_Index3", "fileLocation", "fileName"),
    )

    imageId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    dataCollectionId: Mapped[int] = mapped_column(
        Integer,
        nullable=False,
        server_default="0",
        doc="The data collection (sweep) the image belongs to.",
    )
    imageNumber: Mapped[int | None] = mapped_column(
        Integer, doc="Number of the image in the sweep, as in its file name."
    )
    fileName: Mapped[str | None] = mapped_column(String(255), doc="File name of the image.")
    fileLocation: Mapped[str | None] = mapped_column(
        String(255), doc="Directory of the image file."
    )
    measuredIntensity: Mapped[float | None] = mapped_column(
        Float, doc="Intensity measured by the beamline during the exposure."
    )
    jpegFileFullPath: Mapped[str | None] = mapped_column(
        String(255), doc="Path of a JPEG rendering of the image."
    )
    jpegThumbnailFileFullPath: Mapped[str | None] = mapped_column(
        String(255), doc="Path of a JPEG thumbnail of the image."
    )
    temperature: Mapped[float | None] = mapped_column(
        Float, doc="Sample temperature during the exposure, in K."
    )
    cumulativeIntensity: Mapped[float | None] = mapped_column(
        Float, doc="Intensity accumulated up to this image."
    )
    synchrotronCurrent: Mapped[float | None] = mapped_column(
        Float, doc="Storage ring current during the exposure, in mA."
    )
    comments: Mapped[str | None] = mapped_column(String(1024), doc="Free-text comments.")
    machineMessage: Mapped[str | None] = mapped_column(
        String(1024), doc="Message of the machine (storage ring) at the time."
    )
    motorPositionId: Mapped[int | None] = mapped_column(
        Integer, doc="Motor positions of the goniometer (MotorPosition), when recorded."
    )
    recordTimeStamp: Mapped[datetime.datetime] = mapped_column(
        TIMESTAMP,
        nullable=False,
        server_default=func.current_timestamp(),
        doc="When the row was created (set by the database).",
    )

    DataCollection: Mapped[DataCollection] = relationship(DataCollection, lazy="raise")
