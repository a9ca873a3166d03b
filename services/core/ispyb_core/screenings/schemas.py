from __future__ import annotations

from marshmallow import fields

from ispyb_shared.schemas import ModelSchema

from .models import (
    Screening,
    ScreeningOutput,
    ScreeningOutputLattice,
    ScreeningStrategy,
    ScreeningStrategySubWedge,
    ScreeningStrategyWedge,
)


def _children(schema, attribute: str, description: str, **kwargs):
    return fields.List(
        fields.Nested(schema), attribute=attribute, metadata={"description": description}, **kwargs
    )


# --- read --------------------------------------------------------------------------------


class ScreeningStrategySubWedgeRead(ModelSchema):
    class Meta(ModelSchema.Meta):
        model = ScreeningStrategySubWedge


class ScreeningStrategyWedgeRead(ModelSchema):
    subWedges = _children(
        ScreeningStrategySubWedgeRead, "ScreeningStrategySubWedge", "Its sub-wedges."
    )

    class Meta(ModelSchema.Meta):
        model = ScreeningStrategyWedge


class ScreeningStrategyRead(ModelSchema):
    wedges = _children(ScreeningStrategyWedgeRead, "ScreeningStrategyWedge", "Its wedges.")

    class Meta(ModelSchema.Meta):
        model = ScreeningStrategy


class ScreeningOutputLatticeRead(ModelSchema):
    class Meta(ModelSchema.Meta):
        model = ScreeningOutputLattice


class ScreeningOutputRead(ModelSchema):
    lattices = _children(
        ScreeningOutputLatticeRead, "ScreeningOutputLattice", "Lattices found by the indexing."
    )
    strategies = _children(ScreeningStrategyRead, "ScreeningStrategy", "Strategies proposed.")

    class Meta(ModelSchema.Meta):
        model = ScreeningOutput


class ScreeningRead(ModelSchema):
    """A screening with everything it found: outputs, their lattices and strategies, the
    strategies' wedges and sub-wedges."""

    outputs = _children(ScreeningOutputRead, "ScreeningOutput", "What the screening found.")

    class Meta(ModelSchema.Meta):
        model = Screening


# --- write (one document, one transaction) -----------------------------------------------


class ScreeningStrategySubWedgeCreate(ModelSchema):
    class Meta(ModelSchema.Meta):
        model = ScreeningStrategySubWedge
        exclude = ("screeningStrategySubWedgeId", "screeningStrategyWedgeId", "uuid")


class ScreeningStrategyWedgeCreate(ModelSchema):
    subWedges = fields.List(fields.Nested(ScreeningStrategySubWedgeCreate), load_default=list)

    class Meta(ModelSchema.Meta):
        model = ScreeningStrategyWedge
        exclude = ("screeningStrategyWedgeId", "screeningStrategyId", "uuid")


class ScreeningStrategyCreate(ModelSchema):
    wedges = fields.List(fields.Nested(ScreeningStrategyWedgeCreate), load_default=list)

    class Meta(ModelSchema.Meta):
        model = ScreeningStrategy
        exclude = ("screeningStrategyId", "screeningOutputId", "uuid")


class ScreeningOutputLatticeCreate(ModelSchema):
    class Meta(ModelSchema.Meta):
        model = ScreeningOutputLattice
        exclude = ("screeningOutputLatticeId", "screeningOutputId", "uuid", "bltimeStamp")


class ScreeningOutputCreate(ModelSchema):
    lattices = fields.List(fields.Nested(ScreeningOutputLatticeCreate), load_default=list)
    strategies = fields.List(fields.Nested(ScreeningStrategyCreate), load_default=list)

    class Meta(ModelSchema.Meta):
        model = ScreeningOutput
        exclude = ("screeningOutputId", "screeningId", "uuid")


class ScreeningUpdate(ModelSchema):
    """Changes to a screening's own fields (comments, program...)."""

    class Meta(ModelSchema.Meta):
        model = Screening
        exclude = ("screeningId", "uuid", "bltimeStamp")


class ScreeningCreate(ScreeningUpdate):
    """A screening of a data collection (``dataCollectionId``; its group is set from it)
    or of a group (``dataCollectionGroupId``), with its outputs, lattices, strategies,
    wedges and sub-wedges, written in one transaction."""

    outputs = fields.List(
        fields.Nested(ScreeningOutputCreate),
        load_default=list,
        metadata={"description": "What the screening found, each with lattices and strategies."},
    )
