"""The bodies the sample routes document (py-ispyb's SampleCreate and SampleUpdate; the
routes take them as sent and check what they read, service.py)."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields


class _Documented(Schema):
    class Meta:
        unknown = EXCLUDE


class ProteinRefDoc(_Documented):
    proteinId = fields.Raw(metadata={"description": "The protein (of the sample's proposal)."})


class CrystalDoc(_Documented):
    """py-ispyb's Crystal block: an existing crystal (``crystalId``, its fields changed
    when sent) or a new one of ``Protein.proteinId``."""

    crystalId = fields.Raw(metadata={"description": "An existing crystal."})
    Protein = fields.Nested(ProteinRefDoc)
    space_group = fields.String()
    cell_a = fields.Raw()
    cell_b = fields.Raw()
    cell_c = fields.Raw()
    cell_alpha = fields.Raw()
    cell_beta = fields.Raw()
    cell_gamma = fields.Raw()
    size_X = fields.Raw()
    size_Y = fields.Raw()
    size_Z = fields.Raw()
    crystal_compositions = fields.List(
        fields.Raw(), metadata={"description": "Only [] (compositions are ssx's)."}
    )


class SampleWriteDoc(_Documented):
    """py-ispyb's SampleCreate / SampleUpdate (and mxcubecore's sample dictionary): the
    sample's own fields, its ``Crystal`` block; ``location`` an integer position."""

    name = fields.String()
    comments = fields.String()
    location = fields.Raw(metadata={"description": "Position in the container."})
    containerId = fields.Raw(metadata={"description": "The container (required to create)."})
    loopType = fields.String()
    Crystal = fields.Nested(CrystalDoc)
    sample_compositions = fields.List(
        fields.Raw(), metadata={"description": "Only [] (compositions are ssx's)."}
    )
