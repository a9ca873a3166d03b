"""DataCollectionComment, ISPyB's comments on data collections (Diamond's flavour has it,
ESRF's does not): created where missing, with its uuid column like every table core serves.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa

from ispyb_core.migration_helpers import ensure_table, ensure_uuid, uuid_column, uuid_constraint

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ensure_table(
        "DataCollectionComment",
        sa.Column("dataCollectionCommentId", sa.Integer(), primary_key=True),
        sa.Column("dataCollectionId", sa.Integer(), nullable=False),
        sa.Column("personId", sa.Integer(), nullable=False),
        sa.Column("createTime", sa.DateTime(), nullable=False),
        sa.Column("comments", sa.String(4000), nullable=True),
        sa.Column("modTime", sa.Date(), nullable=True),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["dataCollectionId"],
            ["DataCollection.dataCollectionId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="dataCollectionComment_fk1",
        ),
        sa.ForeignKeyConstraint(
            ["personId"],
            ["Person.personId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="dataCollectionComment_fk2",
        ),
        uuid_constraint("DataCollectionComment"),
        indexes=(
            ("dataCollectionComment_fk1", ["dataCollectionId"], False),
            ("dataCollectionComment_fk2", ["personId"], False),
        ),
    )
    ensure_uuid("DataCollectionComment")


def downgrade() -> None:
    raise NotImplementedError("core's migrations are not reversible (they may hold site data)")
