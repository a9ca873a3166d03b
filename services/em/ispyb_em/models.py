"""Every model of em, imported once so the metadata is complete (migrations, tests)."""

from .classification.models import (
    CryoemInitialModel,
    ParticleClassification,
    ParticleClassificationGroup,
    ParticleClassificationHasCryoemInitialModel,
    ParticlePicker,
)
from .database import Base, IdempotencyRecord
from .grids.models import Atlas, FoilHole, GridSquare
from .motion_correction.models import CTF, MotionCorrection, RelativeIceThickness
from .movies.models import Movie
from .programs.models import AutoProcProgram
from .tomography.models import TiltImageAlignment, Tomogram

__all__ = [
    "CTF",
    "Atlas",
    "AutoProcProgram",
    "Base",
    "CryoemInitialModel",
    "FoilHole",
    "GridSquare",
    "IdempotencyRecord",
    "MotionCorrection",
    "Movie",
    "ParticleClassification",
    "ParticleClassificationGroup",
    "ParticleClassificationHasCryoemInitialModel",
    "ParticlePicker",
    "RelativeIceThickness",
    "TiltImageAlignment",
    "Tomogram",
]
