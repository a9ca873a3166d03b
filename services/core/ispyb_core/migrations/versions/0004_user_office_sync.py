"""User-office synchronisation: ISPyB's ``externalId BINARY(16)`` on Proposal, Person and
BLSession (added only where a database lacks it; ISPyB databases have it), and
UserOfficeSyncRun, a table of ours recording every sync (docs/user-office-sync.md).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from ispyb_core.migration_helpers import ensure_column, ensure_table, uuid_column, uuid_constraint

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

EXTERNAL_ID = sa.LargeBinary(16).with_variant(mysql.BINARY(16), "mysql", "mariadb")


def upgrade() -> None:
    for table in ("Proposal", "Person", "BLSession"):
        ensure_column(table, sa.Column("externalId", EXTERNAL_ID, nullable=True))
    ensure_table(
        "UserOfficeSyncRun",
        sa.Column("userOfficeSyncRunId", sa.Integer(), primary_key=True),
        sa.Column("startedAt", sa.DateTime(), nullable=False),
        sa.Column("finishedAt", sa.DateTime(), nullable=True),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("counts", sa.Text(), nullable=True),
        sa.Column("conflicts", sa.Text(), nullable=True),
        sa.Column("errors", sa.Text(), nullable=True),
        uuid_column(),
        uuid_constraint("UserOfficeSyncRun"),
        indexes=(("UserOfficeSyncRun_startedAt", ["startedAt"], False),),
    )


def downgrade() -> None:
    raise NotImplementedError("core's migrations are not reversible (they may hold site data)")
