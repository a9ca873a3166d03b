"""Files attached to data collections: read by whoever sees the data collection, added
by the pipelines that make them (the processing writers)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager

from ispyb_shared.auth import Caller
from ispyb_shared.crud import create_row, one_or_404, ref_condition
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate

from ..access import PROCESSING_READ_SCOPES, session_condition
from ..data_collections.models import DataCollection, DataCollectionGroup
from .models import DataCollectionFileAttachment

_ID = DataCollectionFileAttachment.dataCollectionFileAttachmentId
LIST_SPEC = ListSpec(
    filters={
        "fileType": Filter(DataCollectionFileAttachment.fileType, ("eq", "in"), "File type"),
    },
    sortable={
        "dataCollectionFileAttachmentId": _ID,
        "createTime": DataCollectionFileAttachment.createTime,
    },
    default_sort=("dataCollectionFileAttachmentId",),
    tiebreak=(_ID,),
)


def list_attachments(
    *, db_session: Session, collection: DataCollection, params: ListParams
) -> Page:
    """``collection`` was read as the caller sees it: its files are visible with it."""
    statement = select(DataCollectionFileAttachment).where(
        DataCollectionFileAttachment.dataCollectionId == collection.dataCollectionId
    )
    return paginate(db_session, statement, params, LIST_SPEC)


def _visible_attachments(caller: Caller):
    """Attachments with their sweep, group and session, where the caller sees the session
    (outer joins to rows that always exist: data_collections.service explains why)."""
    return (
        select(DataCollectionFileAttachment)
        .outerjoin(DataCollectionFileAttachment.DataCollection)
        .outerjoin(DataCollection.DataCollectionGroup)
        .outerjoin(DataCollectionGroup.BLSession)
        .options(contains_eager(DataCollectionFileAttachment.DataCollection))
        .where(session_condition(caller, PROCESSING_READ_SCOPES))
    )


def get_attachment(
    *, db_session: Session, ref: str, caller: Caller
) -> DataCollectionFileAttachment:
    """By id or UUID, when the caller sees its data collection (else 404)."""
    condition = ref_condition(
        ref,
        id_column=DataCollectionFileAttachment.dataCollectionFileAttachmentId,
        uuid_column=DataCollectionFileAttachment.uuid,
    )
    return one_or_404(db_session, _visible_attachments(caller).where(condition), "Attachment", ref)


def add_attachment(
    *, db_session: Session, collection: DataCollection, data: dict[str, Any]
) -> DataCollectionFileAttachment:
    """``collection`` passed the writer check (image_quality_indicators.service)."""
    attachment = create_row(
        db_session,
        DataCollectionFileAttachment,
        {**data, "dataCollectionId": collection.dataCollectionId},
    )
    db_session.refresh(attachment)
    return attachment
