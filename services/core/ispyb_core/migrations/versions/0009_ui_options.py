"""AdminVar, ISPyB's table of site settings, where core keeps the front ends' options
(docs/front-ends.md); present in every ISPyB flavour, created only on a new database;
its uuid column added like every table core serves.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa

from ispyb_core.migration_helpers import ensure_table, ensure_uuid, uuid_column, uuid_constraint

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ensure_table(
        "AdminVar",
        sa.Column("varId", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(32), nullable=True),
        sa.Column("value", sa.String(1024), nullable=True),
        uuid_column(),
        uuid_constraint("AdminVar"),
    )
    ensure_uuid("AdminVar")  # a site's existing table, like every table core serves


def downgrade() -> None:
    raise NotImplementedError("core's migrations are not reversible (they may hold site data)")
