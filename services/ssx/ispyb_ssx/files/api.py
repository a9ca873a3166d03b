"""Files of SSX processing results (logs, graphs): to whoever may see the run (core decides
with the caller's token), or to a signed URL such a caller asked for (ispyb_shared.files)."""

from __future__ import annotations

from flask import g, request
from flask_restx import Namespace, Resource
from sqlalchemy import select

from ispyb_shared.core_client import Credentials
from ispyb_shared.db import db_session
from ispyb_shared.errors import NotFound
from ispyb_shared.files import (
    MAX_WIDTH,
    MIN_WIDTH,
    SignedUrlRead,
    file_answer,
    send_row_file,
    signed_access,
)
from ispyb_shared.files import signed_url as make_signed_url
from ispyb_shared.operations import operation

from ..access import authorize_reader
from ..core import core
from ..results.models import SSXProcessingResult, SSXProcessingResultAttachment
from ..runs.service import find_run, get_run

_WIDTH = {
    "width": {
        "description": f"A JPEG thumbnail this many pixels wide ({MIN_WIDTH}-{MAX_WIDTH})",
        "type": "integer",
        "in": "query",
    }
}
_SIGNED = {
    "expires": {"description": "From a signed URL", "type": "integer", "in": "query"},
    "signature": {"description": "From a signed URL", "type": "string", "in": "query"},
}

ns = Namespace("run-files", path="/runs", description="Files of runs' processing results")


def _attachment_path(ref: str, attachment_id: int) -> tuple[str, str]:
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
    return f"{attachment.filePath.rstrip('/')}/{attachment.fileName}", attachment.fileName


@ns.route("/<string:ref>/attachments/<int:attachment_id>")
@ns.param("ref", "Run UUID")
@ns.param("attachment_id", "ssxProcessingResultAttachmentId")
class RunAttachmentFile(Resource):
    @signed_access
    @file_answer(ns)
    @ns.doc(params={**_WIDTH, **_SIGNED}, produces=["text/plain", "image/png", "*/*"])
    @operation(ns, errors=(400, 403, 404), description="The file")
    def get(self, ref: str, attachment_id: int):
        """The file of a processing result's attachment; a token or a signed URL."""
        path, name = _attachment_path(ref, attachment_id)
        return send_row_file(path, download_name=name)


@ns.route("/<string:ref>/attachments/<int:attachment_id>/url")
@ns.param("ref", "Run UUID")
@ns.param("attachment_id", "ssxProcessingResultAttachmentId")
class RunAttachmentFileUrl(Resource):
    @ns.doc(params=_WIDTH)
    @operation(ns, response=SignedUrlRead, errors=(400, 403, 404))
    def get(self, ref: str, attachment_id: int):
        """A short-lived URL of the attachment's file that needs no token (downloads)."""
        _attachment_path(ref, attachment_id)
        return make_signed_url(request.path.removesuffix("/url"))
