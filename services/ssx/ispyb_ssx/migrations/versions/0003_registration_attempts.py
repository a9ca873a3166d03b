"""SSXRegistrationAttempt, a table of ours: each run registration in flight with core,
kept until the run is stored or what core may have created is undone (docs/ssx.md,
"How a registration stays consistent").

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "SSXRegistrationAttempt",
        sa.Column("ssxRegistrationAttemptId", sa.Integer(), nullable=False),
        sa.Column("registrationKey", sa.String(length=36), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("requestedBy", sa.String(length=255), nullable=False),
        sa.Column("requestId", sa.String(length=100), nullable=True),
        sa.Column("createdAt", sa.DateTime(), nullable=False),
        sa.Column("undoAttempts", sa.Integer(), nullable=False),
        sa.Column("nextAttemptAt", sa.DateTime(), nullable=True),
        sa.Column("lastError", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("ssxRegistrationAttemptId"),
        sa.UniqueConstraint(
            "registrationKey", name=op.f("SSXRegistrationAttempt_registrationKey_uq")
        ),
    )


def downgrade() -> None:
    op.drop_table("SSXRegistrationAttempt")
