"""The detector's images of a data collection, read from its files: the header (NXmx
metadata and the pixels' statistics), a histogram, and the pixels (float32 bytes).

The files are the row's ``imageDirectory`` + ``fileTemplate`` (an Eiger/NeXus HDF5 master
or one CBF per image), served only under the site's file roots like every file core
serves (ispyb_shared.files): a path outside them, or a link from the master to a data file
outside them, is 404. A row the caller may not see is 404 too. A file that is there but
cannot be read is 422 FILE_UNREADABLE; without core's ``hdf5`` extra, 503.
docs/detector-images.md has the formats and what is read.
"""

from __future__ import annotations

from flask import Response, request
from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.errors import FileUnreadable, NotFound, ServiceUnavailable
from ispyb_shared.files import (
    SignedUrlRead,
    file_answer,
    served_path,
    signed_access,
    signed_url,
)
from ispyb_shared.operations import operation

from ..data_collections import service as data_collections
from . import reader
from .schemas import DetectorImageHeader, DetectorImageHistogram

ns = Namespace(
    "detector-images",
    path="/data-collections",
    description="A data collection's detector images, read from its files (Eiger/NeXus HDF5 "
    "or CBF): header, histogram, pixels",
)

_PARAMS = {"ref": "Data collection id or UUID", "number": "Image number, from 1 (as in the files)"}
RULE = "/<string:ref>/detector-images/<int(min=1):number>"


def _allowed(path: str) -> str:
    try:
        return str(served_path(path))
    except NotFound:
        raise reader.FileMissing(path) from None


def _locate(ref: str, number: int):
    """The row (read with the caller's restrictions) and the checked path of the file
    holding image ``number``; NotFound when either is not there."""
    collection = data_collections.get_data_collection(
        db_session=db_session(), ref=ref, caller=current_caller()
    )
    directory, template = collection.imageDirectory, collection.fileTemplate
    if not directory or not template:
        raise NotFound(f"Data collection {ref} names no image files.")
    if reader.file_format(template) is None:
        raise NotFound(f"Data collection {ref}'s files ({template}) are neither HDF5 nor CBF.")
    if collection.numberOfImages and number > collection.numberOfImages:
        raise NotFound(
            f"Data collection {ref} has {collection.numberOfImages} images.",
            {"number": [f"From 1 to {collection.numberOfImages}."]},
        )
    try:
        path = _allowed(reader.image_file(directory, template, number))
    except reader.FileMissing:
        raise NotFound(f"The image files of data collection {ref} are not available.") from None
    return collection, path


def _read(ref: str, number: int) -> tuple[int, reader.DetectorImage]:
    collection, path = _locate(ref, number)
    try:
        image = reader.read_image(path, number, allowed=_allowed)
    except reader.FileMissing:
        raise NotFound(f"The image files of data collection {ref} are not available.") from None
    except reader.ImageMissing as exc:
        raise NotFound(f"Data collection {ref}'s files hold no image {number}: {exc}") from None
    except reader.Unreadable as exc:
        raise FileUnreadable(str(exc)) from None
    except reader.ReaderMissing:
        raise ServiceUnavailable(
            "This core cannot read detector files: install ispyb-core[hdf5]."
        ) from None
    return collection.dataCollectionId, image


@ns.route(f"{RULE}/header")
@ns.param("ref", _PARAMS["ref"])
@ns.param("number", _PARAMS["number"])
class DetectorImageHeaderRoute(Resource):
    @operation(ns, response=DetectorImageHeader, errors=(404, 422, 503))
    def get(self, ref: str, number: int):
        """An image's header: wavelength, distance, beam centre, pixel size, exposure, count
        cut-off... (NXmx or CBF header) and its measured pixels' statistics."""
        collection_id, image = _read(ref, number)
        return {
            **image.metadata,
            "dataCollectionId": collection_id,
            "imageNumber": number,
            "numberOfImages": image.number_of_images,
            "format": image.format,
            "fileName": image.file_name,
            "dataType": str(image.pixels.dtype),
            "width": int(image.pixels.shape[1]),
            "height": int(image.pixels.shape[0]),
            "statistics": reader.statistics(image),
        }


@ns.route(f"{RULE}/histogram")
@ns.param("ref", _PARAMS["ref"])
@ns.param("number", _PARAMS["number"])
class DetectorImageHistogramRoute(Resource):
    @operation(ns, response=DetectorImageHistogram, errors=(404, 422, 503))
    def get(self, ref: str, number: int):
        """A histogram of an image's measured pixels below mean + 3σ: unit-wide bins when
        they span at most 300 counts, else 300 bins (py-ispyb's)."""
        collection_id, image = _read(ref, number)
        return {
            "dataCollectionId": collection_id,
            "imageNumber": number,
            **reader.histogram(image),
        }


def _pixels(self, ref: str, number: int):
    _collection_id, image = _read(ref, number)
    response = Response(reader.pixels_float32(image), mimetype="application/octet-stream")
    response.headers["X-Image-Width"] = str(image.pixels.shape[1])
    response.headers["X-Image-Height"] = str(image.pixels.shape[0])
    response.headers["Cache-Control"] = "private, max-age=0, must-revalidate"
    return response


_pixels.__doc__ = (
    "An image's pixels: little-endian float32, row by row (X-Image-Width, X-Image-Height), "
    "pixels that are no measurement as -1; a token or a signed URL."
)
_pixels_route = signed_access(
    file_answer(ns, "The pixels (float32)")(
        ns.doc(
            params={
                "expires": {"description": "From a signed URL", "type": "integer", "in": "query"},
                "signature": {"description": "From a signed URL", "type": "string", "in": "query"},
            },
            produces=["application/octet-stream"],
        )(operation(ns, errors=(403, 404, 422, 503), description="The pixels")(_pixels))
    )
)


@ns.route(f"{RULE}/pixels")
@ns.param("ref", _PARAMS["ref"])
@ns.param("number", _PARAMS["number"])
class DetectorImagePixels(Resource):
    get = _pixels_route


@ns.route(f"{RULE}/pixels/url")
@ns.param("ref", _PARAMS["ref"])
@ns.param("number", _PARAMS["number"])
class DetectorImagePixelsUrl(Resource):
    @operation(ns, response=SignedUrlRead, errors=(403, 404))
    def get(self, ref: str, number: int):
        """A short-lived URL of the image's pixels that needs no token (the file is looked
        for, not read)."""
        _locate(ref, number)
        return signed_url(request.path.removesuffix("/url"))
