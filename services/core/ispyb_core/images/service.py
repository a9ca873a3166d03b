from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager

from ispyb_shared.auth import Caller
from ispyb_shared.crud import create_row, one_or_404, ref_condition, update_row
from ispyb_shared.errors import Conflict
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate

from ..access import require_acquisition_writer
from ..acquisition import visible_session_condition
from ..data_collections.models import DataCollection, DataCollectionGroup
from ..data_collections.service import collection_for_write
from ..sessions.models import BLSession
from .models import Image

LIST_SPEC = ListSpec(
    filters={
        "uuid": Filter(Image.uuid, ("eq", "in"), "UUID"),
        "dataCollectionId": Filter(Image.dataCollectionId, ("eq", "in"), "Data collection id"),
        "sessionId": Filter(DataCollectionGroup.sessionId, ("eq", "in"), "Session id"),
        "imageNumber": Filter(
            Image.imageNumber, ("eq", "in", "gt", "gte", "lt", "lte"), "Image number"
        ),
        "fileName": Filter(Image.fileName, ("eq", "contains"), "File name"),
    },
    sortable={"imageId": Image.imageId, "imageNumber": Image.imageNumber},
    default_sort=("imageId",),
    tiebreak=(Image.imageId,),
)


def _all_images():
    """Images with their sweep, group, session and proposal, in the same query (outer
    joins to rows that always exist: data_collections.service explains why)."""
    return (
        select(Image)
        .outerjoin(Image.DataCollection)
        .outerjoin(DataCollection.DataCollectionGroup)
        .outerjoin(DataCollectionGroup.BLSession)
        .outerjoin(BLSession.Proposal)
        .options(
            contains_eager(Image.DataCollection)
            .contains_eager(DataCollection.DataCollectionGroup)
            .contains_eager(DataCollectionGroup.BLSession)
            .contains_eager(BLSession.Proposal)
        )
    )


def visible_images(caller: Caller):
    return _all_images().where(visible_session_condition(caller))


def list_images(*, db_session: Session, params: ListParams, caller: Caller) -> Page:
    return paginate(db_session, visible_images(caller), params, LIST_SPEC)


def get_image(*, db_session: Session, ref: str, caller: Caller) -> Image:
    """By id or UUID."""
    condition = ref_condition(ref, id_column=Image.imageId, uuid_column=Image.uuid)
    return one_or_404(db_session, visible_images(caller).where(condition), "Image", ref)


def create_image(*, db_session: Session, data: dict[str, Any], caller: Caller) -> Image:
    collection = collection_for_write(db_session, data["dataCollectionId"])
    require_acquisition_writer(
        caller,
        beamline=collection.DataCollectionGroup.BLSession.beamLineName,
        action="record images",
    )
    image = create_row(db_session, Image, data)
    return _reload(db_session, image)


def update_image(
    *, db_session: Session, image: Image, data: dict[str, Any], caller: Caller
) -> Image:
    require_acquisition_writer(
        caller,
        beamline=image.DataCollection.DataCollectionGroup.BLSession.beamLineName,
        action="change images",
    )
    if "dataCollectionId" in data and data["dataCollectionId"] != image.dataCollectionId:
        raise Conflict(
            "An image cannot move to another data collection.",
            {"dataCollectionId": ["Cannot be changed."]},
        )
    update_row(db_session, image, data)
    return _reload(db_session, image)


def _reload(db_session: Session, image: Image) -> Image:
    statement = _all_images().where(Image.imageId == image.imageId)
    return db_session.execute(statement.execution_options(populate_existing=True)).scalar_one()
