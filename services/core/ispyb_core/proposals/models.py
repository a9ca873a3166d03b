from __future__ import annotations

import datetime

from sqlalchemy import (
    TIMESTAMP,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    func,
    select,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from ispyb_shared.types import LenientEnum

from ..database import Base, UuidMixin
from ..persons.models import Person
from ..user_office.external_ids import EXTERNAL_ID_TYPE

PROPOSAL_STATES = ("Open", "Closed", "Cancelled")
PROPOSAL_ROLES = (
    "Co-Investigator",
    "Principal Investigator",
    "Alternate Contact",
    "ERA Admin",
    "Associate",
)


class Proposal(UuidMixin, Base):
    """A proposal: the unit of allocated beamtime and of data ownership.

    Written code + number, e.g. ``mx1234``.
    """

    __tablename__ = "Proposal"
    __table_args__ = (
        ForeignKeyConstraint(
            ["personId"],
            ["Person.personId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="Proposal_ibfk_1",
        ),
        Index("Proposal_FKIndex1", "personId"),
        Index("Proposal_FKIndexCodeNumber", "proposalCode", "proposalNumber", unique=True),
        Index("Proposal_search_proposalNumber", "proposalNumber"),
        Index("Proposal_search_title", "title"),
    )

    proposalId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    personId: Mapped[int] = mapped_column(
        Integer,
        server_default="0",
        nullable=False,
        doc="The proposal's owner, usually the principal investigator (Person.personId).",
    )
    bltimeStamp: Mapped[datetime.datetime] = mapped_column(
        TIMESTAMP,
        server_default=func.current_timestamp(),
        nullable=False,
        doc="When the row was created (set by the database).",
    )
    title: Mapped[str | None] = mapped_column(String(200), doc="Title of the proposal.")
    proposalCode: Mapped[str | None] = mapped_column(
        String(45), doc="Letters of the proposal's name, e.g. 'mx' in mx1234."
    )
    proposalNumber: Mapped[str | None] = mapped_column(
        String(45), doc="Number of the proposal's name, e.g. '1234' in mx1234 (text)."
    )
    proposalType: Mapped[str | None] = mapped_column(
        String(2), doc="Proposal type: MX (crystallography), BX (SAXS), EM, ..."
    )
    state: Mapped[str | None] = mapped_column(
        LenientEnum(*PROPOSAL_STATES, name="proposal_state"),
        server_default="Open",
        doc="Open: data may be collected; Closed: finished; Cancelled: withdrawn.",
    )
    startDate: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="Start of the allocation period (facility local time)."
    )
    endDate: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="End of the allocation period (facility local time)."
    )
    externalId: Mapped[bytes | None] = mapped_column(
        EXTERNAL_ID_TYPE,
        doc="Identifier in the user office (16 bytes; set by the user-office sync).",
    )

    Person: Mapped[Person] = relationship(Person, lazy="raise")

    @property
    def name(self) -> str:
        return f"{self.proposalCode or ''}{self.proposalNumber or ''}"


# A table's label (read-only): the owner's name, a subquery of the proposal's own
# statement (by primary key), so a list stays one statement.
Proposal.personName = column_property(
    select(
        func.nullif(
            func.trim(
                func.coalesce(Person.givenName, "") + " " + func.coalesce(Person.familyName, "")
            ),
            "",
        )
    )
    .where(Person.personId == Proposal.personId)
    .correlate_except(Person)
    .scalar_subquery()
)


class ProposalHasPerson(UuidMixin, Base):
    """Membership of a person in a proposal, with a role. Members see the proposal's data."""

    __tablename__ = "ProposalHasPerson"
    __table_args__ = (
        ForeignKeyConstraint(
            ["personId"], ["Person.personId"], name="fk_ProposalHasPerson_Personal"
        ),
        ForeignKeyConstraint(
            ["proposalId"], ["Proposal.proposalId"], name="fk_ProposalHasPerson_Proposal"
        ),
        Index("fk_ProposalHasPerson_Personal", "personId"),
        Index("fk_ProposalHasPerson_Proposal", "proposalId"),
    )

    proposalHasPersonId: Mapped[int] = mapped_column(
        Integer, primary_key=True, doc="Database id of the membership."
    )
    proposalId: Mapped[int] = mapped_column(
        Integer, nullable=False, doc="The proposal (Proposal.proposalId)."
    )
    personId: Mapped[int] = mapped_column(
        Integer, nullable=False, doc="The member (Person.personId)."
    )
    role: Mapped[str | None] = mapped_column(
        LenientEnum(*PROPOSAL_ROLES, name="proposal_role"), doc="The member's role in the proposal."
    )

    Person: Mapped[Person] = relationship(Person, lazy="raise")
    Proposal: Mapped[Proposal] = relationship(Proposal, lazy="raise")
