from __future__ import annotations

from marshmallow import fields, validate

from ispyb_shared.schemas import ModelSchema, StrictSchema

from ..data_collections.models import DataCollection
from .models import ImageQualityIndicators

READ_ONLY = ("uuid", "dataCollectionId", "recordTimeStamp", "autoProcProgramId")
# Diamond's imageNumber is a MEDIUMINT UNSIGNED.
IMAGE_NUMBER = validate.Range(min=0, max=2**24 - 1)
# One POST carries at most this many images (a 100 x 100 grid scan, a 7200-image sweep).
MAX_IMAGES = 10000
PLOT_PATH_LENGTH = DataCollection.__table__.c.imageQualityIndicatorsPlotPath.type.length


class ImageQualityIndicatorsRead(ModelSchema):
    """The per-image analysis of one image of a data collection."""

    class Meta(ModelSchema.Meta):
        model = ImageQualityIndicators
        dump_only = READ_ONLY


class ImageQualityIndicatorsCreate(ModelSchema):
    """The analysis of one image; an image number already recorded is replaced."""

    class Meta(ModelSchema.Meta):
        model = ImageQualityIndicators
        exclude = READ_ONLY
        required_fields = ("imageNumber",)

    def on_bind_field(self, field_name, field_obj):
        super().on_bind_field(field_name, field_obj)
        if field_name == "imageNumber":
            field_obj.validators = [*field_obj.validators, IMAGE_NUMBER]


class ImageQualityDocument(StrictSchema):
    """What a per-image analysis pipeline posts for one data collection, in one
    transaction: the images analysed, the run that analysed them, and its plot."""

    autoProcProgramId = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "The processing run (AutoProcProgram) of the analysis."},
    )
    imageQualityIndicatorsPlotPath = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=PLOT_PATH_LENGTH),
        metadata={"description": "Path of the analysis' plot (set on the data collection)."},
    )
    images = fields.List(
        fields.Nested(ImageQualityIndicatorsCreate),
        required=True,
        validate=validate.Length(min=1, max=MAX_IMAGES),
        metadata={"description": f"The images analysed (1 to {MAX_IMAGES})."},
    )


class ImageQualityRecorded(StrictSchema):
    """What a per-image analysis post wrote."""

    dataCollectionId = fields.Integer(metadata={"description": "The data collection."})
    created = fields.Integer(metadata={"description": "Images recorded for the first time."})
    replaced = fields.Integer(metadata={"description": "Images whose analysis was replaced."})
