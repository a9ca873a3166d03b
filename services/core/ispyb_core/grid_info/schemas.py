from __future__ import annotations

from ispyb_shared.schemas import ModelSchema

from .models import GridInfo

READ_ONLY = ("gridInfoId", "uuid", "recordTimeStamp")


class GridInfoRead(ModelSchema):
    """The grid of a grid scan."""

    class Meta(ModelSchema.Meta):
        model = GridInfo
        dump_only = READ_ONLY


class GridInfoUpdate(ModelSchema):
    """Changes to a grid; only the fields sent are changed."""

    class Meta(ModelSchema.Meta):
        model = GridInfo
        exclude = READ_ONLY


class GridInfoCreate(GridInfoUpdate):
    """The grid of a grid scan: of a data collection (``dataCollectionId``; its group is
    set from it) or of a group (``dataCollectionGroupId``)."""
