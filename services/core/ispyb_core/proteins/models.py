from __future__ import annotations

import datetime

from sqlalchemy import (
    TIMESTAMP,
    Boolean,
    Double,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from ispyb_shared.types import LenientEnum

from ..database import Base, UuidMixin

SAFETY_LEVELS = ("GREEN", "YELLOW", "RED")


class Protein(UuidMixin, Base):
    """A macromolecule (or other component) of a proposal, named by an acronym.

    Crystals are grown from proteins; the acronym is how users and beamline software refer
    to the protein, and it is unique within a proposal (enforced by core, see
    docs/shipments.md).
    """

    __tablename__ = "Protein"
    __table_args__ = (
        ForeignKeyConstraint(
            ["proposalId"],
            ["Proposal.proposalId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="Protein_ibfk_1",
        ),
        Index("ProteinAcronym_Index", "proposalId", "acronym"),
        Index("Protein_FKIndex2", "personId"),
        Index("Protein_Index2", "acronym"),
        Index("Protein_search_name", "name"),
    )

    proteinId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    proposalId: Mapped[int] = mapped_column(
        Integer,
        server_default="0",
        nullable=False,
        doc="The proposal the protein belongs to (Proposal.proposalId).",
    )
    name: Mapped[str | None] = mapped_column(String(255), doc="Full name of the protein.")
    acronym: Mapped[str | None] = mapped_column(
        String(45),
        doc="Short name used on sample sheets and by beamline software, unique within the "
        "proposal (e.g. 'lyso').",
    )
    description: Mapped[str | None] = mapped_column(
        Text, doc="What the protein is, in words and sentences (safety review reads it)."
    )
    safetyLevel: Mapped[str | None] = mapped_column(
        LenientEnum(*SAFETY_LEVELS, name="protein_safety_level"),
        doc="Safety review outcome: GREEN (no hazard), YELLOW (precautions), RED (not "
        "allowed without special arrangements).",
    )
    hazardGroup: Mapped[int] = mapped_column(
        Integer,
        server_default="1",
        nullable=False,
        doc="Risk group of the biological material, 1 (lowest) to 4.",
    )
    containmentLevel: Mapped[int] = mapped_column(
        Integer,
        server_default="1",
        nullable=False,
        doc="Biosafety containment level the material needs, 1 (lowest) to 4.",
    )
    molecularMass: Mapped[float | None] = mapped_column(
        Double, doc="Molecular mass, in daltons (g/mol)."
    )
    proteinType: Mapped[str | None] = mapped_column(
        String(45), doc="Kind of component (free text, e.g. 'Protein', 'DNA', 'Ligand')."
    )
    sequence: Mapped[str | None] = mapped_column(
        Text, doc="Amino-acid (or nucleotide) sequence, one-letter codes."
    )
    personId: Mapped[int | None] = mapped_column(
        Integer, doc="Person who registered the protein (Person.personId)."
    )
    isCreatedBySampleSheet: Mapped[bool | None] = mapped_column(
        Boolean,
        server_default="0",
        doc="True when the protein was created by a shipment import (document or CSV).",
    )
    bltimeStamp: Mapped[datetime.datetime] = mapped_column(
        TIMESTAMP,
        server_default=func.current_timestamp(),
        nullable=False,
        doc="When the row was created (set by the database).",
    )
