from __future__ import annotations

from marshmallow import fields

from ..classification.schemas import ParticlePickerRead
from ..motion_correction.schemas import CTFRead, MotionCorrectionRead, RelativeIceThicknessRead
from ..schemas import EMSchema
from .models import Movie


class MotionCorrectionWithResults(MotionCorrectionRead):
    """A motion correction with the results of its micrograph."""

    ctfs = fields.List(
        fields.Nested(CTFRead), dump_only=True, metadata={"description": "CTF estimations."}
    )
    relativeIceThicknesses = fields.List(
        fields.Nested(RelativeIceThicknessRead),
        dump_only=True,
        metadata={"description": "Relative ice thickness measurements."},
    )
    particlePickers = fields.List(
        fields.Nested(ParticlePickerRead),
        dump_only=True,
        metadata={"description": "Particle pickings starting at this micrograph."},
    )


class MovieRead(EMSchema):
    """A movie with its motion corrections and, under each, its micrograph's results."""

    motionCorrections = fields.List(
        fields.Nested(MotionCorrectionWithResults),
        dump_only=True,
        metadata={"description": "Motion corrections, one per program run."},
    )

    class Meta(EMSchema.Meta):
        model = Movie
        dump_only = ("movieId", "uuid")
