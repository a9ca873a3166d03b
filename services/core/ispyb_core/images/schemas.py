from __future__ import annotations

from marshmallow import fields

from ispyb_shared.schemas import ModelSchema

from .models import Image

READ_ONLY = ("imageId", "uuid", "recordTimeStamp")


class ImageRead(ModelSchema):
    """One image of a data collection."""

    dataCollectionUUID = fields.Function(
        lambda image: image.DataCollection.uuid,
        dump_only=True,
        metadata={"description": "UUID of the data collection (derived)."},
    )

    class Meta(ModelSchema.Meta):
        model = Image
        dump_only = READ_ONLY


class ImageCreate(ModelSchema):
    """A new image of a data collection."""

    class Meta(ModelSchema.Meta):
        model = Image
        exclude = READ_ONLY
        required_fields = ("dataCollectionId",)


class ImageUpdate(ImageCreate):
    """Changes to an image; only the fields sent are changed."""
