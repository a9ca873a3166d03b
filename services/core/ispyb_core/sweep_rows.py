"""Rows that belong to a data collection or to its group (screenings, grid scans): ISPyB
gives them both keys, and older writers set only one of them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ispyb_shared.errors import ValidationFailed

from .data_collections.models import DataCollection, DataCollectionGroup
from .data_collections.service import collection_for_write, group_for_write
from .sessions.models import BLSession


def with_session(statement, model):
    """``statement`` joined to the session of ``model``'s rows: its group's, the group being
    the row's own or its data collection's."""
    return (
        statement.outerjoin(
            DataCollection, DataCollection.dataCollectionId == model.dataCollectionId
        )
        .outerjoin(
            DataCollectionGroup,
            DataCollectionGroup.dataCollectionGroupId
            == func.coalesce(model.dataCollectionGroupId, DataCollection.dataCollectionGroupId),
        )
        .outerjoin(BLSession, BLSession.sessionId == DataCollectionGroup.sessionId)
    )


def beamline_of(db_session: Session, model, row_id_column, row_id) -> str | None:
    statement = with_session(select(BLSession.beamLineName).select_from(model), model)
    return db_session.execute(statement.where(row_id_column == row_id)).scalar()


def target_group(db_session: Session, data: dict[str, Any]) -> DataCollectionGroup:
    """The group a new row goes into, from ``dataCollectionId`` or
    ``dataCollectionGroupId``; the group's id is filled in ``data`` from the sweep."""
    collection_id = data.get("dataCollectionId")
    group_id = data.get("dataCollectionGroupId")
    if collection_id is None and group_id is None:
        raise ValidationFailed(
            "Name the data collection.",
            {
                "dataCollectionId": ["Required without dataCollectionGroupId."],
                "dataCollectionGroupId": ["Required without dataCollectionId."],
            },
        )
    if collection_id is None:
        return group_for_write(db_session, group_id)
    collection = collection_for_write(db_session, collection_id)
    if group_id is not None and group_id != collection.dataCollectionGroupId:
        raise ValidationFailed(
            "The data collection is in another group.",
            {"dataCollectionGroupId": [f"Must be {collection.dataCollectionGroupId} or absent."]},
        )
    data["dataCollectionGroupId"] = collection.dataCollectionGroupId
    return collection.DataCollectionGroup
