"""Files named by rows (snapshots, plots, logs), served only from a site's file roots.

A site lists the directories a service may serve from (config ``files.roots``); a path
from a row is served only if, resolved (symlinks followed), it is a regular file under one
of them, so a ``..`` or a symlink pointing elsewhere serves nothing. Answers go through
``send_file`` (Range, ETag/Last-Modified, the content type of the suffix; gunicorn sends
the file without reading it into memory). ``?width=`` answers a JPEG thumbnail, made once
with Pillow and kept in ``files.thumbnail_cache``.

``<img src>`` and downloads cannot send a token: :func:`signed_url` answers the route's URL
with ``expires`` and an HMAC-SHA256 ``signature`` over the route and width. A route marked
:func:`signed_access` (see :mod:`ispyb_shared.auth.wiring`) accepts such a URL instead of
a token, and nothing else does.
"""

from __future__ import annotations

import hashlib
import hmac
import mimetypes
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Response, current_app, g, request, send_file
from flask_restx import Namespace, Resource
from marshmallow import Schema, fields

from .auth.caller import Caller
from .config import FilesConfig
from .errors import Forbidden, InvalidParameter, NotFound
from .operations import operation

__all__ = [
    "MAX_WIDTH",
    "MIN_WIDTH",
    "SIGNED_URL_CALLER",
    "FilesConfig",
    "SignedUrlRead",
    "file_answer",
    "file_routes",
    "send_row_file",
    "served_path",
    "signed_access",
    "signed_url",
    "verify_signed_request",
]

MIN_WIDTH = 16
MAX_WIDTH = 1024
_THUMBNAIL_SUFFIXES = {".jpg", ".jpeg", ".png"}
# Processing programs' text outputs, which the mimetypes table does not know.
_TEXT_SUFFIXES = {".log", ".lp", ".lst", ".out", ".err", ".inp"}

# Who a signed request runs as: the signature proves that a caller allowed to see the row
# asked for this one route, so the row is looked up without a caller's restrictions.
SIGNED_URL_CALLER = Caller(
    subject="ispyb-signed-url",
    kind="user",
    roles=frozenset({"admin"}),
    beamlines=frozenset(),
    scopes=frozenset(),
    token_id="",
)


class SignedUrlRead(Schema):
    url = fields.String(metadata={"description": "The file's URL, usable without a token"})
    expires = fields.Integer(metadata={"description": "When it stops working (epoch seconds)"})


def _files_config() -> dict[str, Any]:
    return current_app.config["ISPYB_CONFIG"].get("files") or FilesConfig().load({})


def file_answer(ns: Namespace, description: str = "The file") -> Callable:
    """Document a file route's 200 answer as the file's bytes (after ``@operation``)."""
    registry = ns.__dict__.setdefault("_ispyb_models", {})
    if "File" not in registry:
        registry["File"] = ns.schema_model("File", {"type": "string", "format": "binary"})
    return ns.response(200, description, registry["File"])


_WIDTH_PARAMETER = {
    "width": {
        "description": f"A JPEG thumbnail this many pixels wide ({MIN_WIDTH}-{MAX_WIDTH})",
        "type": "integer",
        "in": "query",
    }
}
_SIGNED_PARAMETERS = {
    "expires": {"description": "From a signed URL", "type": "integer", "in": "query"},
    "signature": {"description": "From a signed URL", "type": "string", "in": "query"},
}
IMAGE_TYPES = ("image/jpeg", "image/png")
DOCUMENT_TYPES = ("text/plain", "image/png", "*/*")


def file_routes(
    ns: Namespace,
    rule: str,
    *,
    name: str,
    params: dict[str, str],
    locate: Callable[..., str],
    summary: str,
    url_summary: str,
    produces: tuple[str, ...] = IMAGE_TYPES,
) -> None:
    """Add the two routes of a file named by a row: ``rule`` answers the file (to a token
    or a signed URL; ``?width=`` a thumbnail) and ``rule + "/url"`` a signed URL of it.

    ``locate`` gets the rule's path parameters, reads the row with the caller's
    restrictions (raising NotFound where the row or its file is missing) and answers the
    file's path. The classes are named ``name`` and ``name + "Url"``, which name the
    operations in the OpenAPI documents. The download name is the path's last part.
    """
    is_image = produces == IMAGE_TYPES

    def get_file(self, **path_parameters):
        return send_row_file(locate(**path_parameters))

    def get_url(self, **path_parameters):
        locate(**path_parameters)
        return signed_url(request.path.removesuffix("/url"))

    get_file.__doc__, get_url.__doc__ = summary, url_summary
    get_file = signed_access(
        file_answer(ns, "The image" if is_image else "The file")(
            ns.doc(params={**_WIDTH_PARAMETER, **_SIGNED_PARAMETERS}, produces=list(produces))(
                operation(
                    ns, errors=(400, 403, 404), description="The image" if is_image else "The file"
                )(get_file)
            )
        )
    )
    get_url = ns.doc(params=_WIDTH_PARAMETER)(
        operation(ns, response=SignedUrlRead, errors=(400, 403, 404))(get_url)
    )
    for route, class_name, method in (
        (rule, name, get_file),
        (f"{rule}/url", f"{name}Url", get_url),
    ):
        resource = type(class_name, (Resource,), {"get": method, "__doc__": method.__doc__})
        for parameter, description in params.items():
            resource = ns.param(parameter, description)(resource)
        ns.route(route)(resource)


def signed_access(func: Callable) -> Callable:
    """Mark a file route as answerable to a signed URL instead of a token."""
    func._ispyb_signed = True  # type: ignore[attr-defined]
    return func


def _signature(secret: str, path: str, width: int | None, expires: int) -> str:
    message = f"{path}\n{width or ''}\n{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _requested_width() -> int | None:
    raw = request.args.get("width")
    if raw is None:
        return None
    try:
        width = int(raw)
    except ValueError:
        width = 0
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        raise InvalidParameter(
            f"width must be a whole number from {MIN_WIDTH} to {MAX_WIDTH}.",
            {"width": [f"From {MIN_WIDTH} to {MAX_WIDTH}."]},
        )
    return width


def signed_url(file_path: str) -> dict[str, Any]:
    """A URL of the file route ``file_path`` (and the request's ``width``), valid for
    ``files.url_seconds``, that needs no token."""
    config = _files_config()
    if not config["signing_secret"]:
        raise NotFound("No files are served here (files.roots is empty).")
    width = _requested_width()
    expires = int(time.time()) + config["url_seconds"]
    signature = _signature(config["signing_secret"], file_path, width, expires)
    query = f"width={width}&" if width else ""
    return {
        "url": f"{file_path}?{query}expires={expires}&signature={signature}",
        "expires": expires,
    }


def verify_signed_request() -> Caller:
    """The caller of a request carrying a signed URL; Forbidden when it is expired,
    altered, or made for another route."""
    secret = _files_config()["signing_secret"]
    try:
        expires = int(request.args.get("expires", ""))
    except ValueError:
        raise Forbidden("This file URL is not valid: expires is missing.") from None
    width = _requested_width()
    expected = _signature(secret or "", request.path, width, expires)
    given = request.args.get("signature", "")
    if not secret or not hmac.compare_digest(expected, given):
        raise Forbidden("This file URL is not valid for this file.")
    if expires < time.time():
        raise Forbidden("This file URL has expired: ask for a new one.")
    g.signed_file_request = True
    return SIGNED_URL_CALLER


def _served_path(path: str | None) -> Path:
    """``path`` resolved, if it is a regular file under a root; else NotFound."""
    roots = _files_config()["roots"]
    if not path or not roots:
        raise NotFound("This file is not available.")
    resolved = os.path.realpath(path)
    for root in roots:
        real_root = os.path.realpath(root)
        if os.path.commonpath([real_root, resolved]) == real_root and os.path.isfile(resolved):
            return Path(resolved)
    raise NotFound("This file is not available.")


def served_path(path: str | None) -> Path:
    """``path`` resolved (symlinks followed), if it is a regular file under one of the file
    roots; else NotFound. For services reading a row's file themselves (detector images)."""
    return _served_path(path)


def _thumbnail_cache() -> Path:
    configured = _files_config()["thumbnail_cache"]
    if configured:
        return Path(configured)
    base = os.environ.get("ISPYB_VAR_DIR") or tempfile.gettempdir()
    return Path(base) / "ispyb-thumbnails"


def _thumbnail(source: Path, width: int) -> Path:
    """A JPEG of ``source`` ``width`` pixels wide, made once per file version and width."""
    if source.suffix.lower() not in _THUMBNAIL_SUFFIXES:
        raise InvalidParameter(
            "Only JPEG and PNG images have thumbnails.", {"width": ["Not an image."]}
        )
    stat = source.stat()
    key = hashlib.sha256(f"{source}\n{stat.st_mtime_ns}\n{stat.st_size}\n{width}".encode())
    cache = _thumbnail_cache()
    target = cache / f"{key.hexdigest()}.jpg"
    if target.is_file():
        return target
    from PIL import Image  # imported on first use: most requests need no image library

    cache.mkdir(parents=True, exist_ok=True)
    with Image.open(source) as image:
        height = max(1, round(image.height * width / image.width))
        small = image.convert("RGB").resize((width, height))
    # Written aside and renamed, so a concurrent request never reads half a thumbnail.
    handle, partial = tempfile.mkstemp(dir=cache, suffix=".part")
    with os.fdopen(handle, "wb") as out:
        small.save(out, "JPEG", quality=85)
    os.replace(partial, target)
    return target


def _content_type(source: Path) -> str:
    if source.suffix.lower() in _TEXT_SUFFIXES:
        return "text/plain"
    return mimetypes.guess_type(source.name)[0] or "application/octet-stream"


def send_row_file(path: str | None, *, download_name: str | None = None) -> Response:
    """Answer the file ``path`` (from a row), or its thumbnail at ``?width=``."""
    width = _requested_width()
    source = _served_path(path)
    served = _thumbnail(source, width) if width else source
    mimetype = "image/jpeg" if width else _content_type(source)
    response = send_file(
        served,
        mimetype=mimetype,
        conditional=True,
        download_name=download_name or source.name,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, max-age=0, must-revalidate"
    return response
