from __future__ import annotations

from marshmallow import fields, validate

from ispyb_shared.schemas import ModelSchema

from .models import FILE_TYPES, DataCollectionFileAttachment

READ_ONLY = ("dataCollectionFileAttachmentId", "uuid", "dataCollectionId", "createTime")


class DataCollectionFileAttachmentRead(ModelSchema):
    """A file attached to a data collection (its bytes: ``/file``)."""

    fileName = fields.Function(
        lambda attachment: attachment.fileFullPath.rstrip("/").rsplit("/", 1)[-1],
        dump_only=True,
        metadata={"description": "The file's name, without its directory (derived)."},
    )

    class Meta(ModelSchema.Meta):
        model = DataCollectionFileAttachment
        dump_only = READ_ONLY


class DataCollectionFileAttachmentCreate(ModelSchema):
    """A new file of a data collection (a pipeline's output)."""

    class Meta(ModelSchema.Meta):
        model = DataCollectionFileAttachment
        exclude = READ_ONLY
        required_fields = ("fileFullPath", "fileType")

    def on_bind_field(self, field_name, field_obj):
        super().on_bind_field(field_name, field_obj)
        if field_name == "fileType":
            field_obj.validators = [validate.OneOf(FILE_TYPES)]
        if field_name == "fileFullPath":
            field_obj.validators = [
                *field_obj.validators,
                validate.Regexp(r"^/", error="An absolute path expected."),
            ]
