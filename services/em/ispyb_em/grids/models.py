"""The grid hierarchy: atlas of a grid -> grid squares -> foil holes -> movies."""

from __future__ import annotations

from sqlalchemy import Boolean, Enum, Float, ForeignKeyConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ispyb_shared.uuids import UUID_LENGTH, UuidMixin

from ..database import Base, data_collection_uuid_column

COLLECTION_MODES = (
    "Bright Field and Fluorescent",
    "Bright Field",
    "Fluorescent",
    "Tomography",
    "Single Particle",
)


def _channel(colour: str, what: str) -> Mapped[bool | None]:
    return mapped_column(
        Boolean, server_default="0", doc=f"true when the {what} has a {colour} channel."
    )


class Atlas(UuidMixin, Base):
    """Low-magnification atlas of one cryo-EM grid."""

    __tablename__ = "Atlas"
    __table_args__ = (
        Index("Atlas_fk_dataCollectionGroupUUID", "dataCollectionGroupUUID"),
        Index("Atlas_dataCollectionUUID", "dataCollectionUUID"),
    )

    atlasId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    dataCollectionGroupUUID: Mapped[str] = mapped_column(
        String(UUID_LENGTH),
        nullable=False,
        doc="UUID of the data collection group (in core) of the grid; filled from the data "
        "collection's group.",
    )
    # EM learns about groups only through data collections (core's contract), so an atlas
    # is registered for a data collection of its group, and that data collection decides
    # who may see it.
    dataCollectionUUID: Mapped[str] = data_collection_uuid_column(
        doc="UUID of the data collection (in core) the atlas was registered with; who may "
        "see it decides who may see the atlas."
    )
    atlasImage: Mapped[str] = mapped_column(
        String(255), nullable=False, doc="Full path of the atlas image."
    )
    pixelSize: Mapped[float] = mapped_column(
        Float, nullable=False, doc="Pixel size of the atlas image (Å/pixel)."
    )
    cassetteSlot: Mapped[int | None] = mapped_column(
        Integer, doc="Slot of the grid in the autoloader cassette."
    )
    hasRed: Mapped[bool | None] = _channel("red", "atlas")
    hasBlue: Mapped[bool | None] = _channel("blue", "atlas")
    hasGreen: Mapped[bool | None] = _channel("green", "atlas")
    hasYellow: Mapped[bool | None] = _channel("yellow", "atlas")
    hasCyan: Mapped[bool | None] = _channel("cyan", "atlas")
    hasMagenta: Mapped[bool | None] = _channel("magenta", "atlas")
    hasGrey: Mapped[bool | None] = _channel("grey", "atlas")
    mode: Mapped[str | None] = mapped_column(
        Enum(*COLLECTION_MODES, name="atlas_mode"), doc="Collection mode."
    )


class GridSquare(UuidMixin, Base):
    """A grid square of an atlas, with its image at grid-square magnification."""

    __tablename__ = "GridSquare"
    __table_args__ = (
        ForeignKeyConstraint(
            ["atlasId"], ["Atlas.atlasId"], onupdate="CASCADE", name="GridSquare_fk_atlasId"
        ),
        Index("GridSquare_fk_atlasId", "atlasId"),
    )

    gridSquareId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    atlasId: Mapped[int] = mapped_column(Integer, nullable=False, doc="The atlas (Atlas.atlasId).")
    gridSquareLabel: Mapped[int | None] = mapped_column(
        Integer, doc="The grid square's number in the acquisition software."
    )
    gridSquareImage: Mapped[str | None] = mapped_column(
        String(255), doc="Full path of the grid square image."
    )
    pixelLocationX: Mapped[int | None] = mapped_column(
        Integer, doc="Pixel location x of the square's centre on the atlas image."
    )
    pixelLocationY: Mapped[int | None] = mapped_column(
        Integer, doc="Pixel location y of the square's centre on the atlas image."
    )
    height: Mapped[int | None] = mapped_column(
        Integer, doc="Height of the square on the atlas image (pixels)."
    )
    width: Mapped[int | None] = mapped_column(
        Integer, doc="Width of the square on the atlas image (pixels)."
    )
    angle: Mapped[float | None] = mapped_column(
        Float, doc="Angle of the square relative to the atlas image (degrees)."
    )
    stageLocationX: Mapped[float | None] = mapped_column(Float, doc="Stage position x (µm).")
    stageLocationY: Mapped[float | None] = mapped_column(Float, doc="Stage position y (µm).")
    qualityIndicator: Mapped[float | None] = mapped_column(
        Float, doc="Quality metric of the square (site-specific)."
    )
    pixelSize: Mapped[float | None] = mapped_column(
        Float, doc="Pixel size of the grid square image (Å/pixel)."
    )
    hasRed: Mapped[bool | None] = _channel("red", "image")
    hasBlue: Mapped[bool | None] = _channel("blue", "image")
    hasGreen: Mapped[bool | None] = _channel("green", "image")
    hasYellow: Mapped[bool | None] = _channel("yellow", "image")
    hasCyan: Mapped[bool | None] = _channel("cyan", "image")
    hasMagenta: Mapped[bool | None] = _channel("magenta", "image")
    hasGrey: Mapped[bool | None] = _channel("grey", "image")
    mode: Mapped[str | None] = mapped_column(
        Enum(*COLLECTION_MODES, name="grid_square_mode"), doc="Collection mode."
    )


class FoilHole(UuidMixin, Base):
    """A foil hole in a grid square, with its image at foil-hole magnification if any."""

    __tablename__ = "FoilHole"
    __table_args__ = (
        ForeignKeyConstraint(
            ["gridSquareId"],
            ["GridSquare.gridSquareId"],
            onupdate="CASCADE",
            name="FoilHole_fk_gridSquareId",
        ),
        Index("FoilHole_fk_gridSquareId", "gridSquareId"),
    )

    foilHoleId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    gridSquareId: Mapped[int] = mapped_column(
        Integer, nullable=False, doc="The grid square (GridSquare.gridSquareId)."
    )
    foilHoleLabel: Mapped[str] = mapped_column(
        String(30), nullable=False, doc="The foil hole's name in the acquisition software."
    )
    foilHoleImage: Mapped[str | None] = mapped_column(
        String(255), doc="Full path of the foil hole image, when there is one."
    )
    pixelLocationX: Mapped[int | None] = mapped_column(
        Integer, doc="Pixel location x of the hole's centre on the grid square image."
    )
    pixelLocationY: Mapped[int | None] = mapped_column(
        Integer, doc="Pixel location y of the hole's centre on the grid square image."
    )
    diameter: Mapped[int | None] = mapped_column(
        Integer, doc="Diameter of the hole on the grid square image (pixels)."
    )
    stageLocationX: Mapped[float | None] = mapped_column(Float, doc="Stage position x (µm).")
    stageLocationY: Mapped[float | None] = mapped_column(Float, doc="Stage position y (µm).")
    qualityIndicator: Mapped[float | None] = mapped_column(
        Float, doc="Quality metric of the hole (site-specific)."
    )
    pixelSize: Mapped[float | None] = mapped_column(
        Float, doc="Pixel size of the foil hole image (Å/pixel)."
    )
