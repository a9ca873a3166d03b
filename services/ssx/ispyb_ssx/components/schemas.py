"""Bodies and answers of components and compositions, derived from the models."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from marshmallow_sqlalchemy import auto_field

from ispyb_shared.schemas import ModelSchema

from ..validation import NON_NEGATIVE, PH, not_blank
from .models import (
    COMPONENT_TYPES,
    CONCENTRATION_SYMBOLS,
    Component,
    ComponentType,
    ConcentrationType,
    CrystalComposition,
    SampleComposition,
)

COMPONENT_TYPE = fields.String(
    validate=validate.OneOf(COMPONENT_TYPES),
    metadata={"description": "Name of the component type: " + ", ".join(COMPONENT_TYPES)},
)
CONCENTRATION_TYPE = fields.String(
    allow_none=True,
    validate=validate.OneOf(CONCENTRATION_SYMBOLS),
    metadata={"description": "Unit symbol of abundance: " + ", ".join(CONCENTRATION_SYMBOLS)},
)


class ComponentTypeRead(ModelSchema):
    """A kind of component (fixed vocabulary)."""

    class Meta(ModelSchema.Meta):
        model = ComponentType


class ConcentrationTypeRead(ModelSchema):
    """A unit of abundance (fixed vocabulary)."""

    class Meta(ModelSchema.Meta):
        model = ConcentrationType


class ComponentRead(ModelSchema):
    """A component (ligand, buffer, jet material, ...) of a proposal."""

    componentType = fields.String(
        attribute="ComponentType.name",
        dump_only=True,
        metadata={"description": "Name of the component type."},
    )

    class Meta(ModelSchema.Meta):
        model = Component
        dump_only = ("componentId", "uuid")


class ComponentByName(ModelSchema):
    """A component named in a run registration: the proposal's component of this name and
    type, created when the proposal has none."""

    name = auto_field(validate=not_blank(Component.name))
    componentType = fields.String(
        required=True,
        validate=validate.OneOf(COMPONENT_TYPES),
        metadata={"description": "Name of the component type: " + ", ".join(COMPONENT_TYPES)},
    )

    class Meta(ModelSchema.Meta):
        model = Component
        fields = ("name", "componentType", "composition")


class ComponentTypeChoice(Schema):
    """``componentTypeId`` or ``componentType`` (its name), not both."""

    componentType = COMPONENT_TYPE

    @validates_schema
    def _one_type(self, data, partial=None, **_kwargs):
        given = [key for key in ("componentTypeId", "componentType") if data.get(key) is not None]
        if len(given) > 1:
            raise ValidationError("Give componentTypeId or componentType, not both.", given[1])
        if not given and not partial:
            raise ValidationError("Give componentTypeId or componentType.", "componentType")


class ComponentCreate(ComponentTypeChoice, ModelSchema):
    """A new component of a proposal; (name, type, proposal) is unique."""

    proposalUUID = fields.UUID(required=True, metadata={"description": "The core proposal."})
    name = auto_field(validate=not_blank(Component.name))
    componentTypeId = auto_field(required=False)

    class Meta(ModelSchema.Meta):
        model = Component
        exclude = ("componentId", "uuid")
        required_fields = ("name",)


class ComponentUpdate(ComponentTypeChoice, ModelSchema):
    """Changes to a component; only the fields sent are changed. A component stays in its
    proposal."""

    name = auto_field(validate=not_blank(Component.name))
    componentTypeId = auto_field(required=False)

    class Meta(ModelSchema.Meta):
        model = Component
        exclude = ("componentId", "uuid", "proposalUUID")


class CompositionRead(ModelSchema):
    component = fields.Nested(
        ComponentRead,
        attribute="Component",
        dump_only=True,
        metadata={"description": "The component (nested)."},
    )
    concentrationType = fields.String(
        attribute="ConcentrationType.symbol",
        dump_only=True,
        allow_none=True,
        dump_default=None,
        metadata={"description": "Unit symbol of abundance."},
    )


class SampleCompositionRead(CompositionRead):
    """One component of a core sample."""

    class Meta(ModelSchema.Meta):
        model = SampleComposition


class CrystalCompositionRead(CompositionRead):
    """One component of a core crystal."""

    class Meta(ModelSchema.Meta):
        model = CrystalComposition


class CompositionChoice(Schema):
    """``componentId`` or ``componentUUID`` (not both); the unit by its symbol."""

    componentUUID = fields.UUID(metadata={"description": "The component, by UUID."})
    concentrationType = CONCENTRATION_TYPE

    @validates_schema
    def _one_component(self, data, **_kwargs):
        given = [key for key in ("componentId", "componentUUID") if data.get(key) is not None]
        if len(given) > 1:
            raise ValidationError("Give componentId or componentUUID, not both.", given[1])
        if not given:
            raise ValidationError("Give componentId or componentUUID.", "componentId")


class SampleCompositionCreate(CompositionChoice, ModelSchema):
    """A component of a core sample (the sample must be in the component's proposal)."""

    componentId = auto_field(required=False)
    abundance = auto_field(validate=NON_NEGATIVE)
    ratio = auto_field(validate=NON_NEGATIVE)
    pH = auto_field(validate=PH)
    blSampleUUID = fields.UUID(required=True, metadata={"description": "The core sample."})

    class Meta(ModelSchema.Meta):
        model = SampleComposition
        exclude = ("sampleCompositionId", "uuid", "concentrationTypeId")


class CrystalCompositionCreate(CompositionChoice, ModelSchema):
    """A component of a core crystal (the crystal must be in the component's proposal)."""

    componentId = auto_field(required=False)
    abundance = auto_field(validate=NON_NEGATIVE)
    ratio = auto_field(validate=NON_NEGATIVE)
    pH = auto_field(validate=PH)
    crystalUUID = fields.UUID(required=True, metadata={"description": "The core crystal."})

    class Meta(ModelSchema.Meta):
        model = CrystalComposition
        exclude = ("crystalCompositionId", "uuid", "concentrationTypeId")
