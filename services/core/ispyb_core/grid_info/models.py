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
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from ispyb_shared.types import LenientEnum

from ..database import Base, UuidMixin

ORIENTATIONS = ("vertical", "horizontal")


def _double(doc: str) -> Mapped[float | None]:
    return mapped_column(Double(asdecimal=False), doc=doc)


class GridInfo(UuidMixin, Base):
    """The grid of a grid scan (mesh): its origin, step sizes and number of steps, how it
    was scanned, and how it maps onto the sample snapshot."""

    __tablename__ = "GridInfo"
    __table_args__ = (
        ForeignKeyConstraint(
            ["dataCollectionGroupId"],
            ["DataCollectionGroup.dataCollectionGroupId"],
            name="GridInfo_ibfk_2",
        ),
        ForeignKeyConstraint(
            ["dataCollectionId"],
            ["DataCollection.dataCollectionId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="GridInfo_fk_dataCollectionId",
        ),
        Index("GridInfo_fk_dataCollectionId", "dataCollectionId"),
        Index("GridInfo_ibfk_2", "dataCollectionGroupId"),
    )

    gridInfoId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    dataCollectionId: Mapped[int | None] = mapped_column(
        Integer, doc="The data collection of the scan (DataCollection)."
    )
    dataCollectionGroupId: Mapped[int | None] = mapped_column(
        Integer, doc="Its group (DataCollectionGroup); set from the data collection."
    )
    xOffset: Mapped[float | None] = _double("Horizontal offset of the grid's origin, in mm.")
    yOffset: Mapped[float | None] = _double("Vertical offset of the grid's origin, in mm.")
    dx_mm: Mapped[float | None] = _double("Horizontal step, in mm.")
    dy_mm: Mapped[float | None] = _double("Vertical step, in mm.")
    steps_x: Mapped[float | None] = _double("Number of horizontal steps.")
    steps_y: Mapped[float | None] = _double("Number of vertical steps.")
    meshAngle: Mapped[float | None] = _double("Angle of the grid, in degrees.")
    orientation: Mapped[str | None] = mapped_column(
        LenientEnum(*ORIENTATIONS, name="grid_orientation"),
        server_default="horizontal",
        doc="Fast scan direction: horizontal (default) or vertical.",
    )
    snaked: Mapped[bool | None] = mapped_column(
        Boolean, server_default="0", doc="True when the grid was scanned in a snaked pattern."
    )
    patchesX: Mapped[int | None] = mapped_column(
        Integer, server_default="1", doc="Number of patches of the grid, horizontally."
    )
    patchesY: Mapped[int | None] = mapped_column(
        Integer, server_default="1", doc="Number of patches of the grid, vertically."
    )
    snapshot_offsetXPixel: Mapped[float | None] = mapped_column(
        Float, doc="Horizontal offset of the grid on the snapshot, in pixels."
    )
    snapshot_offsetYPixel: Mapped[float | None] = mapped_column(
        Float, doc="Vertical offset of the grid on the snapshot, in pixels."
    )
    micronsPerPixelX: Mapped[float | None] = mapped_column(
        Float, doc="Horizontal scale of the snapshot, in µm per pixel."
    )
    micronsPerPixelY: Mapped[float | None] = mapped_column(
        Float, doc="Vertical scale of the snapshot, in µm per pixel."
    )
    recordTimeStamp: Mapped[datetime.datetime] = mapped_column(
        TIMESTAMP,
        nullable=False,
        server_default=func.current_timestamp(),
        doc="When the row was created (set by the database).",
    )
