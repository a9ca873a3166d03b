"""py-ispyb's ``/processings/*`` answers from core's processing document of one data
collection (``GET /data-collections/{ref}/processing``, one call), a run's document
(``GET /processing-programs/{ref}``) and core's attachment file routes (signed URLs).
Each route costs a fixed number of calls to core, whatever the number of runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ispyb_shared.errors import InvalidParameter

from .. import service as pyispyb

# The run fields py-ispyb's AutoProcProgram has (core's AutoProcProgram row, renamed none).
PROGRAM_FIELDS = (
    "autoProcProgramId",
    "processingCommandLine",
    "processingPrograms",
    "processingMessage",
    "processingStartTime",
    "processingEndTime",
    "processingEnvironment",
    "recordTimeStamp",
)
# py-ispyb's AutoProcScalingStatistics fields.
STATISTICS_FIELDS = (
    "comments",
    "resolutionLimitLow",
    "resolutionLimitHigh",
    "rMerge",
    "rMeasAllIPlusIMinus",
    "rPimAllIPlusIMinus",
    "fractionalPartialBias",
    "nTotalObservations",
    "nTotalUniqueObservations",
    "meanIOverSigI",
    "completeness",
    "multiplicity",
    "anomalousCompleteness",
    "anomalousMultiplicity",
    "anomalous",
    "ccHalf",
    "ccAnomalous",
    "resIOverSigI2",
)
AUTO_PROC_FIELDS = (
    "spaceGroup",
    "refinedCell_a",
    "refinedCell_b",
    "refinedCell_c",
    "refinedCell_alpha",
    "refinedCell_beta",
    "refinedCell_gamma",
)
MAX_ID = 2**31 - 1


def _only(args, allowed: set[str]) -> None:
    unknown = sorted(set(args) - allowed)
    if unknown:
        raise InvalidParameter(
            "Invalid query parameters.", {name: ["Unknown parameter."] for name in unknown}
        )


def _required_id(args, name: str) -> int:
    value = pyispyb._integer(args, name, low=1)
    if value is None or value > MAX_ID:
        raise InvalidParameter(
            "Invalid query parameters.", {name: [f"An id (from 1) is required as {name}."]}
        )
    return value


def _optional_id(args, name: str) -> int | None:
    value = pyispyb._integer(args, name, low=1)
    if value is not None and value > MAX_ID:
        raise InvalidParameter("Invalid query parameters.", {name: ["An id (from 1) expected."]})
    return value


def _status(value: Any) -> int | None:
    """core's boolean processingStatus as py-ispyb's StatusEnum (1, 0, null running)."""
    return None if value is None else int(bool(value))


def _runs(collection_id: int) -> list[dict[str, Any]]:
    """core's processing document of one data collection (a list envelope), oldest run
    first as py-ispyb lists them."""
    body = pyispyb._core_page(
        f"/data-collections/{collection_id}/processing", {"limit": pyispyb.MAX_LIMIT}
    )
    runs = [run for run in body.get("results") or [] if isinstance(run, Mapping)]
    return sorted(runs, key=lambda run: (run.get("program") or {}).get("autoProcProgramId") or 0)


def _program(run: Mapping[str, Any]) -> dict[str, Any]:
    program = run.get("program") or {}
    row = {name: program.get(name) for name in PROGRAM_FIELDS}
    row["processingStatus"] = _status(program.get("processingStatus"))
    row["ProcessingJob"] = None
    row["_metadata"] = {
        "attachments": len(run.get("attachments") or []),
        "autoProcProgramMessages": [],
        "imageSweepCount": len(run.get("integrations") or []),
    }
    return row


def _page(args, rows: list[dict[str, Any]]) -> dict[str, Any]:
    skip, limit = pyispyb.page_params(args)
    return {"results": rows[skip : skip + limit], "total": len(rows), "skip": skip, "limit": limit}


def processings(args) -> dict[str, Any]:
    """``/processings?dataCollectionId``: py-ispyb's AutoProcProgram rows of the runs of
    one data collection, each with its messages (two calls to core: the processing
    document, the data collection's processing messages)."""
    _only(args, {"dataCollectionId", "skip", "limit"})
    collection_id = _required_id(args, "dataCollectionId")
    pyispyb.page_params(args)
    runs = _runs(collection_id)
    from ..workflows.service import messages_by_run

    messages = messages_by_run(collection_id)
    rows = []
    for run in runs:
        row = _program(run)
        row["_metadata"]["autoProcProgramMessages"] = messages.get(row["autoProcProgramId"], [])
        rows.append(row)
    return _page(args, rows)


def _statistics(shells: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    rows = []
    for shell in ("overall", "innerShell", "outerShell"):
        values = (shells or {}).get(shell)
        if isinstance(values, Mapping):
            row = {name: values.get(name) for name in STATISTICS_FIELDS}
            row["scalingStatisticsType"] = shell
            rows.append(row)
    return rows


def _integration(
    integration: Mapping[str, Any], results: list[Mapping[str, Any]], beam: dict[str, Any]
) -> dict[str, Any]:
    own = integration.get("autoProcIntegrationId")
    scalings = [
        {
            "AutoProcScaling": {
                "AutoProc": {
                    name: (result.get("autoProc") or {}).get(name) for name in AUTO_PROC_FIELDS
                },
                "AutoProcScalingStatistics": _statistics(result.get("statistics")),
            }
        }
        for result in results
        if own in (result.get("integrationIds") or [])
    ]
    return {
        "autoProcIntegrationId": own,
        "refinedXBeam": integration.get("refinedXBeam"),
        "refinedYBeam": integration.get("refinedYBeam"),
        "AutoProcScalingHasInt": scalings,
        "DataCollection": beam,
    }


def auto_integrations(args) -> dict[str, Any]:
    """``/processings/auto-integrations?dataCollectionId``: each run with its integrations
    of that data collection, their scaled results (space group, refined cell) and the
    statistics of the three shells. Two calls: the processing document, the data
    collection (its beam centre)."""
    _only(args, {"dataCollectionId", "skip", "limit"})
    collection_id = _required_id(args, "dataCollectionId")
    pyispyb.page_params(args)
    runs = _runs(collection_id)
    collection = pyispyb._core_one(f"/data-collections/{collection_id}")
    beam = {"xBeam": collection.get("xBeam"), "yBeam": collection.get("yBeam")}
    rows = []
    for run in runs:
        row = _program(run)
        results = [r for r in run.get("results") or [] if isinstance(r, Mapping)]
        row["AutoProcIntegration"] = [
            _integration(integration, results, beam)
            for integration in run.get("integrations") or []
            if integration.get("dataCollectionId") in (None, collection_id)
        ]
        rows.append(row)
    return _page(args, rows)


def attachment_url(attachment_id: int) -> str:
    """The dialect's own path of an attachment's file (it redirects to core's signed URL)."""
    from flask import request

    prefix = request.path.split("/pyispyb/", 1)[0]
    return f"{prefix}/pyispyb/processings/attachments/{attachment_id}"


def attachments(args) -> dict[str, Any]:
    """``/processings/attachments?autoProcProgramId[&autoProcProgramAttachmentId]``: the
    files of one run (one call to core: the run's document), each with
    ``_metadata.url``, the dialect's download route."""
    _only(args, {"autoProcProgramId", "autoProcProgramAttachmentId", "skip", "limit"})
    program_id = _required_id(args, "autoProcProgramId")
    wanted = _optional_id(args, "autoProcProgramAttachmentId")
    pyispyb.page_params(args)
    run = pyispyb._core_one(f"/processing-programs/{program_id}")
    rows = [
        {
            "autoProcProgramAttachmentId": item.get("autoProcProgramAttachmentId"),
            "autoProcProgramId": program_id,
            "fileName": item.get("fileName"),
            "fileType": item.get("fileType"),
            "importanceRank": item.get("importanceRank"),
            "_metadata": {"url": attachment_url(item.get("autoProcProgramAttachmentId"))},
        }
        for item in run.get("attachments") or []
        if isinstance(item, Mapping)
        and (wanted is None or item.get("autoProcProgramAttachmentId") == wanted)
    ]
    rows.sort(key=lambda row: row["autoProcProgramAttachmentId"] or 0)
    return _page(args, rows)


def attachment_file(attachment_id: int) -> str:
    """Where an attachment's file is: core's signed URL of it (core decides whether the
    caller may see it; 404 when it is not there, names no file, or no files are served)."""
    body = pyispyb._core_one(f"/processing-attachments/{attachment_id}/file/url")
    url = body.get("url")
    if not isinstance(url, str) or not url:
        from ispyb_shared.errors import CoreUnavailable

        raise CoreUnavailable("Core's answer cannot be read; nothing was done.", maybe_done=False)
    return url


def message_statuses(args) -> dict[str, Any]:
    """``/processings/messages/status?dataCollectionIds=[...]``: py-ispyb's
    ``{statuses: {id: {errors, warnings, info}}}``. core keeps no processing messages
    (AutoProcProgramMessage): every visible data collection has 0 of each; one call to
    core's ``/data-collections/status`` says which ids the caller may see."""
    ids = pyispyb._status_ids(args)
    answer = pyispyb._core_page("/data-collections/status", {"ids": ",".join(map(str, ids))})
    return {
        "statuses": {
            str(row["dataCollectionId"]): {"errors": 0, "warnings": 0, "info": 0}
            for row in answer.get("results", [])
            if isinstance(row, Mapping) and "dataCollectionId" in row
        }
    }


# py-ispyb's Screening nesting: (core's list of children, py-ispyb's name) per level.
_SCREENING_CHILDREN = {
    "outputs": "ScreeningOutput",
    "lattices": "ScreeningOutputLattice",
    "strategies": "ScreeningStrategy",
    "wedges": "ScreeningStrategyWedge",
    "subWedges": "ScreeningStrategySubWedge",
}
# py-ispyb answers these as integers (0/1); core keeps booleans.
_SUCCESS_FLAGS = ("indexingSuccess", "strategySuccess", "alignmentSuccess")


def _screening_level(row: Mapping[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = {}
    for name, value in row.items():
        if name in _SCREENING_CHILDREN:
            answer[_SCREENING_CHILDREN[name]] = [
                _screening_level(child) for child in value or [] if isinstance(child, Mapping)
            ]
        elif name in _SUCCESS_FLAGS and isinstance(value, bool):
            answer[name] = int(value)
        else:
            answer[name] = value
    return answer


def screenings(args) -> dict[str, Any]:
    """``/processings/screenings?dataCollectionId``: py-ispyb's Screening rows (outputs,
    lattices, strategies, wedges, sub-wedges under py-ispyb's names) from one call to
    core's ``/screenings``, which pages them."""
    _only(args, {"dataCollectionId", "skip", "limit"})
    collection_id = _required_id(args, "dataCollectionId")
    skip, limit = pyispyb.page_params(args)
    page = pyispyb._core_page(
        "/screenings", {"dataCollectionId": collection_id, "offset": skip, "limit": limit}
    )
    rows = [_screening_level(row) for row in page.get("results") or [] if isinstance(row, Mapping)]
    return pyispyb._envelope(page, rows, skip, limit)
