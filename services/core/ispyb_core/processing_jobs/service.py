"""Processing jobs: requested by pipelines (the processing write scope) or staff of the
beamline, read by whoever sees their data collection."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ispyb_shared.auth import Caller
from ispyb_shared.crud import create_row, one_or_404, ref_condition
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate

from ..access import PROCESSING_READ_SCOPES, require_processing_writer, session_condition
from ..data_collections import service as data_collections
from ..data_collections.models import DataCollection, DataCollectionGroup
from ..sessions.models import BLSession
from .models import ProcessingJob, ProcessingJobParameter

LIST_SPEC = ListSpec(
    filters={
        "processingJobId": Filter(ProcessingJob.processingJobId, ("eq", "in"), "Job id"),
        "recipe": Filter(ProcessingJob.recipe, ("eq", "in"), "Recipe"),
        "automatic": Filter(ProcessingJob.automatic, ("eq",), "Triggered automatically"),
        "recordTimestamp": Filter(
            ProcessingJob.recordTimestamp, ("gt", "gte", "lt", "lte"), "Submitted"
        ),
    },
    sortable={
        "processingJobId": ProcessingJob.processingJobId,
        "recordTimestamp": ProcessingJob.recordTimestamp,
    },
    default_sort=("processingJobId",),
    tiebreak=(ProcessingJob.processingJobId,),
)


def _visible_jobs(caller: Caller):
    return (
        select(ProcessingJob)
        .join(DataCollection, DataCollection.dataCollectionId == ProcessingJob.dataCollectionId)
        .join(DataCollectionGroup)
        .join(BLSession, BLSession.sessionId == DataCollectionGroup.sessionId)
        .where(session_condition(caller, PROCESSING_READ_SCOPES))
        .options(selectinload(ProcessingJob.ProcessingJobParameter))
    )


def list_jobs(*, db_session: Session, collection: DataCollection, params: ListParams) -> Page:
    """``collection`` was read as the caller sees it: its jobs are visible with it."""
    statement = (
        select(ProcessingJob)
        .where(ProcessingJob.dataCollectionId == collection.dataCollectionId)
        .options(selectinload(ProcessingJob.ProcessingJobParameter))
    )
    return paginate(db_session, statement, params, LIST_SPEC)


def get_job(*, db_session: Session, ref: str, caller: Caller) -> ProcessingJob:
    condition = ref_condition(
        ref, id_column=ProcessingJob.processingJobId, uuid_column=ProcessingJob.uuid
    )
    return one_or_404(db_session, _visible_jobs(caller).where(condition), "Processing job", ref)


def create_job(*, db_session: Session, data: dict[str, Any], caller: Caller) -> ProcessingJob:
    values = dict(data)
    parameters = values.pop("parameters", [])
    collection = data_collections.collection_for_write(db_session, values["dataCollectionId"])
    session = collection.DataCollectionGroup.BLSession
    require_processing_writer(
        caller, beamline=session.beamLineName, action="request processing jobs"
    )
    job = create_row(db_session, ProcessingJob, values)
    db_session.add_all(
        ProcessingJobParameter(processingJobId=job.processingJobId, **parameter)
        for parameter in parameters
    )
    db_session.flush()
    statement = (
        select(ProcessingJob)
        .where(ProcessingJob.processingJobId == job.processingJobId)
        .options(selectinload(ProcessingJob.ProcessingJobParameter))
        .execution_options(populate_existing=True)
    )
    return db_session.execute(statement).scalar_one()
