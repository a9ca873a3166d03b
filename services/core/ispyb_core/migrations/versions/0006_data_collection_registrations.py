"""DataCollectionRegistration, a table of ours: a group and its data collection registered
in one idempotent call keyed by the caller's key, and the tombstone of a cancelled key
(docs/data-collections.md, "Registering in one call").

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa

from ispyb_core.migration_helpers import ensure_table, uuid_column, uuid_constraint

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ensure_table(
        "DataCollectionRegistration",
        sa.Column("dataCollectionRegistrationId", sa.Integer(), primary_key=True),
        sa.Column("registrationKey", sa.String(64), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("requestHash", sa.String(64), nullable=True),
        sa.Column("dataCollectionGroupId", sa.Integer(), nullable=True),
        sa.Column("dataCollectionId", sa.Integer(), nullable=True),
        sa.Column("requestedBy", sa.String(255), nullable=False),
        sa.Column("createdAt", sa.DateTime(), nullable=False),
        sa.Column("cancelledAt", sa.DateTime(), nullable=True),
        uuid_column(),
        sa.UniqueConstraint(
            "registrationKey", name="DataCollectionRegistration_registrationKey_uq"
        ),
        uuid_constraint("DataCollectionRegistration"),
    )


def downgrade() -> None:
    raise NotImplementedError("core's migrations are not reversible (they may hold site data)")
