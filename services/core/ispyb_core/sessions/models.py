from __future__ import annotations

import datetime

from sqlalchemy import (
    TIMESTAMP,
    Boolean,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    func,
    literal,
)
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from ispyb_shared.types import LenientEnum

from ..database import Base, UuidMixin
from ..persons.models import Person
from ..proposals.models import Proposal
from ..user_office.external_ids import EXTERNAL_ID_TYPE

SESSION_ROLES = (
    "Local Contact",
    "Local Contact 2",
    "Staff",
    "Team Leader",
    "Co-Investigator",
    "Principal Investigator",
    "Alternate Contact",
    "Data Access",
    "Team Member",
    "ERA Admin",
    "Associate",
)
RISK_RATINGS = ("Low", "Medium", "High", "Not Permitted")


class BLSession(UuidMixin, Base):
    """A session ("visit") on a beamline: proposal + visit number, e.g. ``mx1234-5``."""

    __tablename__ = "BLSession"
    __table_args__ = (
        ForeignKeyConstraint(
            ["proposalId"],
            ["Proposal.proposalId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="BLSession_ibfk_1",
        ),
        Index("BLSession_fk_beamCalendarId", "beamCalendarId"),
        Index("Session_FKIndex2", "beamLineSetupId"),
        Index("Session_FKIndexBeamLineName", "beamLineName"),
        Index("Session_FKIndexEndDate", "endDate"),
        Index("Session_FKIndexStartDate", "startDate"),
        Index("proposalId", "proposalId", "visit_number", unique=True),
    )

    sessionId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    proposalId: Mapped[int] = mapped_column(
        Integer,
        server_default="0",
        nullable=False,
        doc="The proposal the session belongs to (Proposal.proposalId).",
    )
    bltimeStamp: Mapped[datetime.datetime] = mapped_column(
        TIMESTAMP,
        server_default=func.current_timestamp(),
        nullable=False,
        doc="When the row was created (set by the database).",
    )
    lastUpdate: Mapped[datetime.datetime] = mapped_column(
        TIMESTAMP,
        server_default=func.current_timestamp(),
        nullable=False,
        doc="Last activity: by default the end of the session, later the last data collection.",
    )
    beamLineSetupId: Mapped[int | None] = mapped_column(
        Integer, doc="Beamline set-up used (BeamLineSetup.beamLineSetupId, not served yet)."
    )
    beamCalendarId: Mapped[int | None] = mapped_column(
        Integer, doc="Run/calendar period (BeamCalendar.beamCalendarId, not served yet)."
    )
    startDate: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="Scheduled start (facility local time)."
    )
    endDate: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="Scheduled end (facility local time)."
    )
    beamLineName: Mapped[str | None] = mapped_column(
        String(45), doc="Beamline name as the facility writes it, e.g. i03, ID30A-1."
    )
    scheduled: Mapped[bool | None] = mapped_column(
        Boolean, doc="True when the session is on the official schedule."
    )
    nbShifts: Mapped[int | None] = mapped_column(
        Integer, doc="Number of shifts allocated (a shift is usually 8 hours)."
    )
    comments: Mapped[str | None] = mapped_column(String(2000), doc="Free-text comments.")
    beamLineOperator: Mapped[str | None] = mapped_column(
        String(255), doc="Name(s) of the beamline operator(s)."
    )
    visit_number: Mapped[int | None] = mapped_column(
        Integer,
        server_default="0",
        doc="Number of the session within its proposal ('5' in mx1234-5); unique per "
        "proposal. Assigned as the next free number when omitted on creation.",
    )
    usedFlag: Mapped[bool | None] = mapped_column(
        Boolean, doc="True when data collections, scans or spectra are attached."
    )
    archived: Mapped[bool | None] = mapped_column(
        Boolean,
        server_default="0",
        doc="True when the session's data is archived and no longer on disk.",
    )
    riskRating: Mapped[str | None] = mapped_column(
        LenientEnum(*RISK_RATINGS, name="session_risk_rating"),
        doc="Experiment risk assessment from the user office.",
    )
    purgedProcessedData: Mapped[bool | None] = mapped_column(
        Boolean,
        server_default="0",
        doc="True when the processed-data folder of the visit has been purged.",
    )
    icatId: Mapped[int | None] = mapped_column(
        Integer, doc="The session's id in ICAT (data catalogue), when catalogued."
    )
    externalId: Mapped[bytes | None] = mapped_column(
        EXTERNAL_ID_TYPE,
        doc="Identifier in the user office (16 bytes; set by the user-office sync).",
    )

    Proposal: Mapped[Proposal] = relationship(Proposal, lazy="raise")
    # A table's label (read-only): set by the sessions' reads (sessions.service, a
    # subquery of the same statement); null where another read loads a session.
    dataCollectionCount: Mapped[int | None] = query_expression(literal(None, Integer))

    @property
    def visit(self) -> str:
        return f"{self.Proposal.name}-{self.visit_number}"


class SessionHasPerson(UuidMixin, Base):
    """A person's participation in a session, with a role. Participants see its data."""

    __tablename__ = "Session_has_Person"
    __table_args__ = (
        ForeignKeyConstraint(
            ["personId"],
            ["Person.personId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="Session_has_Person_ibfk_2",
        ),
        ForeignKeyConstraint(
            ["sessionId"],
            ["BLSession.sessionId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="Session_has_Person_ibfk_1",
        ),
        Index("Session_has_Person_FKIndex2", "personId"),
    )

    sessionId: Mapped[int] = mapped_column(
        Integer, primary_key=True, autoincrement=False, doc="The session (BLSession.sessionId)."
    )
    personId: Mapped[int] = mapped_column(
        Integer, primary_key=True, autoincrement=False, doc="The participant (Person.personId)."
    )
    role: Mapped[str | None] = mapped_column(
        LenientEnum(*SESSION_ROLES, name="session_role"),
        doc="The participant's role in the session.",
    )
    remote: Mapped[bool | None] = mapped_column(
        Boolean, server_default="0", doc="True when the participant takes part remotely."
    )

    Person: Mapped[Person] = relationship(Person, lazy="raise")
    BLSession: Mapped[BLSession] = relationship(BLSession, lazy="raise")
