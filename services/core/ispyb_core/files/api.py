"""Files named by core rows: crystal snapshots of data collections, processing attachments.

Each file is answered to whoever may see its row (the row is read with the caller's
restrictions), or to a signed URL that such a caller asked for (ispyb_shared.files).
A new file route is a get-the-row function and a column: see ``_FILE_DOC``'s users.
"""

from __future__ import annotations

from flask import request
from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
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

from ..data_collections import service as data_collections
from ..energy_scans import service as energy_scans
from ..images import service as images
from ..processing import service as processing
from ..robot_actions import service as robot_actions
from ..xrf_spectra import service as xrf_spectra

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
_FILE_DOC = {"params": {**_WIDTH, **_SIGNED}, "produces": ["image/jpeg", "image/png"]}

snapshots_ns = Namespace(
    "data-collection-files",
    path="/data-collections",
    description="Crystal snapshots of data collections (files; signed URLs for <img src>)",
)
attachments_ns = Namespace(
    "processing-attachments",
    path="/processing-attachments",
    description="Files left by processing programs (logs, plots); signed URLs for downloads",
)


def _snapshot_path(ref: str, n: int) -> str:
    collection = data_collections.get_data_collection(
        db_session=db_session(), ref=ref, caller=current_caller()
    )
    path = getattr(collection, f"xtalSnapshotFullPath{n}")
    if not path:
        raise NotFound(f"Data collection {ref} has no snapshot {n}.")
    return path


@snapshots_ns.route("/<string:ref>/snapshots/<int(min=1, max=4):n>")
@snapshots_ns.param("ref", "Data collection id or UUID")
@snapshots_ns.param("n", "Which snapshot, 1-4 (xtalSnapshotFullPath1..4)")
class DataCollectionSnapshot(Resource):
    @signed_access
    @file_answer(snapshots_ns)
    @snapshots_ns.doc(**_FILE_DOC)
    @operation(snapshots_ns, errors=(400, 403, 404), description="The image")
    def get(self, ref: str, n: int):
        """A crystal snapshot (Range and conditional requests answered; ?width= for a
        thumbnail); a token or a signed URL."""
        return send_row_file(_snapshot_path(ref, n))


@snapshots_ns.route("/<string:ref>/snapshots/<int(min=1, max=4):n>/url")
@snapshots_ns.param("ref", "Data collection id or UUID")
@snapshots_ns.param("n", "Which snapshot, 1-4")
class DataCollectionSnapshotUrl(Resource):
    @snapshots_ns.doc(params=_WIDTH)
    @operation(snapshots_ns, response=SignedUrlRead, errors=(400, 404))
    def get(self, ref: str, n: int):
        """A short-lived URL of the snapshot that needs no token (for <img src>)."""
        _snapshot_path(ref, n)
        return make_signed_url(request.path.removesuffix("/url"))


def _attachment(ref: str):
    attachment = processing.get_attachment(
        db_session=db_session(), ref=ref, caller=current_caller()
    )
    if not attachment.filePath or not attachment.fileName:
        raise NotFound(f"Attachment {ref} names no file.")
    return attachment


@attachments_ns.route("/<string:ref>/file")
@attachments_ns.param("ref", "AutoProcProgramAttachment id or UUID")
class ProcessingAttachmentFile(Resource):
    @signed_access
    @file_answer(attachments_ns)
    @attachments_ns.doc(**{**_FILE_DOC, "produces": ["text/plain", "image/png", "*/*"]})
    @operation(attachments_ns, errors=(400, 403, 404), description="The file")
    def get(self, ref: str):
        """The file of a processing attachment (filePath/fileName); a token or a signed URL."""
        attachment = _attachment(ref)
        return send_row_file(
            f"{attachment.filePath.rstrip('/')}/{attachment.fileName}",
            download_name=attachment.fileName,
        )


@attachments_ns.route("/<string:ref>/file/url")
@attachments_ns.param("ref", "AutoProcProgramAttachment id or UUID")
class ProcessingAttachmentFileUrl(Resource):
    @attachments_ns.doc(params=_WIDTH)
    @operation(attachments_ns, response=SignedUrlRead, errors=(400, 404))
    def get(self, ref: str):
        """A short-lived URL of the attachment's file that needs no token (downloads)."""
        _attachment(ref)
        return make_signed_url(request.path.removesuffix("/url"))


images_ns = Namespace(
    "image-files",
    path="/images",
    description="The JPEG and thumbnail of a diffraction image (Image rows); signed URLs",
)
# The file columns of an Image row, by the name of their route.
IMAGE_FILES = {"jpeg": "jpegFileFullPath", "thumbnail": "jpegThumbnailFileFullPath"}


def _image_path(ref: str, kind: str) -> str:
    image = images.get_image(db_session=db_session(), ref=ref, caller=current_caller())
    path = getattr(image, IMAGE_FILES[kind])
    if not path:
        raise NotFound(f"Image {ref} has no {kind} file.")
    return path


@images_ns.route("/<string:ref>/<any(jpeg, thumbnail):kind>")
@images_ns.param("ref", "Image id or UUID")
@images_ns.param("kind", "jpeg (jpegFileFullPath) or thumbnail (jpegThumbnailFileFullPath)")
class ImageFile(Resource):
    @signed_access
    @file_answer(images_ns)
    @images_ns.doc(**_FILE_DOC)
    @operation(images_ns, errors=(400, 403, 404), description="The image")
    def get(self, ref: str, kind: str):
        """A diffraction image's JPEG or its thumbnail (?width= for another size); a token
        or a signed URL."""
        return send_row_file(_image_path(ref, kind))


@images_ns.route("/<string:ref>/<any(jpeg, thumbnail):kind>/url")
@images_ns.param("ref", "Image id or UUID")
@images_ns.param("kind", "jpeg or thumbnail")
class ImageFileUrl(Resource):
    @images_ns.doc(params=_WIDTH)
    @operation(images_ns, response=SignedUrlRead, errors=(400, 404))
    def get(self, ref: str, kind: str):
        """A short-lived URL of the image file that needs no token (for <img src>)."""
        _image_path(ref, kind)
        return make_signed_url(request.path.removesuffix("/url"))


# --- the timeline's other images: robot actions, energy scans, XRF spectra -------------------

robot_action_files_ns = Namespace(
    "robot-action-files",
    path="/robot-actions",
    description="Crystal snapshots before and after a robot action (files; signed URLs)",
)
energy_scan_files_ns = Namespace(
    "energy-scan-files",
    path="/energy-scans",
    description="The plot of an energy scan (the CHOOCH JPEG; signed URLs)",
)
xrf_spectrum_files_ns = Namespace(
    "xrf-spectrum-files",
    path="/xrf-spectra",
    description="The image of an XRF spectrum (its scan JPEG; signed URLs)",
)
# The file columns of a RobotAction row, by the name of their route.
ROBOT_ACTION_SNAPSHOTS = {"before": "xtalSnapshotBefore", "after": "xtalSnapshotAfter"}


def _robot_action_snapshot(ref: str, when: str) -> str:
    action = robot_actions.get_action(db_session=db_session(), ref=ref, caller=current_caller())
    path = getattr(action, ROBOT_ACTION_SNAPSHOTS[when])
    if not path:
        raise NotFound(f"Robot action {ref} has no snapshot {when}.")
    return path


def _energy_scan_plot(ref: str) -> str:
    scan = energy_scans.get_one(db_session=db_session(), ref=ref, caller=current_caller())
    if not scan.jpegChoochFileFullPath:
        raise NotFound(f"Energy scan {ref} has no plot.")
    return scan.jpegChoochFileFullPath


def _xrf_spectrum_image(ref: str) -> str:
    spectrum = xrf_spectra.get_one(db_session=db_session(), ref=ref, caller=current_caller())
    if not spectrum.jpegScanFileFullPath:
        raise NotFound(f"XRF spectrum {ref} has no image.")
    return spectrum.jpegScanFileFullPath


@robot_action_files_ns.route("/<string:ref>/snapshots/<any(before, after):when>")
@robot_action_files_ns.param("ref", "RobotAction id or UUID")
@robot_action_files_ns.param("when", "before (xtalSnapshotBefore) or after (xtalSnapshotAfter)")
class RobotActionSnapshot(Resource):
    @signed_access
    @file_answer(robot_action_files_ns)
    @robot_action_files_ns.doc(**_FILE_DOC)
    @operation(robot_action_files_ns, errors=(400, 403, 404), description="The image")
    def get(self, ref: str, when: str):
        """A crystal snapshot taken before or after a robot action (?width= for a
        thumbnail); a token or a signed URL."""
        return send_row_file(_robot_action_snapshot(ref, when))


@robot_action_files_ns.route("/<string:ref>/snapshots/<any(before, after):when>/url")
@robot_action_files_ns.param("ref", "RobotAction id or UUID")
@robot_action_files_ns.param("when", "before or after")
class RobotActionSnapshotUrl(Resource):
    @robot_action_files_ns.doc(params=_WIDTH)
    @operation(robot_action_files_ns, response=SignedUrlRead, errors=(400, 404))
    def get(self, ref: str, when: str):
        """A short-lived URL of the snapshot that needs no token (for <img src>)."""
        _robot_action_snapshot(ref, when)
        return make_signed_url(request.path.removesuffix("/url"))


@energy_scan_files_ns.route("/<string:ref>/image")
@energy_scan_files_ns.param("ref", "EnergyScan id or UUID")
class EnergyScanImage(Resource):
    @signed_access
    @file_answer(energy_scan_files_ns)
    @energy_scan_files_ns.doc(**_FILE_DOC)
    @operation(energy_scan_files_ns, errors=(400, 403, 404), description="The image")
    def get(self, ref: str):
        """An energy scan's plot (jpegChoochFileFullPath; ?width= for a thumbnail); a token
        or a signed URL."""
        return send_row_file(_energy_scan_plot(ref))


@energy_scan_files_ns.route("/<string:ref>/image/url")
@energy_scan_files_ns.param("ref", "EnergyScan id or UUID")
class EnergyScanImageUrl(Resource):
    @energy_scan_files_ns.doc(params=_WIDTH)
    @operation(energy_scan_files_ns, response=SignedUrlRead, errors=(400, 404))
    def get(self, ref: str):
        """A short-lived URL of the plot that needs no token (for <img src>)."""
        _energy_scan_plot(ref)
        return make_signed_url(request.path.removesuffix("/url"))


@xrf_spectrum_files_ns.route("/<string:ref>/image")
@xrf_spectrum_files_ns.param("ref", "XFEFluorescenceSpectrum id or UUID")
class XrfSpectrumImage(Resource):
    @signed_access
    @file_answer(xrf_spectrum_files_ns)
    @xrf_spectrum_files_ns.doc(**_FILE_DOC)
    @operation(xrf_spectrum_files_ns, errors=(400, 403, 404), description="The image")
    def get(self, ref: str):
        """An XRF spectrum's image (jpegScanFileFullPath; ?width= for a thumbnail); a token
        or a signed URL."""
        return send_row_file(_xrf_spectrum_image(ref))


@xrf_spectrum_files_ns.route("/<string:ref>/image/url")
@xrf_spectrum_files_ns.param("ref", "XFEFluorescenceSpectrum id or UUID")
class XrfSpectrumImageUrl(Resource):
    @xrf_spectrum_files_ns.doc(params=_WIDTH)
    @operation(xrf_spectrum_files_ns, response=SignedUrlRead, errors=(400, 404))
    def get(self, ref: str):
        """A short-lived URL of the image that needs no token (for <img src>)."""
        _xrf_spectrum_image(ref)
        return make_signed_url(request.path.removesuffix("/url"))
