from __future__ import annotations

from marshmallow import fields, validate

from ispyb_shared.schemas import ModelSchema

from .models import AutoProcProgramMessage

READ_ONLY = ("autoProcProgramMessageId", "uuid", "recordTimeStamp")


class ProcessingMessageRead(ModelSchema):
    """A message a processing run reported."""

    class Meta(ModelSchema.Meta):
        model = AutoProcProgramMessage
        dump_only = READ_ONLY


class ProcessingMessageCreate(ModelSchema):
    """A new message of a processing run (the pipeline that runs it)."""

    autoProcProgramId = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "The processing run (AutoProcProgram id)."},
    )

    class Meta(ModelSchema.Meta):
        model = AutoProcProgramMessage
        exclude = READ_ONLY
