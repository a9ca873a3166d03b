"""Images named by em rows: micrographs, drift plots, power spectra, 2D class images,
tomograms' slices, projections and plots, the grid atlas, its squares and foil holes.

Answered to whoever may see the row's data collection (core decides, with the caller's
token), or to a signed URL such a caller asked for (ispyb_shared.files): a signed request
carries no token to ask core with, and needs none, the signature standing for the check.
"""

from __future__ import annotations

import os

from flask import g
from flask_restx import Namespace

from ispyb_shared.db import db_session
from ispyb_shared.errors import NotFound
from ispyb_shared.files import file_routes

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
    return get_owned(
        db_session(),
        resource.model,
        ref,
        data_collections=_CheckedBySignature() if signed else caller_data_collections(),
        what=resource.what,
    )


def _file_of(resource: OwnedResource, ref: str, column: str) -> str:
    path = getattr(_row_of(resource, ref), column)
    if not path:
        raise NotFound(f"{resource.what} {ref} has no such file.")
    return path


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


def _any(kinds: dict[str, str]) -> str:
    return "<any({}):kind>".format(", ".join(repr(kind) for kind in kinds))


_URL = "A short-lived URL of the {} that needs no token (for <img src>)."

file_routes(
    ns,
    f"/motion-corrections/<string:ref>/{_any(MOTION_CORRECTION_FILES)}",
    name="MotionCorrectionFile",
    params={"ref": "Motion correction id or UUID", "kind": f"Which file: {_KINDS}"},
    locate=lambda ref, kind: _file_of(MOTION_CORRECTIONS, ref, MOTION_CORRECTION_FILES[kind]),
    summary="A motion correction's micrograph, snapshot, drift plot or FFT (?width= thumbnail).",
    url_summary=_URL.format("file"),
)
file_routes(
    ns,
    "/ctfs/<string:ref>/power-spectrum",
    name="PowerSpectrum",
    params={"ref": "CTF id or UUID"},
    locate=lambda ref: _file_of(CTFS, ref, "fftTheoreticalFullPath"),
    summary="The CTF fit's power spectrum (fftTheoreticalFullPath; ?width= thumbnail).",
    url_summary=_URL.format("power spectrum"),
)
file_routes(
    ns,
    "/particle-classifications/<string:ref>/image",
    name="ClassImage",
    params={"ref": "Particle classification id or UUID"},
    locate=lambda ref: _file_of(CLASSES, ref, "classImageFullPath"),
    summary="A 2D class image (classImageFullPath; ?width= thumbnail).",
    url_summary=_URL.format("class image"),
)
file_routes(
    ns,
    f"/tomograms/<string:ref>/{_any(TOMOGRAM_FILES)}",
    name="TomogramFile",
    params={"ref": "Tomogram id or UUID", "kind": "Which file: " + ", ".join(TOMOGRAM_FILES)},
    locate=_tomogram_file,
    summary="A tomogram's central slice, movie, XY shift plot or XY/XZ projection (?width= "
    "thumbnail of an image).",
    url_summary=_URL.format("file"),
)
file_routes(
    ns,
    "/tilt-image-alignments/<string:ref>/power-spectrum",
    name="TiltImagePowerSpectrum",
    params={"ref": "Tilt image alignment id or UUID"},
    locate=lambda ref: _file_of(TILT_IMAGE_ALIGNMENTS, ref, "psdFile"),
    summary="The power spectrum of a tilt image's CTF fit (psdFile; ?width= thumbnail).",
    url_summary=_URL.format("file"),
)
for rule, name, resource, column, what in (
    ("/atlases/<string:ref>/image", "AtlasImage", ATLASES, "atlasImage", "Atlas"),
    (
        "/grid-squares/<string:ref>/image",
        "GridSquareImage",
        GRID_SQUARES,
        "gridSquareImage",
        "Grid square",
    ),
    ("/foil-holes/<string:ref>/image", "FoilHoleImage", FOIL_HOLES, "foilHoleImage", "Foil hole"),
):
    file_routes(
        ns,
        rule,
        name=name,
        params={"ref": f"{what} id or UUID"},
        locate=lambda ref, resource=resource, column=column: _file_of(resource, ref, column),
        summary=f"The {what.lower()}'s image ({column}; ?width= thumbnail).",
        url_summary=_URL.format("file"),
    )
