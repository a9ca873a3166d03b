"""ImageQualityIndicators (per-image analysis) and DataCollectionFileAttachment (files of
a data collection), ISPyB's tables, created where missing (both flavours have them; an
empty database gets Diamond's), each with its uuid column like every table core serves;
DataCollection.imageQualityIndicatorsPlotPath (ESRF's column) added where missing.

Diamond keys ImageQualityIndicators by (dataCollectionId, imageNumber), without foreign
keys; ESRF's table has its own key and lacks driftFactor, which is added.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa

from ispyb_core.migration_helpers import (
    ensure_column,
    ensure_table,
    ensure_uuid,
    uuid_column,
    uuid_constraint,
)

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

FILE_TYPES = ("snapshot", "log", "xy", "recip", "pia", "warning", "params")


def upgrade() -> None:
    ensure_column(
        "DataCollection", sa.Column("imageQualityIndicatorsPlotPath", sa.String(512), nullable=True)
    )
    ensure_table(
        "ImageQualityIndicators",
        sa.Column("dataCollectionId", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("imageNumber", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("imageId", sa.Integer(), nullable=True),
        sa.Column("autoProcProgramId", sa.Integer(), nullable=True),
        sa.Column("spotTotal", sa.Integer(), nullable=True),
        sa.Column("inResTotal", sa.Integer(), nullable=True),
        sa.Column("goodBraggCandidates", sa.Integer(), nullable=True),
        sa.Column("iceRings", sa.Integer(), nullable=True),
        sa.Column("method1Res", sa.Float(), nullable=True),
        sa.Column("method2Res", sa.Float(), nullable=True),
        sa.Column("maxUnitCell", sa.Float(), nullable=True),
        sa.Column("pctSaturationTop50Peaks", sa.Float(), nullable=True),
        sa.Column("inResolutionOvrlSpots", sa.Integer(), nullable=True),
        sa.Column("binPopCutOffMethod2Res", sa.Float(), nullable=True),
        sa.Column("recordTimeStamp", sa.DateTime(), nullable=True),
        sa.Column("totalIntegratedSignal", sa.Double(), nullable=True),
        sa.Column("dozor_score", sa.Double(), nullable=True),
        sa.Column("driftFactor", sa.Float(), nullable=True),
        uuid_column(),
        uuid_constraint("ImageQualityIndicators"),
    )
    ensure_uuid("ImageQualityIndicators")
    ensure_table(
        "DataCollectionFileAttachment",
        sa.Column("dataCollectionFileAttachmentId", sa.Integer(), primary_key=True),
        sa.Column("dataCollectionId", sa.Integer(), nullable=False),
        sa.Column("fileFullPath", sa.String(255), nullable=False),
        sa.Column(
            "createTime",
            sa.TIMESTAMP(),
            nullable=False,
            server_default=sa.func.current_timestamp(),
        ),
        sa.Column(
            "fileType", sa.Enum(*FILE_TYPES, name="data_collection_file_type"), nullable=True
        ),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["dataCollectionId"],
            ["DataCollection.dataCollectionId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="_dataCollectionFileAttachmentId_fk1",
        ),
        uuid_constraint("DataCollectionFileAttachment"),
        indexes=(("_dataCollectionFileAttachmentId_fk1", ["dataCollectionId"], False),),
    )
    ensure_uuid("DataCollectionFileAttachment")


def downgrade() -> None:
    raise NotImplementedError("core's migrations are not reversible (they may hold site data)")
