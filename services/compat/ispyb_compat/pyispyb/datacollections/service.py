"""The images of a data collection as redirects to core's signed file URLs, and the
statistics page's ``/stats/errors`` and ``/stats/hourlies`` (plain functions).

compat owns no files: a py-ispyb image route asks core, with the caller's own token, for
a short-lived signed URL of the file (core decides whether the caller may see the row and
whether the file is served at all) and answers a 302 to it. The browser (an ``<img>``, or
py-ispyb-ui's token-carrying XHR) follows it to core's file route, which needs no token
for a signed URL and serves the bytes (Range, ETag, ``width`` thumbnails)."""

from __future__ import annotations

from typing import Any

from ispyb_shared.core_client import error_from_envelope
from ispyb_shared.errors import CoreUnavailable, Forbidden, InvalidParameter, NotFound

from ...upstreams import credentials, upstreams
from ..service import _core_page, _moment, _session_activity, _session_id

# The width of py-ispyb's "snapshot" (thumbnail) variants, in pixels: core makes and keeps
# the thumbnail (ispyb_shared.files, ?width=).
THUMBNAIL_WIDTH = 256
_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no", ""}


def _only(args, allowed: set[str]) -> None:
    unknown = sorted(set(args) - allowed)
    if unknown:
        raise InvalidParameter(
            "Invalid query parameters.", {name: ["Unknown parameter."] for name in unknown}
        )


def _flag(args, name: str) -> bool:
    raw = (args.get(name) or "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise InvalidParameter("Invalid query parameters.", {name: ["true or false expected."]})


def _image_number(args) -> int:
    raw = args.get("imageId")
    if raw is None or raw == "":
        return 1
    if not raw.isdigit() or not 1 <= int(raw) <= 4:
        raise InvalidParameter(
            "Invalid query parameters.", {"imageId": ["A snapshot number, 1 to 4, expected."]}
        )
    return int(raw)


def _signed_url(path: str, *, thumbnail: bool) -> str:
    """core's signed URL of the file route ``path`` (``path + "/url"``), asked as the
    caller; core's 404 (row not visible, no file, no files served) is ours."""
    params = {"width": THUMBNAIL_WIDTH} if thumbnail else None
    answer = upstreams().core.request("GET", f"{path}/url", credentials(), params=params)
    if answer.status == 404:
        raise NotFound("Image not found.")
    if answer.status == 403:
        raise Forbidden("Core refuses this image to the caller.")
    if 400 <= answer.status < 500:
        raise error_from_envelope(answer.status, answer.body, what="the image")
    url = answer.body.get("url") if isinstance(answer.body, dict) else None
    if answer.status != 200 or not isinstance(url, str) or not url:
        raise CoreUnavailable("Core's signed URL cannot be read.", maybe_done=False)
    return url


def _collection_id(value: int) -> int:
    if not 1 <= value <= 2**31 - 1:
        raise InvalidParameter(
            "Invalid path parameter.", {"dataCollectionId": ["A data collection id expected."]}
        )
    return value


def snapshot_url(collection_id: int, args) -> str:
    """``/datacollections/images/{id}?imageId=1-4&snapshot=``: the signed URL of core's
    crystal snapshot ``imageId`` of the data collection (``snapshot=true``: a thumbnail)."""
    _only(args, {"imageId", "snapshot"})
    number, thumbnail = _image_number(args), _flag(args, "snapshot")
    return _signed_url(
        f"/data-collections/{_collection_id(collection_id)}/snapshots/{number}", thumbnail=thumbnail
    )


def diffraction_url(collection_id: int, args) -> str:
    """``/datacollections/images/diffraction/{id}?snapshot=``: the signed URL of the JPEG
    of the data collection's first image (py-ispyb's imageNumber 1; ``snapshot=true``: its
    thumbnail file). Two calls to core: the image row, its URL."""
    _only(args, {"snapshot"})
    thumbnail = _flag(args, "snapshot")
    page = _core_page(
        "/images",
        {"dataCollectionId": _collection_id(collection_id), "imageNumber": 1, "limit": 1},
    )
    rows = page.get("results") or []
    if not rows:
        raise NotFound("Image not found.")
    return _signed_url(
        f"/images/{rows[0]['imageId']}/{'thumbnail' if thumbnail else 'jpeg'}", thumbnail=False
    )


# --- /stats/errors and /stats/hourlies of one session --------------------------------------


def _status(row: dict[str, Any]) -> str:
    return (row.get("runStatus") or "").lower()


def stats_errors(args) -> dict[str, Any]:
    """``/stats/errors?sessionId``: py-ispyb's ``{totals: [{experimentType, total,
    failed, failedPercent, aborted, abortedPercent, messages: [{count, message}]}]}``,
    one per experiment type; the messages are the failed and aborted sweeps' comments."""
    return errors_of(_session_activity(_session_id(args)))


def errors_of(activity: dict[str, Any]) -> dict[str, Any]:
    """The errors of the sweeps of ``activity`` (a session's, or a scope's: compatevents)."""
    groups: dict[str, dict[str, Any]] = {}
    for row in activity["dc"]:
        kind = activity["kinds"].get(row.get("dataCollectionGroupId")) or "unknown"
        group = groups.setdefault(
            kind, {"experimentType": kind, "total": 0, "failed": 0, "aborted": 0, "messages": {}}
        )
        group["total"] += 1
        status = _status(row)
        failed, aborted = "fail" in status, "abort" in status
        group["failed"] += failed
        group["aborted"] += aborted
        message = (row.get("comments") or "").strip()
        if (failed or aborted) and message:
            entry = group["messages"].setdefault(message, {"count": 0, "message": message})
            entry["count"] += 1
    totals = []
    for group in groups.values():
        total = group["total"]
        totals.append(
            {
                **group,
                "failedPercent": round(100 * group["failed"] / total, 2) if total else 0,
                "abortedPercent": round(100 * group["aborted"] / total, 2) if total else 0,
                "messages": sorted(group["messages"].values(), key=lambda m: -m["count"]),
            }
        )
    return {"totals": sorted(totals, key=lambda t: t["experimentType"])}


def _hourly(moments: list[Any], days: int) -> dict[str, list]:
    counts = [0] * 24
    for value in moments:
        moment = _moment(value)
        if moment is not None:
            counts[moment.hour] += 1
    return {"hour": list(range(24)), "average": [round(c / days, 3) for c in counts]}


def stats_hourlies(args) -> dict[str, Any]:
    """``/stats/hourlies?sessionId``: py-ispyb's ``{datacollections: {hour, average},
    loaded: {hour, average}}``: per hour of the day (0-23), the sweeps started and the
    samples loaded by the robot (LOAD actions), averaged over the session's days."""
    activity = _session_activity(_session_id(args))
    session = activity["session"]
    start, end = _moment(session.get("startDate")), _moment(session.get("endDate"))
    days = max((end.date() - start.date()).days + 1, 1) if start and end and end >= start else 1
    return hourlies_of(activity, days)


def hourlies_of(activity: dict[str, Any], days: int) -> dict[str, Any]:
    """The hourlies of ``activity`` (a session's, or a scope's: compatevents) over ``days``."""
    loads = [
        row.get("startTimestamp")
        for row in activity["robot"]
        if (row.get("actionType") or "").upper() == "LOAD"
    ]
    return {
        "datacollections": _hourly([row.get("startTime") for row in activity["dc"]], days),
        "loaded": _hourly(loads, days),
    }
