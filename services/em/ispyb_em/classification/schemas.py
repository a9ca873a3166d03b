from __future__ import annotations

from marshmallow import fields, validate

from ..schemas import EMSchema
from .models import (
    CryoemInitialModel,
    ParticleClassification,
    ParticleClassificationGroup,
    ParticlePicker,
)

PICKER_READ_ONLY = ("particlePickerId", "uuid")


class ParticlePickerRead(EMSchema):
    """A particle picking run."""

    class Meta(EMSchema.Meta):
        model = ParticlePicker
        dump_only = PICKER_READ_ONLY


class ParticlePickerCreate(EMSchema):
    """A new particle picking (per micrograph, pickings usually come with the movie
    batch instead)."""

    class Meta(EMSchema.Meta):
        model = ParticlePicker
        exclude = PICKER_READ_ONLY
        required_fields = ("programId",)


CLASS_READ_ONLY = ("particleClassificationId", "uuid", "particleClassificationGroupId")


class ParticleClassificationRead(EMSchema):
    """One class of a 2D/3D classification, with its image."""

    class Meta(EMSchema.Meta):
        model = ParticleClassification
        dump_only = CLASS_READ_ONLY


class ParticleClassificationCreate(EMSchema):
    """One class, created with its group."""

    class Meta(EMSchema.Meta):
        model = ParticleClassification
        exclude = CLASS_READ_ONLY
        required_fields = ("classNumber",)


class ParticleClassificationUpdate(EMSchema):
    """A class's selection or figures (its group stays)."""

    class Meta(EMSchema.Meta):
        model = ParticleClassification
        exclude = (*CLASS_READ_ONLY, "classNumber")


GROUP_READ_ONLY = ("particleClassificationGroupId", "uuid")


class ParticleClassificationGroupRead(EMSchema):
    """A classification batch with its classes (ordered by class number)."""

    classes = fields.List(
        fields.Nested(ParticleClassificationRead),
        dump_only=True,
        metadata={"description": "The batch's classes, by classNumber."},
    )

    class Meta(EMSchema.Meta):
        model = ParticleClassificationGroup
        dump_only = GROUP_READ_ONLY


class ParticleClassificationGroupCreate(EMSchema):
    """A classification batch and its classes, created together."""

    classes = fields.List(
        fields.Nested(ParticleClassificationCreate),
        load_default=list,
        validate=validate.Length(max=1000),
        metadata={"description": "The classes (classNumber unique within the batch)."},
    )

    class Meta(EMSchema.Meta):
        model = ParticleClassificationGroup
        exclude = GROUP_READ_ONLY
        required_fields = ("programId", "type")


MODEL_READ_ONLY = ("cryoemInitialModelId", "uuid")


class CryoemInitialModelRead(EMSchema):
    """An initial model and the classes it was built from."""

    particleClassificationIds = fields.List(
        fields.Integer(),
        dump_only=True,
        metadata={"description": "The classes it was built from (ParticleClassification)."},
    )

    class Meta(EMSchema.Meta):
        model = CryoemInitialModel
        dump_only = MODEL_READ_ONLY


class CryoemInitialModelCreate(EMSchema):
    """A new initial model, linked to the classes it was built from."""

    particleClassificationIds = fields.List(
        fields.Integer(strict=True),
        required=True,
        validate=validate.Length(min=1, max=1000),
        metadata={
            "description": "The classes it was built from, all of one data collection "
            "(ParticleClassification.particleClassificationId)."
        },
    )

    class Meta(EMSchema.Meta):
        model = CryoemInitialModel
        exclude = MODEL_READ_ONLY
