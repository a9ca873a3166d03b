"""IdempotencyRecord, a table of ours: each create's answer under the client's
Idempotency-Key, replayed to a retry with the same key (ispyb_shared/idempotency.py,
docs/api-conventions.md).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from ispyb_core.migration_helpers import ensure_table, uuid_column, uuid_constraint

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ensure_table(
        "IdempotencyRecord",
        sa.Column("idempotencyRecordId", sa.Integer(), primary_key=True),
        sa.Column("scopedKeyHash", sa.String(64), nullable=False),
        sa.Column("idempotencyKey", sa.String(255), nullable=False),
        sa.Column("caller", sa.String(255), nullable=False),
        sa.Column("operation", sa.String(255), nullable=False),
        sa.Column("requestHash", sa.String(64), nullable=False),
        sa.Column("responseStatus", sa.Integer(), nullable=True),
        sa.Column(
            "responseBody",
            sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb"),
            nullable=True,
        ),
        sa.Column("createdAt", sa.DateTime(), nullable=False),
        uuid_column(),
        sa.UniqueConstraint("scopedKeyHash", name="IdempotencyRecord_scopedKeyHash_uq"),
        uuid_constraint("IdempotencyRecord"),
        indexes=(("IdempotencyRecord_createdAt", ["createdAt"], False),),
    )


def downgrade() -> None:
    raise NotImplementedError("core's migrations are not reversible (they may hold site data)")
