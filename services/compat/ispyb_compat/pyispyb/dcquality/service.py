"""py-ispyb's ``/datacollections/quality``, ``/datacollections/attachments(/{id})`` and
``/datacollections/images/quality/{id}`` from core's per-image analysis and attachment
routes (one call to core each), and its signed file URLs for the files."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ispyb_shared.errors import CoreUnavailable, InvalidParameter

from .. import service as pyispyb

# The series py-ispyb's PerImageAnalysis answers, each a list over the images.
SERIES = ("imageNumber", "totalIntegratedSignal", "method2Res", "goodBraggCandidates")
MAX_ID = 2**31 - 1


def _only(args, allowed: set[str]) -> None:
    unknown = sorted(set(args) - allowed)
    if unknown:
        raise InvalidParameter(
            "Invalid query parameters.", {name: ["Unknown parameter."] for name in unknown}
        )


def _collection_id(args) -> int:
    value = pyispyb._integer(args, "dataCollectionId", low=1)
    if value is None or value > MAX_ID:
        raise InvalidParameter(
            "Invalid query parameters.",
            {"dataCollectionId": ["A data collection id (from 1) is required."]},
        )
    return value


def _path_id(value: int, name: str) -> int:
    if not 1 <= value <= MAX_ID:
        raise InvalidParameter("Invalid path parameter.", {name: ["An id (from 1) expected."]})
    return value


def per_image_analysis(args) -> dict[str, Any]:
    """``/datacollections/quality?dataCollectionId&skip&limit``: py-ispyb's one
    PerImageAnalysis object, each series a list over the page's images in image order (a
    value the image lacks is left out of its series, as py-ispyb does); ``total`` counts
    the images analysed. One call to core."""
    _only(args, {"dataCollectionId", "skip", "limit"})
    collection_id = _collection_id(args)
    skip, limit = pyispyb.page_params(args)
    page = pyispyb._core_page(
        f"/data-collections/{collection_id}/image-quality",
        {"offset": skip, "limit": limit, "sort": "imageNumber"},
    )
    analysis: dict[str, Any] = {"dataCollectionId": collection_id}
    for name in SERIES:
        analysis[name] = []
    for row in page.get("results") or []:
        if not isinstance(row, Mapping):
            continue
        for name in SERIES:
            if row.get(name) is not None:
                analysis[name].append(row[name])
    return pyispyb._envelope(page, [analysis], skip, limit)


def attachment_url(attachment_id: int) -> str:
    """The dialect's own path of an attachment's file (it redirects to core's signed URL)."""
    from flask import request

    prefix = request.path.split("/pyispyb/", 1)[0]
    return f"{prefix}/pyispyb/datacollections/attachments/{attachment_id}"


def attachments(args) -> dict[str, Any]:
    """``/datacollections/attachments?dataCollectionId&skip&limit``: py-ispyb's
    DataCollectionFileAttachment rows, each with ``_metadata.{url, fileName}`` (the url is
    the dialect's download route). One call to core."""
    _only(args, {"dataCollectionId", "skip", "limit"})
    collection_id = _collection_id(args)
    skip, limit = pyispyb.page_params(args)
    page = pyispyb._core_page(
        f"/data-collections/{collection_id}/attachments", {"offset": skip, "limit": limit}
    )
    rows = [
        {
            "dataCollectionFileAttachmentId": row.get("dataCollectionFileAttachmentId"),
            "dataCollectionId": row.get("dataCollectionId"),
            "fileType": row.get("fileType"),
            "_metadata": {
                "url": attachment_url(row.get("dataCollectionFileAttachmentId")),
                "fileName": row.get("fileName"),
            },
        }
        for row in page.get("results") or []
        if isinstance(row, Mapping)
    ]
    return pyispyb._envelope(page, rows, skip, limit)


def _signed(path: str) -> str:
    """core's signed URL of the file route ``path``, asked as the caller: core decides
    whether the caller sees the row and whether the file is served (404 otherwise)."""
    body = pyispyb._core_one(f"{path}/url")
    url = body.get("url")
    if not isinstance(url, str) or not url:
        raise CoreUnavailable("Core's signed URL cannot be read.", maybe_done=False)
    return url


def attachment_file(attachment_id: int) -> str:
    """``/datacollections/attachments/{id}``: where the attached file is."""
    attachment_id = _path_id(attachment_id, "dataCollectionFileAttachmentId")
    return _signed(f"/data-collection-attachments/{attachment_id}/file")


def quality_plot(collection_id: int) -> str:
    """``/datacollections/images/quality/{id}``: where the per-image analysis plot is."""
    collection_id = _path_id(collection_id, "dataCollectionId")
    return _signed(f"/data-collections/{collection_id}/image-quality/plot")
