"""Files named by core rows: crystal snapshots of data collections, processing attachments,
diffraction images, and the timeline's other images (robot actions, energy scans, XRF).

Each file is answered to whoever may see its row (the row is read with the caller's
restrictions), or to a signed URL that such a caller asked for (ispyb_shared.files).
A new file route is a locate-the-file function and a ``file_routes`` call.
"""

from __future__ import annotations

from flask_restx import Namespace

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.errors import NotFound
from ispyb_shared.files import DOCUMENT_TYPES, file_routes

from ..data_collections import service as data_collections
from ..energy_scans import service as energy_scans
from ..images import service as images
from ..processing import service as processing
from ..robot_actions import service as robot_actions
from ..xrf_spectra import service as xrf_spectra

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
images_ns = Namespace(
    "image-files",
    path="/images",
    description="The JPEG and thumbnail of a diffraction image (Image rows); signed URLs",
)
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

# The file columns of a row, by the name of their route.
IMAGE_FILES = {"jpeg": "jpegFileFullPath", "thumbnail": "jpegThumbnailFileFullPath"}
ROBOT_ACTION_SNAPSHOTS = {"before": "xtalSnapshotBefore", "after": "xtalSnapshotAfter"}


def _present(path: str | None, missing: str) -> str:
    if not path:
        raise NotFound(missing)
    return path


def _snapshot_path(ref: str, n: int) -> str:
    collection = data_collections.get_data_collection(
        db_session=db_session(), ref=ref, caller=current_caller()
    )
    return _present(
        getattr(collection, f"xtalSnapshotFullPath{n}"),
        f"Data collection {ref} has no snapshot {n}.",
    )


def _attachment_path(ref: str) -> str:
    attachment = processing.get_attachment(
        db_session=db_session(), ref=ref, caller=current_caller()
    )
    if not attachment.filePath or not attachment.fileName:
        raise NotFound(f"Attachment {ref} names no file.")
    return f"{attachment.filePath.rstrip('/')}/{attachment.fileName}"


def _image_path(ref: str, kind: str) -> str:
    image = images.get_image(db_session=db_session(), ref=ref, caller=current_caller())
    return _present(getattr(image, IMAGE_FILES[kind]), f"Image {ref} has no {kind} file.")


def _robot_action_snapshot(ref: str, when: str) -> str:
    action = robot_actions.get_action(db_session=db_session(), ref=ref, caller=current_caller())
    return _present(
        getattr(action, ROBOT_ACTION_SNAPSHOTS[when]), f"Robot action {ref} has no snapshot {when}."
    )


def _energy_scan_plot(ref: str) -> str:
    scan = energy_scans.get_one(db_session=db_session(), ref=ref, caller=current_caller())
    return _present(scan.jpegChoochFileFullPath, f"Energy scan {ref} has no plot.")


def _xrf_spectrum_image(ref: str) -> str:
    spectrum = xrf_spectra.get_one(db_session=db_session(), ref=ref, caller=current_caller())
    return _present(spectrum.jpegScanFileFullPath, f"XRF spectrum {ref} has no image.")


_URL = "A short-lived URL of the {} that needs no token (for <img src>)."

file_routes(
    snapshots_ns,
    "/<string:ref>/snapshots/<int(min=1, max=4):n>",
    name="DataCollectionSnapshot",
    params={
        "ref": "Data collection id or UUID",
        "n": "Which snapshot, 1-4 (xtalSnapshotFullPath1..4)",
    },
    locate=_snapshot_path,
    summary="A crystal snapshot (Range and conditional requests answered; ?width= for a "
    "thumbnail); a token or a signed URL.",
    url_summary=_URL.format("snapshot"),
)
file_routes(
    attachments_ns,
    "/<string:ref>/file",
    name="ProcessingAttachmentFile",
    params={"ref": "AutoProcProgramAttachment id or UUID"},
    locate=_attachment_path,
    summary="The file of a processing attachment (filePath/fileName); a token or a signed URL.",
    url_summary="A short-lived URL of the attachment's file that needs no token (downloads).",
    produces=DOCUMENT_TYPES,
)
file_routes(
    images_ns,
    "/<string:ref>/<any(jpeg, thumbnail):kind>",
    name="ImageFile",
    params={
        "ref": "Image id or UUID",
        "kind": "jpeg (jpegFileFullPath) or thumbnail (jpegThumbnailFileFullPath)",
    },
    locate=_image_path,
    summary="A diffraction image's JPEG or its thumbnail (?width= for another size); a token "
    "or a signed URL.",
    url_summary=_URL.format("image file"),
)
file_routes(
    robot_action_files_ns,
    "/<string:ref>/snapshots/<any(before, after):when>",
    name="RobotActionSnapshot",
    params={
        "ref": "RobotAction id or UUID",
        "when": "before (xtalSnapshotBefore) or after (xtalSnapshotAfter)",
    },
    locate=_robot_action_snapshot,
    summary="A crystal snapshot taken before or after a robot action (?width= for a "
    "thumbnail); a token or a signed URL.",
    url_summary=_URL.format("snapshot"),
)
file_routes(
    energy_scan_files_ns,
    "/<string:ref>/image",
    name="EnergyScanImage",
    params={"ref": "EnergyScan id or UUID"},
    locate=_energy_scan_plot,
    summary="An energy scan's plot (jpegChoochFileFullPath; ?width= for a thumbnail); a token "
    "or a signed URL.",
    url_summary=_URL.format("plot"),
)
file_routes(
    xrf_spectrum_files_ns,
    "/<string:ref>/image",
    name="XrfSpectrumImage",
    params={"ref": "XFEFluorescenceSpectrum id or UUID"},
    locate=_xrf_spectrum_image,
    summary="An XRF spectrum's image (jpegScanFileFullPath; ?width= for a thumbnail); a token "
    "or a signed URL.",
    url_summary=_URL.format("image"),
)
