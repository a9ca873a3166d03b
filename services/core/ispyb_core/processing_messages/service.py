"""Processing messages: written by pipelines (the processing write scope) or staff of the
beamline, read by whoever sees one of the sweeps their run integrated (as runs are)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ispyb_shared.auth import Caller
from ispyb_shared.crud import create_row, one_or_404, ref_condition
from ispyb_shared.errors import ValidationFailed
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate

from ..access import PROCESSING_READ_SCOPES, require_processing_writer, session_condition
from ..data_collections.models import DataCollection, DataCollectionGroup
from ..processing.models import AutoProcIntegration, AutoProcProgram
from ..sessions.models import BLSession
from .models import AutoProcProgramMessage


def _of_collections(values):
    return exists(
        select(AutoProcIntegration.autoProcIntegrationId).where(
            AutoProcIntegration.autoProcProgramId == AutoProcProgramMessage.autoProcProgramId,
            AutoProcIntegration.dataCollectionId.in_(values),
        )
    )


LIST_SPEC = ListSpec(
    filters={
        "autoProcProgramMessageId": Filter(
            AutoProcProgramMessage.autoProcProgramMessageId, ("eq", "in"), "Message id"
        ),
        "autoProcProgramId": Filter(
            AutoProcProgramMessage.autoProcProgramId, ("eq", "in"), "Processing run id"
        ),
        "dataCollectionId": Filter(
            AutoProcIntegration.dataCollectionId,
            ("eq", "in"),
            "Data collection id (a sweep the run integrated)",
            condition=_of_collections,
        ),
        "severity": Filter(AutoProcProgramMessage.severity, ("eq", "in"), "ERROR, WARNING, INFO"),
        "recordTimeStamp": Filter(
            AutoProcProgramMessage.recordTimeStamp, ("gt", "gte", "lt", "lte"), "Reported"
        ),
    },
    sortable={
        "autoProcProgramMessageId": AutoProcProgramMessage.autoProcProgramMessageId,
        "recordTimeStamp": AutoProcProgramMessage.recordTimeStamp,
    },
    default_sort=("autoProcProgramMessageId",),
    tiebreak=(AutoProcProgramMessage.autoProcProgramMessageId,),
)


def _visible_condition(caller: Caller):
    """Visible when one of the sweeps its run integrated is."""
    return exists(
        select(AutoProcIntegration.autoProcIntegrationId)
        .join(
            DataCollection, DataCollection.dataCollectionId == AutoProcIntegration.dataCollectionId
        )
        .join(DataCollectionGroup)
        .join(BLSession, BLSession.sessionId == DataCollectionGroup.sessionId)
        .where(
            AutoProcIntegration.autoProcProgramId == AutoProcProgramMessage.autoProcProgramId,
            session_condition(caller, PROCESSING_READ_SCOPES),
        )
    )


def visible_messages(caller: Caller):
    return select(AutoProcProgramMessage).where(_visible_condition(caller))


def list_messages(*, db_session: Session, params: ListParams, caller: Caller) -> Page:
    return paginate(db_session, visible_messages(caller), params, LIST_SPEC)


def list_messages_of(*, db_session: Session, program: AutoProcProgram, params: ListParams) -> Page:
    """``program`` was read as the caller sees it: its messages are visible with it."""
    statement = select(AutoProcProgramMessage).where(
        AutoProcProgramMessage.autoProcProgramId == program.autoProcProgramId
    )
    return paginate(db_session, statement, params, LIST_SPEC)


def get_message(*, db_session: Session, ref: str, caller: Caller) -> AutoProcProgramMessage:
    condition = ref_condition(
        ref,
        id_column=AutoProcProgramMessage.autoProcProgramMessageId,
        uuid_column=AutoProcProgramMessage.uuid,
    )
    return one_or_404(
        db_session, visible_messages(caller).where(condition), "Processing message", ref
    )


def create_message(
    *, db_session: Session, data: dict[str, Any], caller: Caller
) -> AutoProcProgramMessage:
    program_id = data["autoProcProgramId"]
    found = db_session.execute(
        select(AutoProcProgram.autoProcProgramId, BLSession.beamLineName)
        .outerjoin(
            AutoProcIntegration,
            AutoProcIntegration.autoProcProgramId == AutoProcProgram.autoProcProgramId,
        )
        .outerjoin(
            DataCollection, DataCollection.dataCollectionId == AutoProcIntegration.dataCollectionId
        )
        .outerjoin(DataCollectionGroup)
        .outerjoin(BLSession, BLSession.sessionId == DataCollectionGroup.sessionId)
        .where(AutoProcProgram.autoProcProgramId == program_id)
        .limit(1)
    ).first()
    if found is None:
        raise ValidationFailed(
            "A referenced row does not exist.",
            {"autoProcProgramId": [f"No AutoProcProgram with id {program_id}."]},
        )
    require_processing_writer(
        caller, beamline=found.beamLineName, action="write processing messages"
    )
    message = create_row(db_session, AutoProcProgramMessage, data)
    statement = select(AutoProcProgramMessage).where(
        AutoProcProgramMessage.autoProcProgramMessageId == message.autoProcProgramMessageId
    )
    return db_session.execute(statement.execution_options(populate_existing=True)).scalar_one()
