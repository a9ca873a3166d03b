"""Processing results and live chunks of a run (the run's visibility is checked by the
caller of these: runs.service.get_run)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ispyb_shared.auth import Caller
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate

from ..runs.models import SSXDataCollection
from .models import SSXHitChunk, SSXProcessingResult, SSXProcessingResultAttachment

RESULT_SPEC = ListSpec(
    filters={
        "indexingType": Filter(SSXProcessingResult.indexingType, ("eq", "in"), "Indexing type"),
        "status": Filter(SSXProcessingResult.status, ("eq", "in"), "Status"),
    },
    sortable={
        "ssxProcessingResultId": SSXProcessingResult.ssxProcessingResultId,
        "recordTimeStamp": SSXProcessingResult.recordTimeStamp,
    },
    default_sort=("ssxProcessingResultId",),
    tiebreak=(SSXProcessingResult.ssxProcessingResultId,),
)
CHUNK_SPEC = ListSpec(
    filters={
        "firstImage": Filter(
            SSXHitChunk.firstImage, ("eq", "gt", "gte", "lt", "lte"), "First image"
        ),
    },
    sortable={"firstImage": SSXHitChunk.firstImage},
    default_sort=("firstImage",),
    tiebreak=(SSXHitChunk.ssxHitChunkId,),
)


def add_result(
    *, db_session: Session, run: SSXDataCollection, data: dict, caller: Caller
) -> SSXProcessingResult:
    values = dict(data)
    attachments = values.pop("attachments", [])
    result = SSXProcessingResult(
        ssxDataCollectionId=run.ssxDataCollectionId, postedBy=caller.subject, **values
    )
    result.Attachments = [SSXProcessingResultAttachment(**item) for item in attachments]
    db_session.add(result)
    db_session.flush()
    db_session.refresh(result)
    return result


def list_results(*, db_session: Session, run: SSXDataCollection, params: ListParams) -> Page:
    """A run's results, oldest first by default (with their files: one more query)."""
    statement = (
        select(SSXProcessingResult)
        .where(SSXProcessingResult.ssxDataCollectionId == run.ssxDataCollectionId)
        .options(selectinload(SSXProcessingResult.Attachments))
    )
    return paginate(db_session, statement, params, RESULT_SPEC)


def results_of(*, db_session: Session, run: SSXDataCollection) -> list[SSXProcessingResult]:
    """Every result of a run, oldest first."""
    return list(
        db_session.scalars(
            select(SSXProcessingResult)
            .where(SSXProcessingResult.ssxDataCollectionId == run.ssxDataCollectionId)
            .order_by(SSXProcessingResult.ssxProcessingResultId)
        )
    )


def add_chunk(*, db_session: Session, run: SSXDataCollection, data: dict) -> SSXHitChunk:
    chunk = SSXHitChunk(ssxDataCollectionId=run.ssxDataCollectionId, **data)
    db_session.add(chunk)
    db_session.flush()
    db_session.refresh(chunk)
    return chunk


def list_chunks(*, db_session: Session, run: SSXDataCollection, params: ListParams) -> Page:
    """A run's chunks by first image: its hit and indexing time series."""
    statement = select(SSXHitChunk).where(
        SSXHitChunk.ssxDataCollectionId == run.ssxDataCollectionId
    )
    return paginate(db_session, statement, params, CHUNK_SPEC)
