"""Images named by em rows: micrographs, drift plots, power spectra, 2D class images,
tomograms' slices, projections and plots, the grid atlas, its squares and foil holes.

Answered to whoever may see the row's data collection (core decides, with the caller's
token), or to a signed URL such a caller asked for (ispyb_shared.files): a signed request
carries no token to ask core with, and needs none, the signature standing for the check.
"""

from __future__ import annotations

import os

from flask import g, request
from flask_restx import Namespace, Resource

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

from ..access import DataCollections, authorize_reader, caller_data_collections
from ..classification.service import CLASSES
from ..grids.service import ATLASES, FOIL_HOLES, GRID_SQUARES
from ..motion_correction.service import CTFS, MOTION_CORRECTIONS
from ..ownership import get_owned
from ..resources import OwnedResource
from ..tomography.service import TILT_IMAGE_ALIGNMENTS, TOMOGRAMS

MOTION_CORRECTION_FILES = {
    "micrograph": "micrographFullPath",
    "micrograph-snapshot": "micrographSnapshotFullPath",
    "drift-plot": "driftPlotFullPath",
    "fft": "fftFullPath",
    "fft-corrected": "fftCorrectedFullPath",
}
_KINDS = ", ".join(MOTION_CORRECTION_FILES)
_WIDTH = {
    "width": {
        "description": f"A JPEG thumbnail this many pixels wide ({MIN_WIDTH}-{MAX_WIDTH})",
        "type": "integer",
        "in": "query",
    }
}
_FILE_DOC = {
    "params": {
        **_WIDTH,
        "expires": {"description": "From a signed URL", "type": "integer", "in": "query"},
        "signature": {"description": "From a signed URL", "type": "string", "in": "query"},
    },
    "produces": ["image/jpeg", "image/png"],
}

ns = Namespace(
    "em-files",
    path="/",
    description="Images of em rows (micrographs, drift plots, power spectra, class images); "
    "signed URLs for <img src>",
)


class _CheckedBySignature(DataCollections):
    """The data collections of a signed request: the signer's visibility was checked."""

    def __init__(self):
        super().__init__(lambda uuids: {})

    def get(self, uuid, *, what, ref):
        return None


def _row_of(resource: OwnedResource, ref: str):
    authorize_reader()
    signed = g.get("signed_file_request", False)
    row = get_owned(
        db_session(),
        resource.model,
        ref,
        data_collections=_CheckedBySignature() if signed else caller_data_collections(),
        what=resource.what,
    )
    return row


def _file_of(resource: OwnedResource, ref: str, column: str) -> str:
    path = getattr(_row_of(resource, ref), column)
    if not path:
        raise NotFound(f"{resource.what} {ref} has no such file.")
    return path


def _url() -> dict:
    return make_signed_url(request.path.removesuffix("/url"))


_ANY_KIND = ", ".join(repr(kind) for kind in MOTION_CORRECTION_FILES)
_MOTION = f"motion-corrections/<string:ref>/<any({_ANY_KIND}):kind>"


@ns.route(f"/{_MOTION}")
@ns.param("ref", "Motion correction id or UUID")
@ns.param("kind", f"Which file: {_KINDS}")
class MotionCorrectionFile(Resource):
    @signed_access
    @file_answer(ns)
    @ns.doc(**_FILE_DOC)
    @operation(ns, errors=(400, 403, 404), description="The image")
    def get(self, ref: str, kind: str):
        """A motion correction's micrograph, snapshot, drift plot or FFT (?width= thumbnail)."""
        return send_row_file(_file_of(MOTION_CORRECTIONS, ref, MOTION_CORRECTION_FILES[kind]))


@ns.route(f"/{_MOTION}/url")
@ns.param("ref", "Motion correction id or UUID")
@ns.param("kind", f"Which file: {_KINDS}")
class MotionCorrectionFileUrl(Resource):
    @ns.doc(params=_WIDTH)
    @operation(ns, response=SignedUrlRead, errors=(400, 403, 404))
    def get(self, ref: str, kind: str):
        """A short-lived URL of the file that needs no token (for <img src>)."""
        _file_of(MOTION_CORRECTIONS, ref, MOTION_CORRECTION_FILES[kind])
        return _url()


@ns.route("/ctfs/<string:ref>/power-spectrum")
@ns.param("ref", "CTF id or UUID")
class PowerSpectrum(Resource):
    @signed_access
    @file_answer(ns)
    @ns.doc(**_FILE_DOC)
    @operation(ns, errors=(400, 403, 404), description="The image")
    def get(self, ref: str):
        """The CTF fit's power spectrum (fftTheoreticalFullPath; ?width= thumbnail)."""
        return send_row_file(_file_of(CTFS, ref, "fftTheoreticalFullPath"))


@ns.route("/ctfs/<string:ref>/power-spectrum/url")
@ns.param("ref", "CTF id or UUID")
class PowerSpectrumUrl(Resource):
    @ns.doc(params=_WIDTH)
    @operation(ns, response=SignedUrlRead, errors=(400, 403, 404))
    def get(self, ref: str):
        """A short-lived URL of the power spectrum that needs no token."""
        _file_of(CTFS, ref, "fftTheoreticalFullPath")
        return _url()


@ns.route("/particle-classifications/<string:ref>/image")
@ns.param("ref", "Particle classification id or UUID")
class ClassImage(Resource):
    @signed_access
    @file_answer(ns)
    @ns.doc(**_FILE_DOC)
    @operation(ns, errors=(400, 403, 404), description="The image")
    def get(self, ref: str):
        """A 2D class image (classImageFullPath; ?width= thumbnail)."""
        return send_row_file(_file_of(CLASSES, ref, "classImageFullPath"))


@ns.route("/particle-classifications/<string:ref>/image/url")
@ns.param("ref", "Particle classification id or UUID")
class ClassImageUrl(Resource):
    @ns.doc(params=_WIDTH)
    @operation(ns, response=SignedUrlRead, errors=(400, 403, 404))
    def get(self, ref: str):
        """A short-lived URL of the class image that needs no token."""
        _file_of(CLASSES, ref, "classImageFullPath")
        return _url()


# --- tomograms, tilt alignments, grids -----------------------------------------------------

TOMOGRAM_FILES = {
    "central-slice": "centralSliceImage",
    "movie": "tomogramMovie",
    "xy-shift-plot": "xyShiftPlot",
    "projection-xy": "projXY",
    "projection-xz": "projXZ",
}


def _tomogram_file(ref: str, kind: str) -> str:
    """A tomogram's file; a bare name is taken in the row's fileDirectory (the roots are
    checked on the joined path all the same)."""
    tomogram = _row_of(TOMOGRAMS, ref)
    path = getattr(tomogram, TOMOGRAM_FILES[kind])
    if not path:
        raise NotFound(f"Tomogram {ref} has no such file.")
    if not os.path.isabs(path) and tomogram.fileDirectory:
        path = os.path.join(tomogram.fileDirectory, path)
    return path


_ANY_TOMOGRAM_KIND = ", ".join(repr(kind) for kind in TOMOGRAM_FILES)
_TOMOGRAM_KINDS = ", ".join(TOMOGRAM_FILES)
_TOMOGRAM = f"tomograms/<string:ref>/<any({_ANY_TOMOGRAM_KIND}):kind>"


@ns.route(f"/{_TOMOGRAM}")
@ns.param("ref", "Tomogram id or UUID")
@ns.param("kind", f"Which file: {_TOMOGRAM_KINDS}")
class TomogramFile(Resource):
    @signed_access
    @file_answer(ns)
    @ns.doc(**_FILE_DOC)
    @operation(ns, errors=(400, 403, 404), description="The image")
    def get(self, ref: str, kind: str):
        """A tomogram's central slice, movie, XY shift plot or XY/XZ projection (?width= thumbnail
        of an image)."""
        return send_row_file(_tomogram_file(ref, kind))


@ns.route(f"/{_TOMOGRAM}/url")
@ns.param("ref", "Tomogram id or UUID")
@ns.param("kind", f"Which file: {_TOMOGRAM_KINDS}")
class TomogramFileUrl(Resource):
    @ns.doc(params=_WIDTH)
    @operation(ns, response=SignedUrlRead, errors=(400, 403, 404))
    def get(self, ref: str, kind: str):
        """A short-lived URL of the file that needs no token (for <img src>)."""
        _tomogram_file(ref, kind)
        return _url()


@ns.route("/tilt-image-alignments/<string:ref>/power-spectrum")
@ns.param("ref", "Tilt image alignment id or UUID")
class TiltImagePowerSpectrum(Resource):
    @signed_access
    @file_answer(ns)
    @ns.doc(**_FILE_DOC)
    @operation(ns, errors=(400, 403, 404), description="The image")
    def get(self, ref: str):
        """The power spectrum of a tilt image's CTF fit (psdFile; ?width= thumbnail)."""
        return send_row_file(_file_of(TILT_IMAGE_ALIGNMENTS, ref, "psdFile"))


@ns.route("/tilt-image-alignments/<string:ref>/power-spectrum/url")
@ns.param("ref", "Tilt image alignment id or UUID")
class TiltImagePowerSpectrumUrl(Resource):
    @ns.doc(params=_WIDTH)
    @operation(ns, response=SignedUrlRead, errors=(400, 403, 404))
    def get(self, ref: str):
        """A short-lived URL of the file that needs no token (for <img src>)."""
        _file_of(TILT_IMAGE_ALIGNMENTS, ref, "psdFile")
        return _url()


@ns.route("/atlases/<string:ref>/image")
@ns.param("ref", "Atlas id or UUID")
class AtlasImage(Resource):
    @signed_access
    @file_answer(ns)
    @ns.doc(**_FILE_DOC)
    @operation(ns, errors=(400, 403, 404), description="The image")
    def get(self, ref: str):
        """The grid's atlas image (atlasImage; ?width= thumbnail)."""
        return send_row_file(_file_of(ATLASES, ref, "atlasImage"))


@ns.route("/atlases/<string:ref>/image/url")
@ns.param("ref", "Atlas id or UUID")
class AtlasImageUrl(Resource):
    @ns.doc(params=_WIDTH)
    @operation(ns, response=SignedUrlRead, errors=(400, 403, 404))
    def get(self, ref: str):
        """A short-lived URL of the file that needs no token (for <img src>)."""
        _file_of(ATLASES, ref, "atlasImage")
        return _url()


@ns.route("/grid-squares/<string:ref>/image")
@ns.param("ref", "Grid square id or UUID")
class GridSquareImage(Resource):
    @signed_access
    @file_answer(ns)
    @ns.doc(**_FILE_DOC)
    @operation(ns, errors=(400, 403, 404), description="The image")
    def get(self, ref: str):
        """A grid square's image (gridSquareImage; ?width= thumbnail)."""
        return send_row_file(_file_of(GRID_SQUARES, ref, "gridSquareImage"))


@ns.route("/grid-squares/<string:ref>/image/url")
@ns.param("ref", "Grid square id or UUID")
class GridSquareImageUrl(Resource):
    @ns.doc(params=_WIDTH)
    @operation(ns, response=SignedUrlRead, errors=(400, 403, 404))
    def get(self, ref: str):
        """A short-lived URL of the file that needs no token (for <img src>)."""
        _file_of(GRID_SQUARES, ref, "gridSquareImage")
        return _url()


@ns.route("/foil-holes/<string:ref>/image")
@ns.param("ref", "Foil hole id or UUID")
class FoilHoleImage(Resource):
    @signed_access
    @file_answer(ns)
    @ns.doc(**_FILE_DOC)
    @operation(ns, errors=(400, 403, 404), description="The image")
    def get(self, ref: str):
        """A foil hole's image (foilHoleImage; ?width= thumbnail)."""
        return send_row_file(_file_of(FOIL_HOLES, ref, "foilHoleImage"))


@ns.route("/foil-holes/<string:ref>/image/url")
@ns.param("ref", "Foil hole id or UUID")
class FoilHoleImageUrl(Resource):
    @ns.doc(params=_WIDTH)
    @operation(ns, response=SignedUrlRead, errors=(400, 403, 404))
    def get(self, ref: str):
        """A short-lived URL of the file that needs no token (for <img src>)."""
        _file_of(FOIL_HOLES, ref, "foilHoleImage")
        return _url()
