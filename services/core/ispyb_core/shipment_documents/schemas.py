"""The one-shot shipment document: a whole shipment in one JSON object.

Every part is derived from the schema of its resource (same fields, types and checks),
without the fields the document itself supplies (the shipment of a dewar, the dewar of a
container...) and without the fields that are the facility's (storage locations, sample
changer positions, staff comments, safety levels). docs/shipments.md has an example.
"""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from ispyb_shared.schemas import ISPyBModelConverter, ModelSchema

from ..containers import service as containers
from ..containers.schemas import READ_ONLY as CONTAINER_READ_ONLY
from ..containers.schemas import ContainerFields
from ..crystals.schemas import READ_ONLY as CRYSTAL_READ_ONLY
from ..crystals.schemas import CrystalFields
from ..dewars import service as dewars
from ..dewars.schemas import READ_ONLY as DEWAR_READ_ONLY
from ..dewars.schemas import DewarFields
from ..diffraction_plans.schemas import READ_ONLY as PLAN_READ_ONLY
from ..diffraction_plans.schemas import DiffractionPlanFields
from ..proteins import service as proteins
from ..proteins.models import Protein
from ..proteins.schemas import READ_ONLY as PROTEIN_READ_ONLY
from ..proteins.schemas import ProteinCreate
from ..samples import service as samples
from ..samples.schemas import READ_ONLY as SAMPLE_READ_ONLY
from ..samples.schemas import SampleFields
from ..shipments.schemas import ShipmentFields
from . import models


class DocumentProtein(ProteinCreate):
    """A new protein of the shipment's proposal; crystals refer to it by acronym."""

    class Meta(ProteinCreate.Meta):
        exclude = (*PROTEIN_READ_ONLY, "proposalId", *proteins.STAFF_FIELDS)
        required_fields = ("acronym",)


class ProteinReference(ModelSchema):
    """The protein of a crystal: one of the document's new proteins (by acronym) or an
    existing protein of the proposal (by proteinId, uuid or acronym). Give exactly one."""

    class Meta(ModelSchema.Meta):
        model = Protein
        fields = ("proteinId", "uuid", "acronym")

    @validates_schema
    def one_reference(self, data, **_kwargs):
        if len(data) != 1:
            raise ValidationError("Give exactly one of proteinId, uuid or acronym.")


class DocumentDiffractionPlan(DiffractionPlanFields):
    """The plan of one sample (what to collect on it)."""

    class Meta(DiffractionPlanFields.Meta):
        exclude = (*PLAN_READ_ONLY, "presetForProposalId")


class DocumentCrystal(CrystalFields):
    """A new crystal for the sample, with its protein."""

    Protein = fields.Nested(
        ProteinReference, required=True, metadata={"description": "The crystal's protein."}
    )

    class Meta(CrystalFields.Meta):
        exclude = (*CRYSTAL_READ_ONLY, "proteinId", "diffractionPlanId")
        renamed = {"Protein": "protein"}


class DocumentSample(SampleFields):
    """A sample at a position of its container: give crystalId (an existing crystal of the
    proposal) or crystal (a new one); diffractionPlanId (an existing plan) or
    diffractionPlan (a new one) or neither."""

    Crystal = fields.Nested(
        DocumentCrystal, metadata={"description": "A new crystal for the sample."}
    )
    DiffractionPlan = fields.Nested(
        DocumentDiffractionPlan, metadata={"description": "A new plan for the sample."}
    )

    class Meta(SampleFields.Meta):
        exclude = (*SAMPLE_READ_ONLY, "containerId", *samples.STAFF_FIELDS)
        required_fields = ("name", "location")
        renamed = {"Crystal": "crystal", "DiffractionPlan": "diffractionPlan"}

    @validates_schema
    def crystal_given_once(self, data, **_kwargs):
        if ("crystalId" in data) == ("Crystal" in data):
            raise ValidationError("Give crystalId (an existing crystal) or crystal (a new one).")
        if "diffractionPlanId" in data and "DiffractionPlan" in data:
            raise ValidationError("Give diffractionPlanId or diffractionPlan, not both.")


class DocumentContainer(ContainerFields):
    """A container of the dewar, with its samples."""

    samples = fields.List(
        fields.Nested(DocumentSample),
        load_default=list,
        metadata={"description": "The samples in the container."},
    )

    class Meta(ContainerFields.Meta):
        exclude = (
            *CONTAINER_READ_ONLY,
            "dewarId",
            "parentContainerId",
            *containers.STAFF_FIELDS,
        )
        required_fields = ("code",)


class DocumentDewar(DewarFields):
    """A dewar of the shipment, with its containers."""

    containers = fields.List(
        fields.Nested(DocumentContainer),
        load_default=list,
        metadata={"description": "The containers in the dewar."},
    )

    class Meta(DewarFields.Meta):
        exclude = (*DEWAR_READ_ONLY, "dewarStatus", "shippingId", *dewars.STAFF_FIELDS)
        required_fields = ("code",)


class ShipmentDocument(ShipmentFields):
    """A whole shipment in one document: the shipment's fields, its dewars, containers,
    samples, their crystals and plans, and new proteins. Sent twice with the same
    externalId, it creates nothing the second time."""

    externalId = ISPyBModelConverter().field_for(
        models.ShipmentDocument, "externalId", required=False, allow_none=False
    )
    proteins = fields.List(
        fields.Nested(DocumentProtein),
        load_default=list,
        metadata={"description": "New proteins of the proposal used by the crystals."},
    )
    dewars = fields.List(
        fields.Nested(DocumentDewar),
        required=True,
        validate=validate.Length(min=1, error="A shipment has at least one dewar."),
        metadata={"description": "The dewars, with their containers and samples."},
    )

    class Meta(ShipmentFields.Meta):
        required_fields = ("proposalId", "shippingName")
