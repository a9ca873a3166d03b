"""What the beamline write routes read: query parameters (checked here, 400 naming the
parameter) and the bodies they document (MXCuBE's dictionaries: the routes take them as
sent, pass on the fields core keeps and check the ones they read, service.py)."""

from __future__ import annotations

from flask import request
from marshmallow import EXCLUDE, Schema, fields, validate

from ispyb_shared.errors import InvalidParameter

NAME = validate.Length(min=1, max=45)


def query(allowed: dict[str, type], required: tuple[str, ...] = ()) -> dict:
    """The query parameters of the request, each once, of the type given (an empty one is
    as if not given); any other parameter is refused (400 naming it)."""
    values: dict = {}
    for name in request.args:
        if name not in allowed:
            raise InvalidParameter(f"Unknown parameter {name}.", {name: ["Unknown parameter."]})
        given = request.args.getlist(name)
        if len(given) != 1:
            raise InvalidParameter(f"Parameter {name} given twice.", {name: ["Give it once."]})
        text = given[0].strip()
        if allowed[name] is int:
            if not text.isdigit() or len(text) > 9:
                raise InvalidParameter(
                    f"Parameter {name} is not a number.", {name: ["Not a valid integer."]}
                )
            values[name] = int(text)
        elif len(text) > 64:
            raise InvalidParameter(
                f"Parameter {name} is longer than 64 characters.",
                {name: ["Longer than 64 characters."]},
            )
        elif text:  # mxcubecore sends "" for "any"
            values[name] = text
    for name in required:
        if name not in values:
            raise InvalidParameter(f"Parameter {name} is required.", {name: ["Required."]})
    return values


class _Documented(Schema):
    class Meta:
        unknown = EXCLUDE


class SessionCreateDoc(_Documented):
    """A session as mxcubecore creates it (PyISPyBDataAdapter.create_session)."""

    proposalId = fields.Raw(required=True, metadata={"description": "Proposal id (or digits)."})
    startDate = fields.String(required=True, metadata={"description": "ISO date-time."})
    endDate = fields.String(required=True, metadata={"description": "ISO date-time."})
    beamLineName = fields.String(required=True, validate=NAME)
    comments = fields.String()
    scheduled = fields.Boolean()


class GroupDoc(_Documented):
    """A data collection group, or MXCuBE's collection dictionary (group_id,
    experiment_type, sample_reference.blSampleId): a new group of ``sessionId``, or the
    fields of ``dataCollectionGroupId``/``group_id`` changed."""

    sessionId = fields.Raw(metadata={"description": "Session id (for a new group)."})
    experimentType = fields.String(metadata={"description": "ISPyB experiment type."})
    blSampleId = fields.Raw(metadata={"description": "Sample id."})
    dataCollectionGroupId = fields.Raw(metadata={"description": "An existing group."})


class DataCollectionDoc(_Documented):
    """MXCuBE's collection dictionary (AbstractLims.store_data_collection): core's
    DataCollection columns by name, plus oscillation_sequence[0], fileinfo, resolution
    {lower, upper}, status, collection_start_time... translated (docs/compat.md)."""

    collection_id = fields.Raw(metadata={"description": "An existing data collection."})
    group_id = fields.Raw(metadata={"description": "Its group."})
    sessionId = fields.Raw(metadata={"description": "Session id (for a new group)."})
    oscillation_sequence = fields.List(fields.Dict())
    fileinfo = fields.Dict()


class ImageDoc(_Documented):
    """An image of a data collection (ISPyB's Image columns)."""

    dataCollectionId = fields.Raw(required=True)
    fileName = fields.String()
    fileLocation = fields.String()
    imageNumber = fields.Integer()


class SampleDoc(_Documented):
    """Changes to a sample (its own BLSample columns)."""

    name = fields.String()
    location = fields.String()
    comments = fields.String()


class RobotActionDoc(_Documented):
    """A robot action (AbstractLims.store_robot_action's dictionary, sampleId renamed
    blSampleId, startTime/endTime renamed startTimestamp/endTimestamp by mxcubecore)."""

    sessionId = fields.Raw(required=True)
    blSampleId = fields.Raw()
    actionType = fields.String()
    status = fields.String()


class EnergyScanDoc(_Documented):
    """An energy scan (ISPyB's EnergyScan columns)."""

    sessionId = fields.Raw(required=True)
    blSampleId = fields.Raw()
    element = fields.String()


class EnergyScanSampleDoc(_Documented):
    """The sample of an energy scan."""

    energyScanId = fields.Raw(required=True)
    blSampleId = fields.Raw(required=True)


class XrfSpectrumDoc(_Documented):
    """An X-ray fluorescence spectrum (ISPyB's XFEFluorescenceSpectrum columns)."""

    sessionId = fields.Raw(required=True)
    blSampleId = fields.Raw()
    energy = fields.Float()
