"""Files of SSX processing results (logs, graphs): to whoever may see the run (core decides
with the caller's token), or to a signed URL such a caller asked for (ispyb_shared.files)."""

from __future__ import annotations

from flask import g
from flask_restx import Namespace
from sqlalchemy import select

from ispyb_shared.core_client import Credentials
from ispyb_shared.db import db_session
from ispyb_shared.errors import NotFound
from ispyb_shared.files import DOCUMENT_TYPES, file_routes

from ..access import authorize_reader
from ..core import core
from ..results.models import SSXProcessingResult, SSXProcessingResultAttachment
from ..runs.service import find_run, get_run

ns = Namespace("run-files", path="/runs", description="Files of runs' processing results")


def _attachment_path(ref: str, attachment_id: int) -> str:
    authorize_reader()
    db = db_session()
    if g.get("signed_file_request", False):
        # The signer's visibility was checked when the URL was made.
        run = find_run(db_session=db, ref=ref)
    else:
        run = get_run(db_session=db, ref=ref, core=core(), credentials=Credentials.of_request()).run
    attachment = db.scalars(
        select(SSXProcessingResultAttachment)
        .join(SSXProcessingResult)
        .where(
            SSXProcessingResultAttachment.ssxProcessingResultAttachmentId == attachment_id,
            SSXProcessingResult.ssxDataCollectionId == run.ssxDataCollectionId,
        )
    ).first()
    if attachment is None:
        raise NotFound(f"Run {ref} has no attachment {attachment_id}.")
    return f"{attachment.filePath.rstrip('/')}/{attachment.fileName}"


file_routes(
    ns,
    "/<string:ref>/attachments/<int:attachment_id>",
    name="RunAttachmentFile",
    params={"ref": "Run UUID", "attachment_id": "ssxProcessingResultAttachmentId"},
    locate=_attachment_path,
    summary="The file of a processing result's attachment; a token or a signed URL.",
    url_summary="A short-lived URL of the attachment's file that needs no token (downloads).",
    produces=DOCUMENT_TYPES,
)
