"""py-ispyb's ``/data/images/*`` answers from core's detector-image routes
(``/data-collections/{id}/detector-images/{n}/header|histogram|pixels``), one call each,
with the caller's own token: core decides whether the caller may see the data collection
and reads the files (its file roots)."""

from __future__ import annotations

from typing import Any

from ispyb_shared.core_client import error_from_envelope
from ispyb_shared.errors import CoreUnavailable, InvalidParameter

from ...upstreams import credentials, upstreams
from ..processings.service import MAX_ID

PARAMETERS = {"dataCollectionId", "imageNumber"}


def _params(args) -> tuple[int, int]:
    """``dataCollectionId`` and ``imageNumber``, both required ids (from 1); every problem
    named at once, unknown parameters too."""
    problems: dict[str, list[str]] = {
        name: ["Unknown parameter."] for name in sorted(set(args) - PARAMETERS)
    }
    values: dict[str, int] = {}
    for name in ("dataCollectionId", "imageNumber"):
        raw = args.get(name)
        try:
            value = int(raw) if raw not in (None, "") else None
        except ValueError:
            value = None
        if value is None or not 1 <= value <= MAX_ID:
            problems[name] = [f"An integer from 1 is required as {name}."]
        else:
            values[name] = value
    if problems:
        raise InvalidParameter("Invalid query parameters.", problems)
    return values["dataCollectionId"], values["imageNumber"]


def _core(path: str) -> dict[str, Any]:
    answer = upstreams().core.request("GET", path, credentials())
    if answer.status == 200 and isinstance(answer.body, dict):
        return answer.body
    if 400 <= answer.status < 500:
        raise error_from_envelope(answer.status, answer.body, what="the image")
    raise CoreUnavailable("Core's answer cannot be read; nothing was done.", maybe_done=False)


def _image_path(args, what: str) -> str:
    collection_id, number = _params(args)
    return f"/data-collections/{collection_id}/detector-images/{number}/{what}"


def _metres(millimetres: Any) -> float | None:
    return millimetres / 1000.0 if isinstance(millimetres, int | float) else None


def _difference(half: Any, centre: Any) -> float | None:
    if isinstance(half, int | float) and isinstance(centre, int | float):
        return half / 2 - centre
    return None


def braggy_header(core: dict[str, Any]) -> dict[str, Any]:
    """py-ispyb's ``braggy_hdr`` from core's header: lengths in metres (core: mm), the beam
    centre in pixels and as its offset from the image's centre, pixels per metre, and the
    pixels' statistics under h5grove's names."""
    width, height = core.get("width"), core.get("height")
    size_x, size_y = _metres(core.get("pixelSizeX")), _metres(core.get("pixelSizeY"))
    if core.get("format") == "cbf" and size_x and size_y and width and height:
        radius = ((size_x * width) ** 2 + (size_y * height) ** 2) ** 0.5 / 2
    else:
        radius = width * size_x / 2 if size_x and width else None
    stats = core.get("statistics") or {}
    return {
        "wavelength": core.get("wavelength"),
        "detector_distance": _metres(core.get("detectorDistance")),
        "beam_cx": core.get("beamCenterX"),
        "beam_cy": core.get("beamCenterY"),
        "beam_ocx": _difference(width, core.get("beamCenterX")),
        "beam_ocy": _difference(height, core.get("beamCenterY")),
        "detector_radius": radius,
        "pixel_size_x": size_x,
        "pixel_size_y": size_y,
        "img_width": width,
        "img_height": height,
        "pxxpm": 1 / size_x if size_x else None,
        "pxypm": 1 / size_y if size_y else None,
        "strict_positive_min": stats.get("strictPositiveMin"),
        "positive_min": stats.get("positiveMin"),
        "min": stats.get("min"),
        "max": stats.get("max"),
        "mean": stats.get("mean"),
        "std": stats.get("std"),
    }


def header(args) -> dict[str, Any]:
    """``/data/images/header?dataCollectionId&imageNumber``: ``{braggy_hdr}``."""
    return {"braggy_hdr": braggy_header(_core(_image_path(args, "header")))}


def histogram(args) -> dict[str, Any]:
    """``/data/images/histogram?...``: ``{values, bins, shape, max}`` (py-ispyb's
    ImageHistogram; ``shape`` is ``[len(values)]``)."""
    body = _core(_image_path(args, "histogram"))
    values = body.get("values") if isinstance(body.get("values"), list) else []
    return {
        "values": values,
        "bins": body.get("bins") or [],
        "shape": [len(values)],
        "max": body.get("max") or 0,
    }


def pixels_url(args) -> str:
    """``/data/images?...``: where the pixels are, core's signed URL of them (core checks
    that the caller may see the data collection and the image is there)."""
    body = _core(_image_path(args, "pixels/url"))
    url = body.get("url")
    if not isinstance(url, str) or not url:
        raise CoreUnavailable("Core's answer cannot be read; nothing was done.", maybe_done=False)
    return url
