from __future__ import annotations

import datetime

from sqlalchemy import TIMESTAMP, ForeignKeyConstraint, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Base, UuidMixin
from ..persons.models import Person


class LabContact(UuidMixin, Base):
    """A shipping contact card of a proposal: who sends and receives dewars, and how."""

    __tablename__ = "LabContact"
    __table_args__ = (
        ForeignKeyConstraint(
            ["personId"],
            ["Person.personId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="LabContact_ibfk_1",
        ),
        ForeignKeyConstraint(
            ["proposalId"],
            ["Proposal.proposalId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="LabContact_ibfk_2",
        ),
        Index("LabContact_FKIndex1", "proposalId"),
        Index("cardNameAndProposal", "cardName", "proposalId", unique=True),
        Index("personAndProposal", "personId", "proposalId", unique=True),
    )

    labContactId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    personId: Mapped[int] = mapped_column(
        Integer, nullable=False, doc="The contact person (Person.personId)."
    )
    cardName: Mapped[str] = mapped_column(
        String(40), nullable=False, doc="Name of the contact card, unique within the proposal."
    )
    proposalId: Mapped[int] = mapped_column(
        Integer, nullable=False, doc="The proposal (Proposal.proposalId)."
    )
    defaultCourrierCompany: Mapped[str | None] = mapped_column(
        String(45), doc="Courier the contact usually ships with (ISPyB spelling)."
    )
    courierAccount: Mapped[str | None] = mapped_column(
        String(45), doc="The contact's account number with that courier."
    )
    billingReference: Mapped[str | None] = mapped_column(
        String(45), doc="Reference to quote on the courier's invoice."
    )
    dewarAvgCustomsValue: Mapped[int] = mapped_column(
        Integer,
        server_default="0",
        nullable=False,
        doc="Average customs value of a dewar sent by this contact, in euros.",
    )
    dewarAvgTransportValue: Mapped[int] = mapped_column(
        Integer,
        server_default="0",
        nullable=False,
        doc="Average transport value (insurance) of a dewar, in euros.",
    )
    recordTimeStamp: Mapped[datetime.datetime] = mapped_column(
        TIMESTAMP,
        server_default=func.current_timestamp(),
        nullable=False,
        doc="When the row was created or last updated (set by the database).",
    )

    Person: Mapped[Person] = relationship(Person, lazy="raise")
