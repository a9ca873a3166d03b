"""The numeric fields live monitoring can summarise and plot, with their units."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..classification.models import ParticlePicker
from ..motion_correction.models import CTF, MotionCorrection, RelativeIceThickness
from ..movies.models import Movie


@dataclass(frozen=True)
class NumericField:
    name: str
    model: type
    column: Any
    unit: str
    meaning: str


def _field(name: str, model: type, column_name: str, unit: str) -> NumericField:
    column = getattr(model, column_name)
    return NumericField(name, model, column, unit, column.property.doc or "")


NUMERIC_FIELDS: dict[str, NumericField] = {
    item.name: item
    for item in (
        _field("nominalDefocus", Movie, "nominalDefocus", "Å"),
        _field("angle", Movie, "angle", "°"),
        _field("fluence", Movie, "fluence", "e⁻/Å²"),
        _field("numberOfFrames", Movie, "numberOfFrames", "frames"),
        _field("positionX", Movie, "positionX", ""),
        _field("positionY", Movie, "positionY", ""),
        _field("totalMotion", MotionCorrection, "totalMotion", "Å"),
        _field("averageMotionPerFrame", MotionCorrection, "averageMotionPerFrame", "Å"),
        _field("dosePerFrame", MotionCorrection, "dosePerFrame", "e⁻/Å²"),
        _field("doseWeight", MotionCorrection, "doseWeight", ""),
        _field("estimatedDefocus", CTF, "estimatedDefocus", "Å"),
        _field("estimatedResolution", CTF, "estimatedResolution", "Å"),
        _field("astigmatism", CTF, "astigmatism", "Å"),
        _field("astigmatismAngle", CTF, "astigmatismAngle", "°"),
        _field("ccValue", CTF, "ccValue", ""),
        _field("iceRingDensity", CTF, "iceRingDensity", ""),
        _field("amplitudeContrast", CTF, "amplitudeContrast", ""),
        _field("minResolution", CTF, "minResolution", "Å"),
        _field("maxResolution", CTF, "maxResolution", "Å"),
        _field("relativeIceThickness.minimum", RelativeIceThickness, "minimum", ""),
        _field("relativeIceThickness.q1", RelativeIceThickness, "q1", ""),
        _field("relativeIceThickness.median", RelativeIceThickness, "median", ""),
        _field("relativeIceThickness.q3", RelativeIceThickness, "q3", ""),
        _field("relativeIceThickness.maximum", RelativeIceThickness, "maximum", ""),
        _field("numberOfParticles", ParticlePicker, "numberOfParticles", "particles"),
        _field("particleDiameter", ParticlePicker, "particleDiameter", "nm"),
    )
}

# What the summary describes, beyond counts.
SUMMARY_FIELDS = (
    "totalMotion",
    "averageMotionPerFrame",
    "estimatedDefocus",
    "estimatedResolution",
    "astigmatism",
    "relativeIceThickness.median",
    "numberOfParticles",
)
PERCENTILES = (5, 25, 50, 75, 95)
