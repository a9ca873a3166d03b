"""mxcubecore's SSX client (``PyISPyBClient``, py-ispyb's ``/webservices/ssx/*``) onto
the ssx service's one-request registration (``POST /runs``), with the caller's own token.

py-ispyb takes an SSX run in two calls, a group then a data collection in it; ssx takes
it in one, creating core's group and data collection itself. Nothing is kept here, so:

1. ``datacollectiongroup`` creates core's DataCollectionGroup (SSX-Chip / SSX-Jet, the
   session, the start, ``experimentName`` as its comments) and answers its id, as
   py-ispyb does;
2. ``datacollection`` reads that group back from core, registers the run through ssx
   (session, experiment type and name from the group, the acquisition and SSX parameters
   from the body, the image directory and file template from compat's configuration
   when the client sends none), answers core's ``dataCollectionId`` of the run, and
   removes the group of step 1, left empty (ssx's run has its own group).

MXCuBE's zeros for "not measured" (repetitionRate, jetSpeed, jetSize, an event's period
and repetition, beam sizes) are sent as not known: ISPyB keeps NULL there, and ssx refuses
a zero where a zero is not a possible value. docs/compat.md ("SSX") lists what is left out.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from flask import current_app

from ispyb_shared.core_client import Credentials
from ispyb_shared.errors import CoreUnavailable, ValidationFailed

from ...upstreams import Upstreams
from ..beamline.service import READ_REFUSED, WRITE_REFUSED, _invalid, identifier

log = logging.getLogger(__name__)

EXPERIMENT_TYPES = {"ssx-chip": "SSX-Chip", "ssx-jet": "SSX-Jet"}
# ssx's acquisition (core's DataCollection columns ssx takes), as the client names them.
ACQUISITION_FIELDS = (
    "startTime",
    "endTime",
    "numberOfImages",
    "exposureTime",
    "wavelength",
    "detectorDistance",
    "imageDirectory",
    "imagePrefix",
    "fileTemplate",
    "transmission",
    "flux",
    "beamSizeAtSampleX",
    "beamSizeAtSampleY",
    "comments",
)
# Where ISPyB's value must be positive when given: MXCuBE's 0 means "not known".
ZERO_IS_UNKNOWN = (
    "beamSizeAtSampleX",
    "beamSizeAtSampleY",
    "repetitionRate",
    "jetSpeed",
    "jetSize",
)
SSX_FIELDS = (
    "repetitionRate",
    "energyBandwidth",
    "monoStripe",
    "jetSpeed",
    "jetSize",
    "chipPattern",
    "chipModel",
    "reactionDuration",
    "laserEnergy",
)
EVENT_FIELDS = ("name", "offset", "duration", "period", "repetition")


def request_key(group_id: int) -> str:
    """ssx's clientRequestId of the run of a group of step 1: a retry is the same run."""
    return f"pyispyb-ssx-group-{group_id}"


def _time(value: Any, field: str, *, required: bool) -> str | None:
    """An ISO date-time as the client sends it (aware or naive) as ISPyB's naive UTC."""
    if value in (None, ""):
        if required:
            raise _invalid(field, "Missing data for required field.")
        return None
    if not isinstance(value, str):
        raise _invalid(field, "Not a valid date-time.")
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise _invalid(field, "Not a valid date-time.") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat()


def _kept(body: Mapping[str, Any], names) -> dict[str, Any]:
    data = {name: body[name] for name in names if body.get(name) not in (None, "")}
    for name in ZERO_IS_UNKNOWN:
        if name in data and data[name] == 0 and not isinstance(data[name], bool):
            del data[name]
    return data


def experiment_type(value: Any) -> str:
    if not isinstance(value, str) or value.strip().lower() not in EXPERIMENT_TYPES:
        raise _invalid("experimentType", "One of SSX-CHIP, SSX-Jet expected.")
    return EXPERIMENT_TYPES[value.strip().lower()]


def create_group(*, clients: Upstreams, credentials: Credentials, body: Mapping) -> int:
    """Step 1: core's DataCollectionGroup of the run; its id."""
    data = {
        "sessionId": identifier(body.get("sessionId"), "sessionId"),
        "experimentType": experiment_type(body.get("experimentType")),
        "startTime": _time(body.get("startTime"), "startTime", required=True),
    }
    end = _time(body.get("endTime"), "endTime", required=False)
    if end:
        data["endTime"] = end
    name = body.get("experimentName")
    if name not in (None, ""):
        if not isinstance(name, str) or len(name) > 255:
            raise _invalid("experimentName", "A text of at most 255 characters expected.")
        data["comments"] = name
    answer = clients.core.write(
        "POST",
        "/data-collection-groups",
        credentials,
        body=data,
        what="the data collection group",
        forbidden=WRITE_REFUSED,
    )
    if not isinstance(answer.body, dict) or "dataCollectionGroupId" not in answer.body:
        raise CoreUnavailable("Core's answer creating the group cannot be read.", maybe_done=True)
    return answer.body["dataCollectionGroupId"]


def _events(chains: Any) -> list[dict]:
    if chains in (None, ""):
        return []
    if not isinstance(chains, list):
        raise _invalid("event_chains", "Not a valid list of objects.")
    translated = []
    for index, chain in enumerate(chains):
        if not isinstance(chain, Mapping) or not isinstance(chain.get("events"), list):
            raise _invalid(f"event_chains[{index}]", "An object with a list of events expected.")
        events = []
        for number, event in enumerate(chain["events"]):
            if not isinstance(event, Mapping):
                raise _invalid(f"event_chains[{index}].events[{number}]", "Not a valid object.")
            item = {"eventType": event.get("type", event.get("eventType"))}
            item.update(_kept(event, EVENT_FIELDS))
            # A single event: MXCuBE sends period 0 and repetition 0, ISPyB NULL.
            if item.get("period") == 0:
                item.pop("period")
            if item.get("repetition") in (0, 1) and "period" not in item:
                item.pop("repetition")
            if isinstance(item.get("repetition"), float) and item["repetition"].is_integer():
                item["repetition"] = int(item["repetition"])
            events.append(item)
        translated.append({"name": chain.get("name"), "events": events})
    return translated


def _settings() -> Mapping[str, Any]:
    return current_app.config["ISPYB_CONFIG"]["pyispyb_ssx"]


def _default_path(template: str, values: Mapping[str, Any], field: str) -> str:
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        raise CoreUnavailable(
            f"compat's pyispyb_ssx.{field} template cannot be filled; nothing was done.",
            maybe_done=False,
        ) from None


def create_data_collection(*, clients: Upstreams, credentials: Credentials, body: Mapping) -> int:
    """Step 2: the run registered through ssx; core's dataCollectionId of it."""
    group_id = identifier(body.get("dataCollectionGroupId"), "dataCollectionGroupId")
    group = clients.core.get_one(
        "data-collection-groups", str(group_id), credentials, forbidden=READ_REFUSED
    )
    if group is None or group.get("experimentType") not in EXPERIMENT_TYPES.values():
        raise ValidationFailed(
            "The group does not exist, is not visible to the caller, already has its run, "
            "or is not an SSX group.",
            {"dataCollectionGroupId": [f"No SSX group {group_id} waiting for its run."]},
        )
    session = clients.core.get_one(
        "sessions", str(group["sessionId"]), credentials, forbidden=READ_REFUSED
    )
    if session is None:
        raise ValidationFailed(
            "The group's session is not visible to the caller.",
            {"dataCollectionGroupId": ["Its session is not visible."]},
        )
    acquisition = _kept(body, ACQUISITION_FIELDS)
    acquisition["startTime"] = _time(
        body.get("startTime") or group.get("startTime"), "startTime", required=True
    )
    if "endTime" in acquisition:
        acquisition["endTime"] = _time(acquisition["endTime"], "endTime", required=False)
    prefix = acquisition.get("imagePrefix")
    if not isinstance(prefix, str) or not prefix.strip():
        raise _invalid("imagePrefix", "Missing data for required field.")
    values = {
        "beamLineName": session.get("beamLineName") or "",
        "visit": session.get("visit") or "",
        "imagePrefix": prefix,
        "dataCollectionGroupId": group_id,
    }
    settings = _settings()
    for field, setting in (
        ("imageDirectory", "image_directory"),
        ("fileTemplate", "file_template"),
    ):
        if field not in acquisition:
            acquisition[field] = _default_path(settings[setting], values, setting)
    ssx = _kept(body, SSX_FIELDS)
    name = body.get("experimentName") or group.get("comments")
    if name:
        if not isinstance(name, str) or len(name) > 255:
            raise _invalid("experimentName", "A text of at most 255 characters expected.")
        ssx["experimentName"] = name
    run = {
        "session": session["uuid"],
        "experimentType": group["experimentType"],
        "clientRequestId": request_key(group_id),
        "acquisition": acquisition,
        "ssx": ssx,
        "eventChains": _events(body.get("event_chains", body.get("eventChains"))),
    }
    answer = clients.ssx.write(
        "POST", "/runs", credentials, body=run, what="the SSX run", forbidden=WRITE_REFUSED
    )
    uuid = answer.body.get("dataCollectionUUID") if isinstance(answer.body, dict) else None
    collection = (
        clients.core.get_one("data-collections", uuid, credentials, forbidden=READ_REFUSED)
        if uuid
        else None
    )
    if collection is None:
        raise CoreUnavailable(
            "The run was registered but its data collection cannot be read back.",
            maybe_done=True,
        )
    # The group of step 1 stays empty (the run has ssx's group): removed, as py-ispyb
    # would have used it. A failure only leaves an empty group (logged).
    removed = clients.core.request("DELETE", f"/data-collection-groups/{group_id}", credentials)
    if removed.status not in (204, 404):
        log.warning(
            "the empty SSX group %s was not removed: core answered %s", group_id, removed.status
        )
    return collection["dataCollectionId"]
