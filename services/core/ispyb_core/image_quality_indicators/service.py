"""Per-image analysis of data collections: read by whoever sees the data collection,
written in batches by per-image analysis pipelines (the processing writers)."""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ispyb_shared.auth import Caller
from ispyb_shared.errors import ValidationFailed
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate

from ..access import require_processing_writer
from ..data_collections import service as data_collections
from ..data_collections.models import DataCollection
from ..processing.models import AutoProcProgram
from .models import ImageQualityIndicators

LIST_SPEC = ListSpec(
    filters={
        "imageNumber": Filter(
            ImageQualityIndicators.imageNumber,
            ("eq", "in", "gt", "gte", "lt", "lte"),
            "Image number",
        ),
        "autoProcProgramId": Filter(
            ImageQualityIndicators.autoProcProgramId, ("eq", "in"), "Processing run id"
        ),
    },
    sortable={"imageNumber": ImageQualityIndicators.imageNumber},
    default_sort=("imageNumber",),
    tiebreak=(ImageQualityIndicators.imageNumber,),
)
# The values of one image a post may set (the rest is the data collection's, the run's
# and the time's).
VALUE_COLUMNS = tuple(
    column.name
    for column in ImageQualityIndicators.__table__.columns
    if column.name
    not in {"uuid", "dataCollectionId", "imageNumber", "autoProcProgramId", "recordTimeStamp"}
)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def list_indicators(*, db_session: Session, collection: DataCollection, params: ListParams) -> Page:
    """``collection`` was read as the caller sees it: its images' analysis is visible with
    it. One statement for the page and its total (an ``after=`` page: no total)."""
    statement = select(ImageQualityIndicators).where(
        ImageQualityIndicators.dataCollectionId == collection.dataCollectionId
    )
    return paginate(db_session, statement, params, LIST_SPEC)


def collection_for_pipeline(*, db_session: Session, ref: str, caller: Caller) -> DataCollection:
    """The data collection a pipeline writes on: people must see it (else 404); a client
    with the processing scope need not read it (its scope decides). The writer check on
    its beamline follows."""
    if caller.kind == "client":
        collection = data_collections.any_data_collection(db_session=db_session, ref=ref)
    else:
        collection = data_collections.get_data_collection(
            db_session=db_session, ref=ref, caller=caller
        )
    group = collection.DataCollectionGroup
    session = group.BLSession if group is not None else None
    require_processing_writer(
        caller,
        beamline=session.beamLineName if session is not None else None,
        action="record per-image analysis",
    )
    return collection


def _check_program(db_session: Session, program_id: int | None) -> None:
    if program_id is None:
        return
    found = db_session.execute(
        select(AutoProcProgram.autoProcProgramId).where(
            AutoProcProgram.autoProcProgramId == program_id
        )
    ).scalar_one_or_none()
    if found is None:
        raise ValidationFailed(
            "A referenced row does not exist.",
            {"autoProcProgramId": [f"No AutoProcProgram with id {program_id}."]},
        )


def record_indicators(
    *, db_session: Session, collection: DataCollection, data: dict[str, Any]
) -> dict[str, int]:
    """A pipeline's batch, in the request's one transaction: new image numbers are
    inserted, those already recorded replaced (a re-run of the analysis), the plot path set
    on the data collection when sent. Three statements whatever the batch's size: the
    images already there, the inserts (one executemany), the updates."""
    images = data["images"]
    numbers = [image["imageNumber"] for image in images]
    repeated = {
        f"images.{index}.imageNumber": ["This image number is already in the batch."]
        for index, number in enumerate(numbers)
        if number in numbers[:index]
    }
    if repeated:
        raise ValidationFailed("An image number is given twice.", repeated)
    program_id = data.get("autoProcProgramId")
    _check_program(db_session, program_id)
    collection_id = collection.dataCollectionId
    existing = {
        row.imageNumber: row
        for row in db_session.execute(
            select(ImageQualityIndicators).where(
                ImageQualityIndicators.dataCollectionId == collection_id,
                ImageQualityIndicators.imageNumber.in_(numbers),
            )
        ).scalars()
    }
    now = _now()
    created = 0
    for image in images:
        values = {name: image.get(name) for name in VALUE_COLUMNS}
        row = existing.get(image["imageNumber"])
        if row is None:
            db_session.add(
                ImageQualityIndicators(
                    dataCollectionId=collection_id,
                    imageNumber=image["imageNumber"],
                    autoProcProgramId=program_id,
                    recordTimeStamp=now,
                    **values,
                )
            )
            created += 1
        else:
            for name, value in values.items():
                setattr(row, name, value)
            row.autoProcProgramId = program_id
            row.recordTimeStamp = now
    if data.get("imageQualityIndicatorsPlotPath") is not None:
        collection.imageQualityIndicatorsPlotPath = data["imageQualityIndicatorsPlotPath"]
    db_session.flush()
    return {"dataCollectionId": collection_id, "created": created, "replaced": len(existing)}
