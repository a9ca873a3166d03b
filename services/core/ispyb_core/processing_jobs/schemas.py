from __future__ import annotations

from marshmallow import fields, validate

from ispyb_shared.schemas import ModelSchema

from .models import ProcessingJob, ProcessingJobParameter

JOB_READ_ONLY = ("processingJobId", "uuid", "recordTimestamp")
PARAMETER_READ_ONLY = ("processingJobParameterId", "uuid", "processingJobId")


class ProcessingJobParameterRead(ModelSchema):
    class Meta(ModelSchema.Meta):
        model = ProcessingJobParameter
        dump_only = PARAMETER_READ_ONLY


class ProcessingJobRead(ModelSchema):
    """A processing request for a data collection, with its parameters."""

    parameters = fields.List(
        fields.Nested(ProcessingJobParameterRead),
        attribute="ProcessingJobParameter",
        dump_only=True,
        metadata={"description": "Its parameters, in the order they were given."},
    )

    class Meta(ModelSchema.Meta):
        model = ProcessingJob
        dump_only = JOB_READ_ONLY


class ProcessingJobParameterCreate(ModelSchema):
    class Meta(ModelSchema.Meta):
        model = ProcessingJobParameter
        exclude = PARAMETER_READ_ONLY


class ProcessingJobCreate(ModelSchema):
    """A new processing job with its parameters (one transaction)."""

    dataCollectionId = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "The data collection to process."},
    )
    parameters = fields.List(
        fields.Nested(ProcessingJobParameterCreate),
        load_default=list,
        validate=validate.Length(max=1000),
        metadata={"description": "Its parameters (at most 1000)."},
    )

    class Meta(ModelSchema.Meta):
        model = ProcessingJob
        exclude = JOB_READ_ONLY
