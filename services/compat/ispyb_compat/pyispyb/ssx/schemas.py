"""The bodies mxcubecore's SSX client sends (documented here; the service checks the
fields it reads, and ssx and core check the rest, their 422 naming the field)."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields


class _Documented(Schema):
    class Meta:
        unknown = EXCLUDE


class SSXGroupDoc(_Documented):
    """py-ispyb's SSXDataCollectionGroupCreate (mxcubecore's PyISPyBClient)."""

    sessionId = fields.Raw(required=True, metadata={"description": "Session id."})
    startTime = fields.String(required=True, metadata={"description": "ISO date-time."})
    endTime = fields.String(metadata={"description": "ISO date-time."})
    experimentType = fields.String(
        required=True, metadata={"description": "SSX-CHIP or SSX-Jet (any case)."}
    )
    experimentName = fields.String(metadata={"description": "Kept as the run's name."})
    sample = fields.Dict(metadata={"description": "Not kept (no sample is created)."})


class SSXDataCollectionDoc(_Documented):
    """py-ispyb's SSXDataCollectionCreate: the acquisition (core's DataCollection
    columns ssx takes), the SSX parameters, ``event_chains``."""

    dataCollectionGroupId = fields.Raw(
        required=True, metadata={"description": "The group answered by datacollectiongroup."}
    )
    numberOfImages = fields.Integer()
    exposureTime = fields.Float()
    wavelength = fields.Float()
    detectorDistance = fields.Float()
    imagePrefix = fields.String()
    imageDirectory = fields.String(metadata={"description": "Default: compat's setting."})
    fileTemplate = fields.String(metadata={"description": "Default: compat's setting."})
    startTime = fields.String()
    endTime = fields.String()
    event_chains = fields.List(fields.Dict())
