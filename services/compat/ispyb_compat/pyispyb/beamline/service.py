"""py-ispyb's beamline write routes (mxcubecore 2.149.0's ``PyISPyBDataAdapter``),
translated onto core's acquisition routes (docs/acquisition.md) with the caller's own token.

Nothing is kept here: each call is one or two calls to core, and core alone decides who
may write. Bodies are MXCuBE's dictionaries: the fields core keeps are passed on under
core's names (core checks their values and its 422 names the field), the others are
dropped; the few fields this module reads itself are checked here (422 naming the field).
docs/compat.md ("MXCuBE") lists what is translated and what is left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ispyb_shared.core_client import CoreClient, Credentials, error_from_envelope
from ispyb_shared.errors import CoreUnavailable, Forbidden, NotFound, ValidationFailed

from ..service import CORE_NESTED, pyispyb_crystal

READ_REFUSED = "Core refuses this look-up to the caller (core:read needed)."
WRITE_REFUSED = (
    "Core refuses the acquisition write to this caller "
    "(core:acquisition:write or staff of the beamline needed)."
)
INT_MAX = 2**31 - 1

# The columns core's create routes take (core's *Create schemas, docs/openapi.json).
SESSION_FIELDS = ("startDate", "endDate", "beamLineName", "scheduled", "nbShifts", "comments")
GROUP_FIELDS = (
    "startTime",
    "endTime",
    "comments",
    "crystalClass",
    "detectorMode",
    "actualSampleBarcode",
    "actualSampleSlotInContainer",
    "actualContainerBarcode",
    "actualContainerSlotInSC",
    "xtalSnapshotFullPath",
    "scanParameters",
)
COLLECTION_FIELDS = (
    "wavelength",
    "exposureTime",
    "numberOfImages",
    "detectorDistance",
    "resolution",
    "transmission",
    "flux",
    "flux_end",
    "beamSizeAtSampleX",
    "beamSizeAtSampleY",
    "dataCollectionNumber",
    "startTime",
    "endTime",
    "runStatus",
    "axisStart",
    "axisEnd",
    "axisRange",
    "overlap",
    "startImageNumber",
    "numberOfPasses",
    "imageDirectory",
    "imagePrefix",
    "imageSuffix",
    "imageContainerSubPath",
    "fileTemplate",
    "xBeam",
    "yBeam",
    "comments",
    "slitGapVertical",
    "slitGapHorizontal",
    "synchrotronMode",
    "xtalSnapshotFullPath1",
    "xtalSnapshotFullPath2",
    "xtalSnapshotFullPath3",
    "xtalSnapshotFullPath4",
    "rotationAxis",
    "phiStart",
    "kappaStart",
    "omegaStart",
    "chiStart",
    "resolutionAtCorner",
    "detector2Theta",
    "undulatorGap1",
    "centeringMethod",
    "averageTemperature",
    "beamShape",
)
# MXCuBE's names for some of them (AbstractLims.store_data_collection's dictionary).
COLLECTION_RENAMES = {
    "status": "runStatus",
    "centringMethod": "centeringMethod",
    "collection_start_time": "startTime",
    "collection_end_time": "endTime",
    "average_temperature": "averageTemperature",
}
OSCILLATION_RENAMES = {
    "start": "axisStart",
    "range": "axisRange",
    "overlap": "overlap",
    "number_of_images": "numberOfImages",
    "start_image_number": "startImageNumber",
    "exposure_time": "exposureTime",
    "number_of_passes": "numberOfPasses",
    "kappaStart": "kappaStart",
    "phiStart": "phiStart",
}
FILEINFO_RENAMES = {
    "directory": "imageDirectory",
    "prefix": "imagePrefix",
    "suffix": "imageSuffix",
    "template": "fileTemplate",
    "run_number": "dataCollectionNumber",
}
IMAGE_FIELDS = (
    "dataCollectionId",
    "imageNumber",
    "fileName",
    "fileLocation",
    "measuredIntensity",
    "jpegFileFullPath",
    "jpegThumbnailFileFullPath",
    "temperature",
    "cumulativeIntensity",
    "synchrotronCurrent",
    "comments",
    "machineMessage",
)
ROBOT_ACTION_FIELDS = (
    "actionType",
    "status",
    "message",
    "containerLocation",
    "dewarLocation",
    "sampleBarcode",
    "xtalSnapshotBefore",
    "xtalSnapshotAfter",
    "startTimestamp",
    "endTimestamp",
)
ENERGY_SCAN_FIELDS = (
    "fluorescenceDetector",
    "scanFileFullPath",
    "jpegChoochFileFullPath",
    "element",
    "startEnergy",
    "endEnergy",
    "transmissionFactor",
    "exposureTime",
    "axisPosition",
    "synchrotronCurrent",
    "temperature",
    "peakEnergy",
    "peakFPrime",
    "peakFDoublePrime",
    "inflectionEnergy",
    "inflectionFPrime",
    "inflectionFDoublePrime",
    "xrayDose",
    "startTime",
    "endTime",
    "edgeEnergy",
    "filename",
    "beamSizeVertical",
    "beamSizeHorizontal",
    "choochFileFullPath",
    "crystalClass",
    "comments",
    "flux",
    "flux_end",
    "workingDirectory",
)
XRF_FIELDS = (
    "jpegScanFileFullPath",
    "startTime",
    "endTime",
    "filename",
    "exposureTime",
    "axisPosition",
    "beamTransmission",
    "annotatedPymcaXfeSpectrum",
    "fittedDataFileFullPath",
    "scanFileFullPath",
    "energy",
    "beamSizeVertical",
    "beamSizeHorizontal",
    "crystalClass",
    "comments",
    "flux",
    "flux_end",
    "workingDirectory",
)
SAMPLE_FIELDS = (
    "location",
    "subLocation",
    "name",
    "code",
    "comments",
    "staffComments",
    "blSampleStatus",
    "isInSampleChanger",
    "holderLength",
    "loopLength",
    "loopType",
    "wireWidth",
)


# --- checks --------------------------------------------------------------------------------


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"Invalid field {field}: {message}", {field: [message]})


def identifier(value: Any, field: str, *, required: bool = True) -> int | None:
    """An ISPyB id as MXCuBE sends it: an integer, or its digits as a string."""
    if value is None or value == "":
        if required:
            raise _invalid(field, "Missing data for required field.")
        return None
    if isinstance(value, bool):
        raise _invalid(field, "Not a valid integer.")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or not 1 <= value <= INT_MAX:
        raise _invalid(field, f"Not a valid id (an integer from 1 to {INT_MAX}).")
    return value


def _mapping(value: Any, field: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _invalid(field, "Not a valid object.")
    return value


def _picked(body: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """The fields core keeps, as sent; MXCuBE's empty strings for "not known" are dropped."""
    return {name: body[name] for name in names if name in body and body[name] != ""}


def _one(core: CoreClient, resource: str, ref: int, credentials: Credentials, *, what: str):
    row = core.get_one(resource, str(ref), credentials, forbidden=READ_REFUSED)
    if row is None:
        raise NotFound(f"No {what} {ref} (or the caller may not see it).")
    return row


def _created(answer, what: str) -> dict:
    if not isinstance(answer.body, dict):
        raise CoreUnavailable(f"Core's answer creating {what} cannot be read.", maybe_done=True)
    return answer.body


def _write(core, method, path, credentials, body, what, *, addressed: bool = False):
    """A write to core; ``addressed``: the path names the row, so core's 404 is ours (the
    caller may not see it), not a 422 about the body."""
    if addressed:
        answer = core.request(method, path, credentials, body=body)
        if answer.status == 404:
            raise NotFound(f"No {what.removeprefix('the ')} there (or the caller may not see it).")
        if not 200 <= answer.status < 300:
            if answer.status == 403:
                raise Forbidden(WRITE_REFUSED)
            raise error_from_envelope(answer.status, answer.body, what=what)
    else:
        answer = core.write(
            method, path, credentials, body=body, what=what, forbidden=WRITE_REFUSED
        )
    return _created(answer, what)


# --- sessions ------------------------------------------------------------------------------


def pyispyb_session(row: Mapping[str, Any]) -> dict:
    """Core's session in py-ispyb's shape: ``proposal`` is the proposal's name (the visit
    without its number), which mxcubecore splits into code and number."""
    visit = row.get("visit") or ""
    proposal = visit.rsplit("-", 1)[0] if "-" in visit else visit
    return {**row, "proposal": proposal, "BeamLineSetup": None}


def create_session(*, core: CoreClient, credentials: Credentials, body: Mapping) -> dict:
    """POST sessions: core's POST /sessions (staff of the beamline or admins)."""
    data = {"proposalId": identifier(body.get("proposalId"), "proposalId")}
    data.update(_picked(body, SESSION_FIELDS))
    return pyispyb_session(_write(core, "POST", "/sessions", credentials, data, "the session"))


def associate_beamline_setup(
    *, core: CoreClient, credentials: Credentials, session_id: int, setup_id: int
) -> dict:
    """PATCH sessions/{id}/associate-beamline-setup: core's session column beamLineSetupId."""
    row = _write(
        core,
        "PATCH",
        f"/sessions/{session_id}",
        credentials,
        {"beamLineSetupId": setup_id},
        "the session",
        addressed=True,
    )
    return pyispyb_session(row)


# --- data collections ----------------------------------------------------------------------


def _sample_id(body: Mapping[str, Any]) -> int | None:
    """The sample: ``blSampleId``, or MXCuBE's ``sample_reference.blSampleId``."""
    if body.get("blSampleId") not in (None, ""):
        return identifier(body["blSampleId"], "blSampleId")
    reference = _mapping(body.get("sample_reference"), "sample_reference")
    value = reference.get("blSampleId")
    if value in (None, "", -1, "-1"):  # MXCuBE's "no sample"
        return None
    return identifier(value, "sample_reference.blSampleId")


def _group_id(body: Mapping[str, Any]) -> int | None:
    for name in ("dataCollectionGroupId", "group_id"):
        if body.get(name) not in (None, ""):
            return identifier(body[name], name)
    return None


def _group_answer(row: Mapping[str, Any]) -> dict:
    return {
        "dataCollectionGroupId": row.get("dataCollectionGroupId"),
        "experimentType": row.get("experimentType"),
        "blSampleId": row.get("blSampleId"),
        "sessionId": row.get("sessionId"),
        "workflowId": None,
    }


def store_group(*, core: CoreClient, credentials: Credentials, body: Mapping) -> dict:
    """POST datacollections/group: a new group (core's POST /data-collection-groups), or,
    with ``dataCollectionGroupId``/``group_id`` (or MXCuBE's ``collection_id``: the group
    of that collection), the group's fields changed (PATCH)."""
    group_id = _group_id(body)
    collection_id = identifier(body.get("collection_id"), "collection_id", required=False)
    if group_id is None and collection_id is not None:
        # mxcubecore's update posts the collection's dictionary here first: its group is
        # the one the collection is in (a new group would be left empty).
        group_id = _one(
            core, "data-collections", collection_id, credentials, what="data collection"
        )["dataCollectionGroupId"]
    data = _picked(body, GROUP_FIELDS)
    if group_id is not None:
        if data:
            row = _write(
                core,
                "PATCH",
                f"/data-collection-groups/{group_id}",
                credentials,
                data,
                "the data collection group",
                addressed=True,
            )
        else:
            row = _one(core, "data-collection-groups", group_id, credentials, what="group")
        return _group_answer(row)
    data["sessionId"] = identifier(body.get("sessionId"), "sessionId")
    experiment = body.get("experimentType", body.get("experiment_type"))
    if not isinstance(experiment, str) or not experiment:
        raise _invalid("experimentType", "Missing data for required field.")
    data["experimentType"] = experiment
    sample = _sample_id(body)
    if sample is not None:
        data["blSampleId"] = sample
    row = _write(
        core, "POST", "/data-collection-groups", credentials, data, "the data collection group"
    )
    return _group_answer(row)


def collection_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    """MXCuBE's collection dictionary as core's DataCollection columns."""
    data = _picked(body, COLLECTION_FIELDS)
    for mxcube, column in COLLECTION_RENAMES.items():
        if body.get(mxcube) not in (None, ""):
            data[column] = body[mxcube]
    sequence = body.get("oscillation_sequence")
    if sequence is not None:
        if not isinstance(sequence, list) or (sequence and not isinstance(sequence[0], Mapping)):
            raise _invalid("oscillation_sequence", "Not a valid list of objects.")
        if sequence:
            for mxcube, column in OSCILLATION_RENAMES.items():
                if sequence[0].get(mxcube) not in (None, ""):
                    data[column] = sequence[0][mxcube]
    fileinfo = _mapping(body.get("fileinfo"), "fileinfo")
    for mxcube, column in FILEINFO_RENAMES.items():
        if fileinfo.get(mxcube) not in (None, ""):
            data[column] = fileinfo[mxcube]
    resolution = body.get("resolution")
    if isinstance(resolution, Mapping):  # MXCuBE sends {"lower", "upper"}: core keeps one
        if resolution.get("upper") in (None, ""):
            data.pop("resolution", None)
        else:
            data["resolution"] = resolution["upper"]
    for name in ("startTime", "endTime"):  # MXCuBE's "%Y-%m-%d %H:%M:%S"
        if isinstance(data.get(name), str):
            data[name] = data[name].replace(" ", "T", 1)
    return data


def store_data_collection(
    *, core: CoreClient, credentials: Credentials, body: Mapping
) -> dict | list[int]:
    """POST datacollections/datacollection. Without ``collection_id`` a new data
    collection (core's POST /data-collections, in the group named or in a new group of
    the session) answered as an object with ``dataCollectionId``; with ``collection_id``
    (MXCuBE's update and finalisation) core's PATCH, answered ``[dataCollectionId,
    dataCollectionGroupId]``, the pair mxcubecore unpacks."""
    data = collection_fields(body)
    collection_id = identifier(body.get("collection_id"), "collection_id", required=False)
    group_id = _group_id(body)
    if collection_id is not None:
        if group_id is None:
            group_id = _one(
                core, "data-collections", collection_id, credentials, what="data collection"
            )["dataCollectionGroupId"]
        data["dataCollectionGroupId"] = group_id
        row = _write(
            core,
            "PATCH",
            f"/data-collections/{collection_id}",
            credentials,
            data,
            "the data collection",
            addressed=True,
        )
        return [row.get("dataCollectionId"), row.get("dataCollectionGroupId")]
    if group_id is not None:
        data["dataCollectionGroupId"] = group_id
    else:
        data["session"] = str(identifier(body.get("sessionId"), "sessionId"))
        experiment = body.get("experimentType", body.get("experiment_type"))
        if not isinstance(experiment, str) or not experiment:
            raise _invalid("experimentType", "Missing data for required field.")
        data["experimentType"] = experiment
        sample = _sample_id(body)
        if sample is not None:
            data["sample"] = str(sample)
    row = _write(core, "POST", "/data-collections", credentials, data, "the data collection")
    return {**row, "detectorId": None}


def get_data_collection(*, core: CoreClient, credentials: Credentials, collection_id: int):
    return _one(core, "data-collections", collection_id, credentials, what="data collection")


def store_image(*, core: CoreClient, credentials: Credentials, body: Mapping) -> dict:
    """POST images/image: core's POST /images; the answer has ``imageId``."""
    data = _picked(body, IMAGE_FIELDS)
    data["dataCollectionId"] = identifier(body.get("dataCollectionId"), "dataCollectionId")
    return _write(core, "POST", "/images", credentials, data, "the image")


# --- samples -------------------------------------------------------------------------------


def pyispyb_sample(row: Mapping[str, Any], container: Mapping[str, Any] | None) -> dict:
    """Core's sample in py-ispyb's shape: ``Container`` nested, the crystal's space group
    as ``space_group`` (py-ispyb's name), ``DiffractionPlan`` always an object."""
    crystal = pyispyb_crystal(row.get("crystal")) or {"space_group": None, "Protein": {}}
    plan = row.get("diffractionPlan") or {"diffractionPlanId": row.get("diffractionPlanId")}
    container = container or {}
    return {
        **{key: value for key, value in row.items() if key not in CORE_NESTED},
        "Crystal": crystal,
        "DiffractionPlan": plan,
        "Container": {
            "containerId": row.get("containerId"),
            "code": container.get("code"),
            "sampleChangerLocation": container.get("sampleChangerLocation"),
            "beamlineLocation": container.get("beamlineLocation"),
        },
    }


def update_sample(
    *, core: CoreClient, credentials: Credentials, sample_id: int, body: Mapping
) -> dict:
    """PATCH samples/{id}: core's PATCH /samples/{id} with the sample's own fields."""
    data = _picked(body, SAMPLE_FIELDS)
    row = _write(
        core,
        "PATCH",
        f"/samples/{sample_id}?expand=crystal.protein,diffractionPlan",
        credentials,
        data,
        "the sample",
        addressed=True,
    )
    return pyispyb_sample(row, None)


def id_answer(row: Mapping[str, Any], name: str) -> dict:
    """What mxcubecore takes as the id of what it stored: its client answers the
    ``results`` of an object (a bare number would fail its ``"results" in`` test), so
    ``{"results": id, name: id}``."""
    return {"results": row.get(name), name: row.get(name)}


# --- events --------------------------------------------------------------------------------


def _session_and_sample(body: Mapping[str, Any], *, session_column: str, sample_column: str):
    data = {session_column: identifier(body.get("sessionId"), "sessionId")}
    sample = identifier(body.get("blSampleId"), "blSampleId", required=False)
    if sample is not None:
        data[sample_column] = sample
    return data


def store_robot_action(*, core: CoreClient, credentials: Credentials, body: Mapping) -> dict:
    """POST events/robot-action: core's POST /robot-actions; answers the id (id_answer)."""
    data = _picked(body, ROBOT_ACTION_FIELDS)
    data.update(_session_and_sample(body, session_column="blsessionId", sample_column="blsampleId"))
    for name in ("startTimestamp", "endTimestamp"):
        if isinstance(data.get(name), str):
            data[name] = data[name].replace(" ", "T", 1)
    for name in ("containerLocation", "dewarLocation"):  # ISPyB's smallint, MXCuBE's str
        if isinstance(data.get(name), str) and data[name].strip().isdigit():
            data[name] = int(data[name])
    row = _write(core, "POST", "/robot-actions", credentials, data, "the robot action")
    return id_answer(row, "robotActionId")


def store_energy_scan(*, core: CoreClient, credentials: Credentials, body: Mapping) -> dict:
    """POST events/energyscan: core's POST /energy-scans; answers the id (id_answer)."""
    data = _picked(body, ENERGY_SCAN_FIELDS)
    data.update(_session_and_sample(body, session_column="sessionId", sample_column="blSampleId"))
    row = _write(core, "POST", "/energy-scans", credentials, data, "the energy scan")
    return id_answer(row, "energyScanId")


def associate_energy_scan(*, core: CoreClient, credentials: Credentials, body: Mapping) -> dict:
    """PATCH events/energyscan/associate-bl-sample: the scan's sample (core's PATCH
    /energy-scans/{id}); answers the scan's id (id_answer)."""
    scan = identifier(body.get("energyScanId"), "energyScanId")
    sample = identifier(body.get("blSampleId"), "blSampleId")
    row = _write(
        core,
        "PATCH",
        f"/energy-scans/{scan}",
        credentials,
        {"blSampleId": sample},
        "the energy scan",
        addressed=True,
    )
    return id_answer(row, "energyScanId")


def store_xrf_spectrum(*, core: CoreClient, credentials: Credentials, body: Mapping) -> dict:
    """POST events/xfe-fluorescence-spectrum: core's POST /xrf-spectra; answers the id
    (id_answer)."""
    data = _picked(body, XRF_FIELDS)
    data.update(_session_and_sample(body, session_column="sessionId", sample_column="blSampleId"))
    row = _write(core, "POST", "/xrf-spectra", credentials, data, "the fluorescence spectrum")
    return id_answer(row, "xfeFluorescenceSpectrumId")
