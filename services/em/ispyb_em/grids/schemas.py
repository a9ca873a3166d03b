from __future__ import annotations

from ..schemas import EMSchema
from .models import Atlas, FoilHole, GridSquare

ATLAS_READ_ONLY = ("atlasId", "uuid", "dataCollectionGroupUUID")


class AtlasRead(EMSchema):
    """The atlas of a grid."""

    class Meta(EMSchema.Meta):
        model = Atlas
        dump_only = ATLAS_READ_ONLY


class AtlasCreate(EMSchema):
    """A new atlas, registered with a data collection of its grid (its group is taken
    from core)."""

    class Meta(EMSchema.Meta):
        model = Atlas
        exclude = ATLAS_READ_ONLY


SQUARE_READ_ONLY = ("gridSquareId", "uuid")


class GridSquareRead(EMSchema):
    """A grid square of an atlas."""

    class Meta(EMSchema.Meta):
        model = GridSquare
        dump_only = SQUARE_READ_ONLY


class GridSquareCreate(EMSchema):
    """A new grid square of an atlas."""

    class Meta(EMSchema.Meta):
        model = GridSquare
        exclude = SQUARE_READ_ONLY


HOLE_READ_ONLY = ("foilHoleId", "uuid")


class FoilHoleRead(EMSchema):
    """A foil hole of a grid square; movies name it (Movie.foilHoleId)."""

    class Meta(EMSchema.Meta):
        model = FoilHole
        dump_only = HOLE_READ_ONLY


class FoilHoleCreate(EMSchema):
    """A new foil hole of a grid square."""

    class Meta(EMSchema.Meta):
        model = FoilHole
        exclude = HOLE_READ_ONLY
