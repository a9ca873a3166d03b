"""ISPyB baseline: Laboratory, Person, Proposal, ProposalHasPerson, BLSession,
Session_has_Person, LabContact; plus a uuid column on each.

On an empty database the tables are created (ISPyB names and types). On an existing
ISPyB database they are left as they are and only get the uuid column.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa

from ispyb_core.migration_helpers import (
    ensure_table,
    ensure_uuid,
    uuid_column,
    uuid_constraint,
)

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

NOW = sa.func.current_timestamp()
TABLES = [
    "Laboratory",
    "Person",
    "Proposal",
    "ProposalHasPerson",
    "BLSession",
    "Session_has_Person",
    "LabContact",
]


def upgrade() -> None:
    ensure_table(
        "Laboratory",
        sa.Column("laboratoryId", sa.Integer(), primary_key=True),
        sa.Column("recordTimeStamp", sa.TIMESTAMP(), server_default=NOW, nullable=False),
        sa.Column("laboratoryUUID", sa.String(45)),
        sa.Column("name", sa.String(45)),
        sa.Column("address", sa.String(255)),
        sa.Column("city", sa.String(45)),
        sa.Column("country", sa.String(45)),
        sa.Column("url", sa.String(255)),
        sa.Column("organization", sa.String(45)),
        sa.Column("laboratoryPk", sa.Integer()),
        sa.Column("postcode", sa.String(15)),
        sa.Column("EORINumber", sa.String(17)),
        uuid_column(),
        uuid_constraint("Laboratory"),
    )
    ensure_table(
        "Person",
        sa.Column("personId", sa.Integer(), primary_key=True),
        sa.Column("recordTimeStamp", sa.TIMESTAMP(), server_default=NOW, nullable=False),
        sa.Column("laboratoryId", sa.Integer()),
        sa.Column("siteId", sa.Integer()),
        sa.Column("personUUID", sa.String(45)),
        sa.Column("familyName", sa.String(100)),
        sa.Column("givenName", sa.String(45)),
        sa.Column("title", sa.String(45)),
        sa.Column("emailAddress", sa.String(60)),
        sa.Column("phoneNumber", sa.String(45)),
        sa.Column("login", sa.String(45)),
        sa.Column("faxNumber", sa.String(45)),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["laboratoryId"], ["Laboratory.laboratoryId"], name="Person_ibfk_1"
        ),
        uuid_constraint("Person"),
        indexes=(
            ("Person_FKIndex1", ["laboratoryId"], False),
            ("Person_FKIndexFamilyName", ["familyName"], False),
            ("Person_FKIndex_Login", ["login"], True),
            ("siteId", ["siteId"], False),
        ),
    )
    ensure_table(
        "Proposal",
        sa.Column("proposalId", sa.Integer(), primary_key=True),
        sa.Column("personId", sa.Integer(), server_default="0", nullable=False),
        sa.Column("bltimeStamp", sa.TIMESTAMP(), server_default=NOW, nullable=False),
        sa.Column("title", sa.String(200)),
        sa.Column("proposalCode", sa.String(45)),
        sa.Column("proposalNumber", sa.String(45)),
        sa.Column("proposalType", sa.String(2)),
        sa.Column(
            "state",
            sa.Enum("Open", "Closed", "Cancelled", name="proposal_state"),
            server_default="Open",
        ),
        sa.Column("startDate", sa.DateTime()),
        sa.Column("endDate", sa.DateTime()),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["personId"],
            ["Person.personId"],
            name="Proposal_ibfk_1",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        uuid_constraint("Proposal"),
        indexes=(
            ("Proposal_FKIndex1", ["personId"], False),
            ("Proposal_FKIndexCodeNumber", ["proposalCode", "proposalNumber"], True),
        ),
    )
    ensure_table(
        "ProposalHasPerson",
        sa.Column("proposalHasPersonId", sa.Integer(), primary_key=True),
        sa.Column("proposalId", sa.Integer(), nullable=False),
        sa.Column("personId", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "Co-Investigator",
                "Principal Investigator",
                "Alternate Contact",
                "ERA Admin",
                "Associate",
                name="proposal_role",
            ),
        ),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["personId"], ["Person.personId"], name="fk_ProposalHasPerson_Personal"
        ),
        sa.ForeignKeyConstraint(
            ["proposalId"], ["Proposal.proposalId"], name="fk_ProposalHasPerson_Proposal"
        ),
        uuid_constraint("ProposalHasPerson"),
        indexes=(
            ("fk_ProposalHasPerson_Personal", ["personId"], False),
            ("fk_ProposalHasPerson_Proposal", ["proposalId"], False),
        ),
    )
    ensure_table(
        "BLSession",
        sa.Column("sessionId", sa.Integer(), primary_key=True),
        sa.Column("proposalId", sa.Integer(), server_default="0", nullable=False),
        sa.Column("bltimeStamp", sa.TIMESTAMP(), server_default=NOW, nullable=False),
        sa.Column("lastUpdate", sa.TIMESTAMP(), server_default=NOW, nullable=False),
        sa.Column("beamLineSetupId", sa.Integer()),
        sa.Column("beamCalendarId", sa.Integer()),
        sa.Column("startDate", sa.DateTime()),
        sa.Column("endDate", sa.DateTime()),
        sa.Column("beamLineName", sa.String(45)),
        sa.Column("scheduled", sa.Boolean()),
        sa.Column("nbShifts", sa.Integer()),
        sa.Column("comments", sa.String(2000)),
        sa.Column("beamLineOperator", sa.String(255)),
        sa.Column("visit_number", sa.Integer(), server_default="0"),
        sa.Column("usedFlag", sa.Boolean()),
        sa.Column("archived", sa.Boolean(), server_default="0"),
        sa.Column(
            "riskRating",
            sa.Enum("Low", "Medium", "High", "Not Permitted", name="session_risk_rating"),
        ),
        sa.Column("purgedProcessedData", sa.Boolean(), server_default="0"),
        sa.Column("icatId", sa.Integer()),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["proposalId"],
            ["Proposal.proposalId"],
            name="BLSession_ibfk_1",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        uuid_constraint("BLSession"),
        indexes=(
            ("BLSession_fk_beamCalendarId", ["beamCalendarId"], False),
            ("Session_FKIndex2", ["beamLineSetupId"], False),
            ("Session_FKIndexBeamLineName", ["beamLineName"], False),
            ("Session_FKIndexEndDate", ["endDate"], False),
            ("Session_FKIndexStartDate", ["startDate"], False),
            ("proposalId", ["proposalId", "visit_number"], True),
        ),
    )
    ensure_table(
        "Session_has_Person",
        sa.Column("sessionId", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("personId", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column(
            "role",
            sa.Enum(
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
                name="session_role",
            ),
        ),
        sa.Column("remote", sa.Boolean(), server_default="0"),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["personId"],
            ["Person.personId"],
            name="Session_has_Person_ibfk_2",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sessionId"],
            ["BLSession.sessionId"],
            name="Session_has_Person_ibfk_1",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        uuid_constraint("Session_has_Person"),
        indexes=(("Session_has_Person_FKIndex2", ["personId"], False),),
    )
    ensure_table(
        "LabContact",
        sa.Column("labContactId", sa.Integer(), primary_key=True),
        sa.Column("personId", sa.Integer(), nullable=False),
        sa.Column("cardName", sa.String(40), nullable=False),
        sa.Column("proposalId", sa.Integer(), nullable=False),
        sa.Column("defaultCourrierCompany", sa.String(45)),
        sa.Column("courierAccount", sa.String(45)),
        sa.Column("billingReference", sa.String(45)),
        sa.Column("dewarAvgCustomsValue", sa.Integer(), server_default="0", nullable=False),
        sa.Column("dewarAvgTransportValue", sa.Integer(), server_default="0", nullable=False),
        sa.Column("recordTimeStamp", sa.TIMESTAMP(), server_default=NOW, nullable=False),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["personId"],
            ["Person.personId"],
            name="LabContact_ibfk_1",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposalId"],
            ["Proposal.proposalId"],
            name="LabContact_ibfk_2",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        uuid_constraint("LabContact"),
        indexes=(
            ("LabContact_FKIndex1", ["proposalId"], False),
            ("cardNameAndProposal", ["cardName", "proposalId"], True),
            ("personAndProposal", ["personId", "proposalId"], True),
        ),
    )
    for table in TABLES:
        ensure_uuid(table)


def downgrade() -> None:
    # The baseline may be a site's own ISPyB tables: never dropped by us.
    raise NotImplementedError("core's baseline migration is not reversible")
