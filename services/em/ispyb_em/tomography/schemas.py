from __future__ import annotations

from ..schemas import EMSchema
from .models import TiltImageAlignment, Tomogram

TOMOGRAM_READ_ONLY = ("tomogramId", "uuid", "recordTimeStamp")


class TomogramRead(EMSchema):
    """A reconstructed tomogram."""

    class Meta(EMSchema.Meta):
        model = Tomogram
        dump_only = TOMOGRAM_READ_ONLY


class TomogramCreate(EMSchema):
    """A new tomogram of a tilt series (data collection)."""

    class Meta(EMSchema.Meta):
        model = Tomogram
        exclude = TOMOGRAM_READ_ONLY


class TiltImageAlignmentRead(EMSchema):
    """The alignment of one tilt image (movie) in a tomogram."""

    class Meta(EMSchema.Meta):
        model = TiltImageAlignment
        dump_only = ("uuid",)


class TiltImageAlignmentCreate(EMSchema):
    """A new tilt image alignment: the movie and the tomogram are of one data collection."""

    class Meta(EMSchema.Meta):
        model = TiltImageAlignment
        exclude = ("uuid",)
