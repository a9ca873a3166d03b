"""Accounts, machine clients, refresh tokens, signing keys, login throttling.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from ispyb_shared.uuids import UUID_LENGTH, uuid_server_default

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _uuid() -> sa.Column:
    return sa.Column(
        "uuid", sa.String(UUID_LENGTH), nullable=False, server_default=uuid_server_default()
    )


def upgrade() -> None:
    op.create_table(
        "AuthAccount",
        sa.Column("accountId", sa.Integer(), primary_key=True),
        sa.Column("login", sa.String(45), nullable=False),
        sa.Column("displayName", sa.String(255)),
        sa.Column("passwordHash", sa.String(255)),
        sa.Column("roles", sa.String(255), nullable=False),
        sa.Column("beamlines", sa.String(1000), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("createdAt", sa.DateTime(), nullable=False),
        sa.Column("updatedAt", sa.DateTime(), nullable=False),
        sa.Column("passwordChangedAt", sa.DateTime()),
        sa.Column("lastLoginAt", sa.DateTime()),
        _uuid(),
        sa.UniqueConstraint("login", name="AuthAccount_login_uq"),
        sa.UniqueConstraint("uuid", name="AuthAccount_uuid_uq"),
        mysql_charset="utf8mb4",
    )
    op.create_table(
        "AuthClient",
        sa.Column("authClientId", sa.Integer(), primary_key=True),
        sa.Column("clientId", sa.String(64), nullable=False),
        sa.Column("description", sa.String(255)),
        sa.Column("secretHash", sa.String(255), nullable=False),
        sa.Column("scopes", sa.String(2000), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("createdAt", sa.DateTime(), nullable=False),
        sa.Column("updatedAt", sa.DateTime(), nullable=False),
        sa.Column("secretChangedAt", sa.DateTime(), nullable=False),
        sa.Column("lastUsedAt", sa.DateTime()),
        _uuid(),
        sa.UniqueConstraint("clientId", name="AuthClient_clientId_uq"),
        sa.UniqueConstraint("uuid", name="AuthClient_uuid_uq"),
        mysql_charset="utf8mb4",
    )
    op.create_table(
        "AuthRefreshToken",
        sa.Column("refreshTokenId", sa.Integer(), primary_key=True),
        sa.Column("tokenHash", sa.String(64), nullable=False),
        sa.Column("familyId", sa.String(36), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("plugin", sa.String(32), nullable=False),
        sa.Column("displayName", sa.String(255)),
        sa.Column("roles", sa.String(255), nullable=False),
        sa.Column("beamlines", sa.String(1000), nullable=False),
        sa.Column("issuedAt", sa.DateTime(), nullable=False),
        sa.Column("expiresAt", sa.DateTime(), nullable=False),
        sa.Column("revokedAt", sa.DateTime()),
        sa.Column("revokedReason", sa.String(32)),
        sa.UniqueConstraint("tokenHash", name="AuthRefreshToken_tokenHash_uq"),
        mysql_charset="utf8mb4",
    )
    op.create_index("AuthRefreshToken_family", "AuthRefreshToken", ["familyId"])
    op.create_index("AuthRefreshToken_subject", "AuthRefreshToken", ["subject"])
    op.create_index("AuthRefreshToken_expires", "AuthRefreshToken", ["expiresAt"])
    op.create_table(
        "AuthSigningKey",
        sa.Column("signingKeyId", sa.Integer(), primary_key=True),
        sa.Column("kid", sa.String(64), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("privateKey", sa.Text()),
        sa.Column("publicJwk", sa.Text(), nullable=False),
        sa.Column("createdAt", sa.DateTime(), nullable=False),
        sa.Column("retiredAt", sa.DateTime()),
        sa.UniqueConstraint("kid", name="AuthSigningKey_kid_uq"),
        sa.UniqueConstraint("generation", name="AuthSigningKey_generation_uq"),
        mysql_charset="utf8mb4",
    )
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


def downgrade() -> None:
    for table in (
        "AuthLoginThrottle",
        "AuthSigningKey",
        "AuthRefreshToken",
        "AuthClient",
        "AuthAccount",
    ):
        op.drop_table(table)
