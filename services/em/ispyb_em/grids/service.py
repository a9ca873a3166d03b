"""The grid hierarchy: Atlas -> GridSquare -> FoilHole (-> Movie.foilHoleId)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ispyb_shared.auth import Caller
from ispyb_shared.errors import ServiceUnavailable
from ispyb_shared.listing import Filter, ListSpec

from ..access import DataCollections
from ..ownership import References, data_collection_filter
from ..resources import OwnedResource, new_row_owner
from .models import Atlas, FoilHole, GridSquare
from .schemas import (
    AtlasCreate,
    AtlasRead,
    FoilHoleCreate,
    FoilHoleRead,
    GridSquareCreate,
    GridSquareRead,
)


def _atlas_owner(references: References, data: Mapping[str, Any]) -> str | None:
    uuid = data["dataCollectionUUID"]
    return uuid if references.data_collection("dataCollectionUUID", uuid) else None


def _square_owner(references: References, data: Mapping[str, Any]) -> str | None:
    return references.row("atlasId", Atlas, data["atlasId"], table="atlas")


def _hole_owner(references: References, data: Mapping[str, Any]) -> str | None:
    return references.row("gridSquareId", GridSquare, data["gridSquareId"], table="grid square")


def _spec(model: type, id_column, parent: tuple[str, Any] | None) -> ListSpec:
    filters = {"dataCollectionUUID": data_collection_filter(model)}
    if parent is not None:
        filters[parent[0]] = Filter(parent[1], ("eq", "in"), parent[0])
    return ListSpec(
        filters=filters,
        sortable={id_column.key: id_column},
        default_sort=(id_column.key,),
        tiebreak=(id_column,),
    )


ATLASES = OwnedResource(
    model=Atlas,
    what="Atlas",
    read=AtlasRead,
    create=AtlasCreate,
    owner_of=_atlas_owner,
    list_spec=_spec(Atlas, Atlas.atlasId, None),
)
GRID_SQUARES = OwnedResource(
    model=GridSquare,
    what="Grid square",
    read=GridSquareRead,
    create=GridSquareCreate,
    owner_of=_square_owner,
    list_spec=_spec(GridSquare, GridSquare.gridSquareId, ("atlasId", GridSquare.atlasId)),
)
FOIL_HOLES = OwnedResource(
    model=FoilHole,
    what="Foil hole",
    read=FoilHoleRead,
    create=FoilHoleCreate,
    owner_of=_hole_owner,
    list_spec=_spec(FoilHole, FoilHole.foilHoleId, ("gridSquareId", FoilHole.gridSquareId)),
)


def create_atlas(
    *,
    db_session: Session,
    data: Mapping[str, Any],
    caller: Caller,
    data_collections: DataCollections,
) -> Atlas:
    """An atlas of the grid of data collection ``dataCollectionUUID``."""
    owner = new_row_owner(
        ATLASES, db_session=db_session, data=data, caller=caller, data_collections=data_collections
    )
    group = data_collections.visible([owner])[owner].get("dataCollectionGroupUUID")
    if group is None:
        raise ServiceUnavailable("Core's answer lacks the data collection's group.")
    atlas = Atlas(**data, dataCollectionGroupUUID=group)
    db_session.add(atlas)
    db_session.flush()
    return atlas


def grid_square_group(db_session: Session, grid_square_id: int) -> str | None:
    """The data collection group (grid) of a grid square."""
    return db_session.execute(
        select(Atlas.dataCollectionGroupUUID)
        .join(GridSquare, GridSquare.atlasId == Atlas.atlasId)
        .where(GridSquare.gridSquareId == grid_square_id)
    ).scalar_one_or_none()
