from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate
from marshmallow_sqlalchemy import auto_field

from ispyb_shared.schemas import ModelSchema

from ..acquisition import NamedReference
from ..samples.schemas import SampleRead
from .models import (
    EXPERIMENT_TYPES,
    DataCollection,
    DataCollectionGroup,
    DataCollectionRegistration,
)

GROUP_READ_ONLY = ("dataCollectionGroupId", "uuid", "workflowId")
READ_ONLY = ("dataCollectionId", "uuid", "sampleName", "proteinAcronym")
# The nested blocks of a sweep, answered on request (expand=, data_collections.api).
BLOCKS = ("dataCollectionGroup", "blSample")
POSITIVE = validate.Range(min=0, min_inclusive=False, error="Must be greater than 0.")
NOT_NEGATIVE = validate.Range(min=0, error="Must not be negative.")


def _session(group: DataCollectionGroup):
    return group.BLSession


class DataCollectionGroupRead(ModelSchema):
    """An experiment on one sample; its data collections are the sweeps."""

    sessionUUID = fields.Function(
        lambda group: _session(group).uuid,
        dump_only=True,
        metadata={"description": "UUID of the session (derived)."},
    )
    visit = fields.Function(
        lambda group: _session(group).visit,
        dump_only=True,
        metadata={"description": "Visit name of the session, e.g. mx1234-5 (derived)."},
    )

    class Meta(ModelSchema.Meta):
        model = DataCollectionGroup
        dump_only = GROUP_READ_ONLY


class DataCollectionGroupCreate(ModelSchema):
    """A new group (experiment)."""

    class Meta(ModelSchema.Meta):
        model = DataCollectionGroup
        exclude = GROUP_READ_ONLY
        required_fields = ("sessionId", "experimentType")


class DataCollectionGroupUpdate(DataCollectionGroupCreate):
    """Changes to a group; only the fields sent are changed."""


class _AcquisitionFields(ModelSchema):
    """Physical sanity of acquisition parameters (a typo must not become data)."""

    wavelength = auto_field(validate=POSITIVE)
    exposureTime = auto_field(validate=NOT_NEGATIVE)
    numberOfImages = auto_field(validate=NOT_NEGATIVE)
    detectorDistance = auto_field(validate=POSITIVE)
    resolution = auto_field(validate=POSITIVE)
    transmission = auto_field(
        validate=validate.Range(min=0, max=100, error="Must be between 0 and 100 (%).")
    )
    flux = auto_field(validate=NOT_NEGATIVE)
    flux_end = auto_field(validate=NOT_NEGATIVE)
    beamSizeAtSampleX = auto_field(validate=NOT_NEGATIVE)
    beamSizeAtSampleY = auto_field(validate=NOT_NEGATIVE)

    class Meta(ModelSchema.Meta):
        model = DataCollection


class DataCollectionRead(ModelSchema):
    """One sweep: acquisition parameters, with its group's session and experiment."""

    dataCollectionGroupUUID = fields.Function(
        lambda dc: dc.DataCollectionGroup.uuid,
        dump_only=True,
        metadata={"description": "UUID of the group (derived)."},
    )
    sessionId = fields.Function(
        lambda dc: dc.DataCollectionGroup.sessionId,
        dump_only=True,
        metadata={"description": "The session (BLSession.sessionId), from the group."},
    )
    sessionUUID = fields.Function(
        lambda dc: dc.DataCollectionGroup.BLSession.uuid,
        dump_only=True,
        metadata={"description": "UUID of the session (derived)."},
    )
    visit = fields.Function(
        lambda dc: dc.DataCollectionGroup.BLSession.visit,
        dump_only=True,
        metadata={"description": "Visit name of the session, e.g. mx1234-5 (derived)."},
    )
    experimentType = fields.Function(
        lambda dc: dc.DataCollectionGroup.experimentType,
        dump_only=True,
        metadata={"description": "The group's experiment type (derived)."},
    )
    blSampleId = fields.Function(
        lambda dc: dc.DataCollectionGroup.blSampleId,
        dump_only=True,
        metadata={"description": "The group's sample (BLSample.blSampleId), from the group."},
    )
    sampleName = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "The name of the group's sample (derived)."},
    )
    proteinAcronym = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "The acronym of the sample's protein (derived)."},
    )
    dataCollectionGroup = fields.Nested(
        DataCollectionGroupRead,
        attribute="DataCollectionGroup",
        dump_only=True,
        metadata={"description": "The group (experiment) of the sweep (expand=)."},
    )
    blSample = fields.Nested(
        SampleRead,
        attribute="DataCollectionGroup.BLSample",
        exclude=("Crystal", "DiffractionPlan"),
        dump_only=True,
        allow_none=True,
        metadata={"description": "The group's sample, null when none (expand=)."},
    )

    class Meta(ModelSchema.Meta):
        model = DataCollection
        dump_only = READ_ONLY


class NewGroupFields(ModelSchema):
    """The other fields of the group a data collection creates (its session, sample and
    experiment type are named beside the sweep's fields)."""

    class Meta(ModelSchema.Meta):
        model = DataCollectionGroup
        exclude = (*GROUP_READ_ONLY, "sessionId", "blSampleId", "experimentType")


class DataCollectionCreate(_AcquisitionFields):
    """A new sweep: in an existing group (``dataCollectionGroupId``), or with its group,
    created in the same transaction (``session``, ``experimentType``, optionally
    ``sample`` and ``dataCollectionGroup``)."""

    dataCollectionGroupId = auto_field(
        required=False,
        metadata={"description": "The existing group of the sweep; or name a session."},
    )
    session = NamedReference(
        load_only=True,
        metadata={
            "description": "The session of the new group: visit (mx1234-5), id or UUID. "
            "Without dataCollectionGroupId only."
        },
    )
    sample = NamedReference(
        load_only=True,
        metadata={
            "description": "The sample of the new group: id, UUID or name within the "
            "session's proposal. Without dataCollectionGroupId only."
        },
    )
    experimentType = fields.String(
        load_only=True,
        validate=validate.OneOf(EXPERIMENT_TYPES),
        metadata={"description": "Experiment type of the new group (required with session)."},
    )
    dataCollectionGroup = fields.Nested(
        NewGroupFields,
        load_only=True,
        metadata={"description": "Other fields of the new group (comments, times...)."},
    )

    class Meta(_AcquisitionFields.Meta):
        exclude = READ_ONLY


class DataCollectionUpdate(_AcquisitionFields):
    """Changes to a sweep (e.g. endTime and runStatus when it finishes)."""

    class Meta(_AcquisitionFields.Meta):
        exclude = READ_ONLY


class RegistrationDataCollectionCreate(_AcquisitionFields):
    """The sweep of a registration (its group is the registration's)."""

    class Meta(_AcquisitionFields.Meta):
        exclude = (*READ_ONLY, "dataCollectionGroupId")


class DataCollectionRegistrationCreate(Schema):
    """A group and its first data collection, registered together under the caller's key."""

    class Meta:
        unknown = RAISE
        ordered = True

    dataCollectionGroup = fields.Nested(
        DataCollectionGroupCreate,
        required=True,
        metadata={"description": "The group (experiment): sessionId and experimentType."},
    )
    dataCollection = fields.Nested(
        RegistrationDataCollectionCreate,
        required=True,
        metadata={"description": "The data collection (sweep) in that group."},
    )


class DataCollectionRegistrationRead(ModelSchema):
    """What a key registered: the group and data collection (null once cancelled)."""

    dataCollectionGroup = fields.Nested(
        DataCollectionGroupRead,
        attribute="DataCollectionGroup",
        dump_only=True,
        allow_none=True,
        metadata={"description": "The group created (null once cancelled)."},
    )
    dataCollection = fields.Nested(
        DataCollectionRead,
        attribute="DataCollection",
        dump_only=True,
        allow_none=True,
        metadata={"description": "The data collection created (null once cancelled)."},
    )

    class Meta(ModelSchema.Meta):
        model = DataCollectionRegistration
        exclude = ("dataCollectionRegistrationId", "requestHash")
        dump_only = (
            "uuid",
            "registrationKey",
            "status",
            "dataCollectionGroupId",
            "dataCollectionId",
            "requestedBy",
            "createdAt",
            "cancelledAt",
        )
