"""IdempotencyRecord: each create's answer under the client's Idempotency-Key, replayed to
a retry with the same key (ispyb_shared/idempotency.py, docs/api-conventions.md).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "IdempotencyRecord",
        sa.Column("idempotencyRecordId", sa.Integer(), nullable=False),
        sa.Column("scopedKeyHash", sa.String(length=64), nullable=False),
        sa.Column("idempotencyKey", sa.String(length=255), nullable=False),
        sa.Column("caller", sa.String(length=255), nullable=False),
        sa.Column("operation", sa.String(length=255), nullable=False),
        sa.Column("requestHash", sa.String(length=64), nullable=False),
        sa.Column("responseStatus", sa.Integer(), nullable=True),
        sa.Column(
            "responseBody",
            sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb"),
            nullable=True,
        ),
        sa.Column("createdAt", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("idempotencyRecordId"),
        sa.UniqueConstraint("scopedKeyHash", name="IdempotencyRecord_scopedKeyHash_uq"),
    )
    op.create_index("IdempotencyRecord_createdAt", "IdempotencyRecord", ["createdAt"], unique=False)


def downgrade() -> None:
    op.drop_table("IdempotencyRecord")
