from __future__ import annotations

import datetime

from sqlalchemy import DateTime, ForeignKeyConstraint, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ispyb_shared.types import LenientEnum

from ..database import Base, UuidMixin

REGISTERED_DEWAR_TYPES = ("Dewar", "Toolbox", "Thermal Shipper")


class DewarRegistry(UuidMixin, Base):
    """A physical dewar known to the facility by its facility code (the label the
    facility puts on it). It may be used by several proposals (DewarRegistry_has_Proposal)."""

    __tablename__ = "DewarRegistry"
    __table_args__ = (
        ForeignKeyConstraint(
            ["labContactId"],
            ["LabContact.labContactId"],
            ondelete="SET NULL",
            onupdate="CASCADE",
            name="DewarRegistry_ibfk_2",
        ),
        ForeignKeyConstraint(
            ["proposalId"], ["Proposal.proposalId"], onupdate="CASCADE", name="DewarRegistry_ibfk_1"
        ),
        Index("DewarRegistry_ibfk_1", "proposalId"),
        Index("DewarRegistry_ibfk_2", "labContactId"),
        Index("facilityCode", "facilityCode", unique=True),
    )

    dewarRegistryId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    facilityCode: Mapped[str] = mapped_column(
        String(20),
        nullable=False,
        doc="The facility's code for the dewar (e.g. DLS-MX-0042), unique.",
    )
    type: Mapped[str] = mapped_column(
        LenientEnum(*REGISTERED_DEWAR_TYPES, name="dewar_registry_type"),
        server_default="Dewar",
        nullable=False,
        doc="Dewar, Toolbox or Thermal Shipper.",
    )
    proposalId: Mapped[int | None] = mapped_column(
        Integer, doc="The proposal that registered (owns) the dewar (Proposal.proposalId)."
    )
    labContactId: Mapped[int | None] = mapped_column(
        Integer, doc="Contact the dewar is returned to (LabContact.labContactId)."
    )
    purchaseDate: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="When the dewar was bought (its age matters for safety checks)."
    )
    manufacturerSerialNumber: Mapped[str | None] = mapped_column(
        String(15), doc="Serial number given by the manufacturer."
    )
    bltimestamp: Mapped[datetime.datetime] = mapped_column(
        DateTime,
        server_default=func.current_timestamp(),
        nullable=False,
        doc="When the dewar was registered (set by the database).",
    )

    proposals: Mapped[list[DewarRegistryHasProposal]] = relationship(
        "DewarRegistryHasProposal",
        lazy="raise",
        order_by="DewarRegistryHasProposal.dewarRegistryHasProposalId",
        viewonly=True,
    )


class DewarRegistryHasProposal(UuidMixin, Base):
    """A proposal allowed to ship the registered dewar."""

    __tablename__ = "DewarRegistry_has_Proposal"
    __table_args__ = (
        ForeignKeyConstraint(
            ["dewarRegistryId"],
            ["DewarRegistry.dewarRegistryId"],
            name="DewarRegistry_has_Proposal_ibfk1",
        ),
        ForeignKeyConstraint(
            ["labContactId"],
            ["LabContact.labContactId"],
            ondelete="SET NULL",
            onupdate="CASCADE",
            name="DewarRegistry_has_Proposal_ibfk4",
        ),
        ForeignKeyConstraint(
            ["personId"], ["Person.personId"], name="DewarRegistry_has_Proposal_ibfk3"
        ),
        ForeignKeyConstraint(
            ["proposalId"], ["Proposal.proposalId"], name="DewarRegistry_has_Proposal_ibfk2"
        ),
        Index("DewarRegistry_has_Proposal_ibfk2", "proposalId"),
        Index("DewarRegistry_has_Proposal_ibfk3", "personId"),
        Index("DewarRegistry_has_Proposal_ibfk4", "labContactId"),
        Index("dewarRegistryId", "dewarRegistryId", "proposalId", unique=True),
    )

    dewarRegistryHasProposalId: Mapped[int] = mapped_column(
        Integer, primary_key=True, doc="Database id of the link."
    )
    dewarRegistryId: Mapped[int | None] = mapped_column(
        Integer, doc="The registered dewar (DewarRegistry.dewarRegistryId)."
    )
    proposalId: Mapped[int | None] = mapped_column(
        Integer, doc="The proposal allowed to use it (Proposal.proposalId)."
    )
    personId: Mapped[int | None] = mapped_column(
        Integer, doc="Person who registered the link (Person.personId)."
    )
    labContactId: Mapped[int | None] = mapped_column(
        Integer, doc="Contact owning the dewar for this proposal (LabContact.labContactId)."
    )
    recordTimestamp: Mapped[datetime.datetime | None] = mapped_column(
        DateTime,
        server_default=func.current_timestamp(),
        doc="When the link was made (set by the database).",
    )
