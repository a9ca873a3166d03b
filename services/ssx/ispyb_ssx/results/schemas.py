"""Bodies and answers of processing results and chunks, derived from the models."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema
from marshmallow_sqlalchemy import auto_field

from ispyb_shared.schemas import ModelSchema

from ..validation import (
    ANGLE,
    COUNT,
    IMAGE_NUMBER,
    NON_NEGATIVE,
    PERCENT,
    POSITIVE,
    not_blank,
)
from .models import FILE_TYPES, SSXHitChunk, SSXProcessingResult, SSXProcessingResultAttachment

# Core's names for the unit cell (cell_a .. cell_gamma), one rule for both services.
CELL_NAMES = {
    f"cell{part}{suffix}": f"cell_{part.lower()}{'_sd' if suffix else ''}"
    for part in ("A", "B", "C", "Alpha", "Beta", "Gamma")
    for suffix in ("", "Sd")
}
ATTACHMENT_KEYS = ("ssxProcessingResultAttachmentId", "uuid", "ssxProcessingResultId")
RESULT_KEYS = ("ssxProcessingResultId", "uuid", "ssxDataCollectionId")
CHUNK_KEYS = ("ssxHitChunkId", "uuid", "ssxDataCollectionId")


class AttachmentCreate(ModelSchema):
    """A file of a result (where the pipeline wrote it)."""

    fileType = auto_field(validate=validate.OneOf(FILE_TYPES))
    filePath = auto_field(validate=not_blank(SSXProcessingResultAttachment.filePath))
    fileName = auto_field(validate=not_blank(SSXProcessingResultAttachment.fileName))

    class Meta(ModelSchema.Meta):
        model = SSXProcessingResultAttachment
        exclude = ATTACHMENT_KEYS


class AttachmentRead(ModelSchema):
    """A file of a result."""

    class Meta(ModelSchema.Meta):
        model = SSXProcessingResultAttachment
        dump_only = ATTACHMENT_KEYS


class ResultCreate(ModelSchema):
    """A processing result of a run: Preliminary (live, partial) or Final."""

    numberOfImages = auto_field(validate=COUNT)
    numberOfHits = auto_field(validate=COUNT)
    numberOfIndexed = auto_field(validate=COUNT)
    nbCrystals = auto_field(validate=COUNT)
    hitRate = auto_field(validate=PERCENT)
    indexingRate = auto_field(validate=PERCENT)
    cellA = auto_field(validate=POSITIVE)
    cellB = auto_field(validate=POSITIVE)
    cellC = auto_field(validate=POSITIVE)
    cellAlpha = auto_field(validate=ANGLE)
    cellBeta = auto_field(validate=ANGLE)
    cellGamma = auto_field(validate=ANGLE)
    cellASd = auto_field(validate=NON_NEGATIVE)
    cellBSd = auto_field(validate=NON_NEGATIVE)
    cellCSd = auto_field(validate=NON_NEGATIVE)
    cellAlphaSd = auto_field(validate=NON_NEGATIVE)
    cellBetaSd = auto_field(validate=NON_NEGATIVE)
    cellGammaSd = auto_field(validate=NON_NEGATIVE)
    attachments = fields.List(
        fields.Nested(AttachmentCreate),
        load_default=list,
        metadata={"description": "Files of the result."},
    )

    class Meta(ModelSchema.Meta):
        model = SSXProcessingResult
        exclude = (*RESULT_KEYS, "postedBy", "recordTimeStamp")
        renamed = CELL_NAMES

    @validates_schema
    def _counts(self, data, **_kwargs):
        images, hits, indexed = (
            data.get("numberOfImages"),
            data.get("numberOfHits"),
            data.get("numberOfIndexed"),
        )
        if images is not None and hits is not None and hits > images:
            raise ValidationError("More hits than images.", "numberOfHits")
        if hits is not None and indexed is not None and indexed > hits:
            raise ValidationError("More indexed images than hits.", "numberOfIndexed")


class ResultRead(ModelSchema):
    """A processing result of a run, with its files."""

    attachments = fields.Nested(
        AttachmentRead,
        attribute="Attachments",
        many=True,
        dump_only=True,
        metadata={"description": "Files of the result."},
    )

    class Meta(ModelSchema.Meta):
        model = SSXProcessingResult
        dump_only = RESULT_KEYS
        renamed = CELL_NAMES


class ResultSummaryRead(ModelSchema):
    """The figures of a result shown with a run in a session's list."""

    class Meta(ModelSchema.Meta):
        model = SSXProcessingResult
        fields = ("indexingType", "status", "hitRate", "indexingRate", "nbCrystals", "spaceGroup")


class ChunkCreate(ModelSchema):
    """Hits and indexed images of one range of images of a run."""

    firstImage = auto_field(validate=IMAGE_NUMBER)
    lastImage = auto_field(validate=IMAGE_NUMBER)
    numberOfHits = auto_field(validate=COUNT)
    numberOfIndexed = auto_field(validate=COUNT)

    class Meta(ModelSchema.Meta):
        model = SSXHitChunk
        exclude = (*CHUNK_KEYS, "recordTimeStamp")

    @validates_schema
    def _range(self, data, **_kwargs):
        if data.get("lastImage", 0) < data.get("firstImage", 0):
            raise ValidationError("lastImage is before firstImage.", "lastImage")
        images = data.get("lastImage", 0) - data.get("firstImage", 0) + 1
        if data.get("numberOfHits", 0) > images:
            raise ValidationError("More hits than images in the chunk.", "numberOfHits")
        if data.get("numberOfIndexed", 0) > data.get("numberOfHits", 0):
            raise ValidationError("More indexed images than hits.", "numberOfIndexed")


class ChunkRead(ModelSchema):
    """One chunk of a run's live hit and indexing series, with its rates."""

    hitRate = fields.Float(
        dump_only=True,
        metadata={"description": SSXHitChunk.hitRate.__doc__},
    )
    indexingRate = fields.Float(
        dump_only=True,
        allow_none=True,
        metadata={"description": SSXHitChunk.indexingRate.__doc__},
    )

    class Meta(ModelSchema.Meta):
        model = SSXHitChunk
        dump_only = CHUNK_KEYS
