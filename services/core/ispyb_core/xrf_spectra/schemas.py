from __future__ import annotations

from marshmallow_sqlalchemy import auto_field

from ispyb_shared.schemas import ModelSchema

from ..acquisition import (
    sample_reference_field,
    session_reference_field,
    session_uuid_field,
    visit_field,
)
from .models import XFEFluorescenceSpectrum

READ_ONLY = ("xfeFluorescenceSpectrumId", "uuid")


class XrfSpectrumRead(ModelSchema):
    """An X-ray fluorescence spectrum of a sample in a session."""

    visit = visit_field()
    sessionUUID = session_uuid_field()

    class Meta(ModelSchema.Meta):
        model = XFEFluorescenceSpectrum
        dump_only = READ_ONLY


class XrfSpectrumUpdate(ModelSchema):
    """Changes to a fluorescence spectrum; only the fields sent are changed."""

    class Meta(ModelSchema.Meta):
        model = XFEFluorescenceSpectrum
        exclude = READ_ONLY


class XrfSpectrumCreate(XrfSpectrumUpdate):
    """A new fluorescence spectrum: the session by ``sessionId`` or ``session`` (visit, id or
    UUID), the sample by ``blSampleId`` or ``sample`` (id, UUID or name in the proposal)."""

    sessionId = auto_field(required=False)
    session = session_reference_field()
    sample = sample_reference_field()
