from __future__ import annotations

from ..schemas import EMSchema
from .models import CTF, MotionCorrection, RelativeIceThickness


class MotionCorrectionRead(EMSchema):
    """Motion correction of a movie."""

    class Meta(EMSchema.Meta):
        model = MotionCorrection
        dump_only = ("motionCorrectionId", "uuid")


class CTFRead(EMSchema):
    """CTF estimation of a micrograph."""

    class Meta(EMSchema.Meta):
        model = CTF
        dump_only = ("ctfId", "uuid")


class RelativeIceThicknessRead(EMSchema):
    """Relative ice thickness of a micrograph."""

    class Meta(EMSchema.Meta):
        model = RelativeIceThickness
        dump_only = ("relativeIceThicknessId", "uuid")
