"""py-ispyb's workflow steps (``/datacollections/workflows/steps``) and processing
messages (``/processings/messages``), from core's ``/workflow-steps`` and
``/processing-messages`` lists (one call each, core pages) and the steps' file routes
(core's signed URLs). core decides what the caller sees."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ispyb_shared.errors import CoreUnavailable, InvalidParameter

from .. import service as pyispyb
from ..processings.service import _only, _optional_id

# py-ispyb's attachmentType -> core's file route of a step.
STEP_FILES = {
    "imageResultFilePath": "image",
    "resultFilePath": "result",
    "htmlResultFilePath": "html",
}
MESSAGE_FIELDS = (
    "autoProcProgramMessageId",
    "autoProcProgramId",
    "description",
    "message",
    "severity",
    "recordTimeStamp",
)


def _step(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "workflowId": row.get("workflowId"),
        "workflowStepId": row.get("workflowStepId"),
        "workflowStepType": row.get("workflowStepType"),
        "status": row.get("status"),
        "comments": row.get("comments"),
        "_metadata": {
            # py-ispyb looks on its disk; core says whether the step names the file (its
            # file route answers 404 when it is not there or no files are served).
            "attachments": {name: bool(row.get(name)) for name in STEP_FILES},
        },
    }


def workflow_steps(args) -> dict[str, Any]:
    """``/datacollections/workflows/steps?workflowId&workflowStepId&skip&limit``."""
    _only(args, {"workflowId", "workflowStepId", "skip", "limit"})
    params: dict[str, Any] = {}
    for name in ("workflowId", "workflowStepId"):
        value = _optional_id(args, name)
        if value is not None:
            params[name] = value
    skip, limit = pyispyb.page_params(args)
    page = pyispyb._core_page("/workflow-steps", {**params, "offset": skip, "limit": limit})
    rows = [_step(row) for row in page.get("results", []) if isinstance(row, Mapping)]
    return pyispyb._envelope(page, rows, skip, limit)


def workflow_step_file(step_id: int, args) -> str:
    """Where a step's file is: core's signed URL of it (404 when core does not show the
    step, it names no such file, or core serves no files)."""
    _only(args, {"attachmentType"})
    kind = STEP_FILES.get(args.get("attachmentType") or "")
    if kind is None:
        raise InvalidParameter(
            "Invalid query parameters.",
            {"attachmentType": [f"One of {', '.join(STEP_FILES)} is required."]},
        )
    body = pyispyb._core_one(f"/workflow-steps/{step_id}/{kind}/url")
    url = body.get("url")
    if not isinstance(url, str) or not url:
        raise CoreUnavailable("Core's answer cannot be read; nothing was done.", maybe_done=False)
    return url


def processing_messages(args) -> dict[str, Any]:
    """``/processings/messages?dataCollectionId&autoProcProgramMessageId&skip&limit``:
    py-ispyb's AutoProcProgramMessage rows (the messages of the runs that integrated the
    data collection)."""
    _only(args, {"dataCollectionId", "autoProcProgramMessageId", "skip", "limit"})
    params: dict[str, Any] = {}
    for name in ("dataCollectionId", "autoProcProgramMessageId"):
        value = _optional_id(args, name)
        if value is not None:
            params[name] = value
    skip, limit = pyispyb.page_params(args)
    page = pyispyb._core_page("/processing-messages", {**params, "offset": skip, "limit": limit})
    rows = [
        {name: row.get(name) for name in MESSAGE_FIELDS}
        for row in page.get("results", [])
        if isinstance(row, Mapping)
    ]
    return pyispyb._envelope(page, rows, skip, limit)


def messages_by_run(collection_id: int) -> dict[int, list[dict[str, Any]]]:
    """The messages of the runs of one data collection, by run (one call to core, at most
    1000 messages), for ``/processings``' ``_metadata.autoProcProgramMessages``."""
    page = pyispyb._core_page(
        "/processing-messages", {"dataCollectionId": collection_id, "limit": pyispyb.MAX_LIMIT}
    )
    found: dict[int, list[dict[str, Any]]] = {}
    for row in page.get("results", []):
        if isinstance(row, Mapping):
            message = {name: row.get(name) for name in MESSAGE_FIELDS}
            found.setdefault(row.get("autoProcProgramId"), []).append(message)
    return found
