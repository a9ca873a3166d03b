"""Login throttling per name and source, per address; known sources; revocation list.

AuthLoginThrottle is recreated with a source column (its rows are short-lived counts, so
nothing worth keeping is lost).

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
    op.drop_table("AuthLoginThrottle")
    op.create_table(
        "AuthLoginThrottle",
        sa.Column("loginThrottleId", sa.Integer(), primary_key=True),
        sa.Column("plugin", sa.String(32), nullable=False),
        sa.Column("login", sa.String(255), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("windowStartedAt", sa.DateTime(), nullable=False),
        sa.Column("lockedUntil", sa.DateTime()),
        sa.Column("nextAttemptAt", sa.DateTime()),
        sa.UniqueConstraint(
            "plugin", "login", "source", name="AuthLoginThrottle_plugin_login_source_uq"
        ),
        mysql_charset="utf8mb4",
    )
    op.create_table(
        "AuthKnownSource",
        sa.Column("knownSourceId", sa.Integer(), primary_key=True),
        sa.Column("plugin", sa.String(32), nullable=False),
        sa.Column("login", sa.String(255), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("lastSuccessAt", sa.DateTime(), nullable=False),
        sa.UniqueConstraint(
            "plugin", "login", "source", name="AuthKnownSource_plugin_login_source_uq"
        ),
        mysql_charset="utf8mb4",
    )
    op.create_table(
        "AuthAddressThrottle",
        sa.Column("addressThrottleId", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("windowStartedAt", sa.DateTime(), nullable=False),
        sa.Column("blockedUntil", sa.DateTime()),
        sa.UniqueConstraint("source", name="AuthAddressThrottle_source_uq"),
        mysql_charset="utf8mb4",
    )
    op.create_table(
        "AuthRevocation",
        sa.Column("revocationId", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("notBefore", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.UniqueConstraint("kind", "subject", name="AuthRevocation_kind_subject_uq"),
        mysql_charset="utf8mb4",
    )


def downgrade() -> None:
    for table in ("AuthRevocation", "AuthAddressThrottle", "AuthKnownSource"):
        op.drop_table(table)
    op.drop_table("AuthLoginThrottle")
    op.create_table(
        "AuthLoginThrottle",
        sa.Column("loginThrottleId", sa.Integer(), primary_key=True),
        sa.Column("plugin", sa.String(32), nullable=False),
        sa.Column("login", sa.String(255), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("windowStartedAt", sa.DateTime(), nullable=False),
        sa.Column("lockedUntil", sa.DateTime()),
        sa.UniqueConstraint("plugin", "login", name="AuthLoginThrottle_plugin_login_uq"),
        mysql_charset="utf8mb4",
    )
