"""Components (ligands, buffers, jet materials, ...) of a proposal and the compositions of
core samples and crystals that use them: ISPyB's Component, ComponentType,
ConcentrationType, SampleComposition and CrystalComposition, with the core row's UUID
where ISPyB has an integer foreign key to a core table."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ispyb_shared.uuids import UUID_LENGTH, UuidMixin

from ..database import Base

COMPONENT_TYPES = ("Ligand", "Buffer", "JetMaterial", "Cryoprotectant", "Additive")
CONCENTRATION_TYPES = (
    ("Molar", "M"),
    ("Millimolar", "mM"),
    ("Micromolar", "uM"),
    ("Milligram per millilitre", "mg/ml"),
    ("Percent weight per volume", "%w/v"),
    ("Percent volume per volume", "%v/v"),
)
CONCENTRATION_SYMBOLS = tuple(symbol for _name, symbol in CONCENTRATION_TYPES)


class ComponentType(Base):
    __tablename__ = "ComponentType"

    componentTypeId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Identifier.")
    name: Mapped[str] = mapped_column(
        String(31), unique=True, doc="Kind of component: Ligand, Buffer, JetMaterial, ..."
    )


class ConcentrationType(Base):
    __tablename__ = "ConcentrationType"

    concentrationTypeId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Identifier.")
    name: Mapped[str] = mapped_column(String(31), doc="Name of the unit, e.g. Millimolar.")
    symbol: Mapped[str] = mapped_column(String(8), doc="Symbol of the unit, e.g. mM.")
    proposalType: Mapped[str | None] = mapped_column(
        String(10), doc="Proposal type the unit is offered for (null: all)."
    )
    active: Mapped[int | None] = mapped_column(
        Integer, server_default="1", doc="1 = offered, 0 = retired."
    )


class Component(UuidMixin, Base):
    __tablename__ = "Component"

    componentId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Identifier.")
    componentTypeId: Mapped[int] = mapped_column(
        ForeignKey("ComponentType.componentTypeId"), index=True, doc="Kind of component."
    )
    name: Mapped[str] = mapped_column(String(255), doc="Name, e.g. HEPES, LCP, ligand code.")
    proposalUUID: Mapped[str | None] = mapped_column(
        String(UUID_LENGTH),
        index=True,
        doc="UUID of the core proposal owning the component (ISPyB: proposalId).",
    )
    composition: Mapped[str | None] = mapped_column(
        String(255), doc="Chemical composition, free text (e.g. SMILES or formula)."
    )

    ComponentType: Mapped[ComponentType] = relationship(lazy="joined")


class SampleComposition(UuidMixin, Base):
    __tablename__ = "SampleComposition"

    sampleCompositionId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Identifier.")
    componentId: Mapped[int] = mapped_column(
        ForeignKey("Component.componentId"), index=True, doc="The component."
    )
    blSampleUUID: Mapped[str] = mapped_column(
        String(UUID_LENGTH), index=True, doc="UUID of the core sample (ISPyB: blSampleId)."
    )
    concentrationTypeId: Mapped[int | None] = mapped_column(
        ForeignKey("ConcentrationType.concentrationTypeId"),
        doc="Unit of the abundance.",
    )
    abundance: Mapped[float | None] = mapped_column(
        Float, doc="Abundance or concentration, in the unit of concentrationTypeId."
    )
    ratio: Mapped[float | None] = mapped_column(Float, doc="Ratio to the other components.")
    pH: Mapped[float | None] = mapped_column(Float, doc="pH.")

    Component: Mapped[Component] = relationship(lazy="joined")
    ConcentrationType: Mapped[ConcentrationType | None] = relationship(lazy="joined")


class CrystalComposition(UuidMixin, Base):
    __tablename__ = "CrystalComposition"

    crystalCompositionId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Identifier.")
    componentId: Mapped[int] = mapped_column(
        ForeignKey("Component.componentId"), index=True, doc="The component."
    )
    crystalUUID: Mapped[str] = mapped_column(
        String(UUID_LENGTH), index=True, doc="UUID of the core crystal (ISPyB: crystalId)."
    )
    concentrationTypeId: Mapped[int | None] = mapped_column(
        ForeignKey("ConcentrationType.concentrationTypeId"),
        doc="Unit of the abundance.",
    )
    abundance: Mapped[float | None] = mapped_column(
        Float, doc="Abundance or concentration, in the unit of concentrationTypeId."
    )
    ratio: Mapped[float | None] = mapped_column(Float, doc="Ratio to the other components.")
    pH: Mapped[float | None] = mapped_column(Float, doc="pH.")

    Component: Mapped[Component] = relationship(lazy="joined")
    ConcentrationType: Mapped[ConcentrationType | None] = relationship(lazy="joined")
