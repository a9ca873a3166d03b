from __future__ import annotations

from ..resources import OwnedResource
from .models import CTF, MotionCorrection, RelativeIceThickness
from .schemas import CTFRead, MotionCorrectionRead, RelativeIceThicknessRead

# Written by POST /movies/batch; read here one by one, and per data collection through
# the per-movie series (monitoring).
MOTION_CORRECTIONS = OwnedResource(
    model=MotionCorrection, what="Motion correction", read=MotionCorrectionRead
)
CTFS = OwnedResource(model=CTF, what="CTF", read=CTFRead)
RELATIVE_ICE_THICKNESSES = OwnedResource(
    model=RelativeIceThickness, what="Relative ice thickness", read=RelativeIceThicknessRead
)
