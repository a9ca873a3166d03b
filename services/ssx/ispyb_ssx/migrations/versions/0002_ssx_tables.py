"""The ssx tables: ISPyB's SSXDataCollection, EventChain, Event, EventType, Component,
ComponentType, SampleComposition, CrystalComposition, ConcentrationType, and tables of
ours: SSXProcessingResult (+ attachments) and SSXHitChunk. References to core rows are
UUIDs (dataCollectionUUID, blSampleUUID, crystalUUID, proposalUUID). The type tables are
filled with their fixed vocabularies.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from ispyb_shared.uuids import uuid_server_default

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Table definitions and vocabularies are frozen here: a migration never follows the models.
EVENT_TYPES = ("XrayDetection", "XrayExposure", "LaserExcitation", "ReactionTrigger")
COMPONENT_TYPES = ("Ligand", "Buffer", "JetMaterial", "Cryoprotectant", "Additive")
CONCENTRATION_TYPES = (
    ("Molar", "M"),
    ("Millimolar", "mM"),
    ("Micromolar", "uM"),
    ("Milligram per millilitre", "mg/ml"),
    ("Percent weight per volume", "%w/v"),
    ("Percent volume per volume", "%v/v"),
)


def upgrade() -> None:
    op.create_table(
        "ComponentType",
        sa.Column("componentTypeId", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=31), nullable=False),
        sa.PrimaryKeyConstraint("componentTypeId"),
        sa.UniqueConstraint("name", name=op.f("ComponentType_name_uq")),
    )
    op.create_table(
        "ConcentrationType",
        sa.Column("concentrationTypeId", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=31), nullable=False),
        sa.Column("symbol", sa.String(length=8), nullable=False),
        sa.Column("proposalType", sa.String(length=10), nullable=True),
        sa.Column("active", sa.Integer(), server_default="1", nullable=True),
        sa.PrimaryKeyConstraint("concentrationTypeId"),
    )
    op.create_table(
        "EventType",
        sa.Column("eventTypeId", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.PrimaryKeyConstraint("eventTypeId"),
        sa.UniqueConstraint("name", name=op.f("EventType_name_uq")),
    )
    op.create_table(
        "SSXDataCollection",
        sa.Column("ssxDataCollectionId", sa.Integer(), nullable=False),
        sa.Column("dataCollectionUUID", sa.String(length=36), nullable=False),
        sa.Column("dataCollectionGroupUUID", sa.String(length=36), nullable=False),
        sa.Column("sessionUUID", sa.String(length=36), nullable=False),
        sa.Column("blSampleUUID", sa.String(length=36), nullable=True),
        sa.Column(
            "experimentType",
            sa.Enum("SSX-Chip", "SSX-Jet", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("repetitionRate", sa.Float(), nullable=True),
        sa.Column("energyBandwidth", sa.Float(), nullable=True),
        sa.Column("monoStripe", sa.String(length=255), nullable=True),
        sa.Column("jetSpeed", sa.Float(), nullable=True),
        sa.Column("jetSize", sa.Float(), nullable=True),
        sa.Column("chipPattern", sa.String(length=255), nullable=True),
        sa.Column("chipModel", sa.String(length=255), nullable=True),
        sa.Column("reactionDuration", sa.Float(), nullable=True),
        sa.Column("laserEnergy", sa.Float(), nullable=True),
        sa.Column("experimentName", sa.String(length=255), nullable=True),
        sa.Column("requestedBy", sa.String(length=255), nullable=False),
        sa.Column("clientRequestId", sa.String(length=100), nullable=True),
        sa.Column("recordTimeStamp", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column(
            "uuid", sa.String(length=36), server_default=uuid_server_default(), nullable=False
        ),
        sa.PrimaryKeyConstraint("ssxDataCollectionId"),
        sa.UniqueConstraint(
            "dataCollectionUUID", name=op.f("SSXDataCollection_dataCollectionUUID_uq")
        ),
        sa.UniqueConstraint(
            "requestedBy", "clientRequestId", name=op.f("SSXDataCollection_requestedBy_uq")
        ),
        sa.UniqueConstraint("uuid", name=op.f("SSXDataCollection_uuid_uq")),
    )
    op.create_index(
        op.f("ix_SSXDataCollection_sessionUUID"), "SSXDataCollection", ["sessionUUID"], unique=False
    )
    op.create_table(
        "Component",
        sa.Column("componentId", sa.Integer(), nullable=False),
        sa.Column("componentTypeId", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("proposalUUID", sa.String(length=36), nullable=True),
        sa.Column("composition", sa.String(length=255), nullable=True),
        sa.Column(
            "uuid", sa.String(length=36), server_default=uuid_server_default(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["componentTypeId"],
            ["ComponentType.componentTypeId"],
        ),
        sa.PrimaryKeyConstraint("componentId"),
        sa.UniqueConstraint("uuid", name=op.f("Component_uuid_uq")),
    )
    op.create_index(
        op.f("ix_Component_componentTypeId"), "Component", ["componentTypeId"], unique=False
    )
    op.create_index(op.f("ix_Component_proposalUUID"), "Component", ["proposalUUID"], unique=False)
    op.create_table(
        "EventChain",
        sa.Column("eventChainId", sa.Integer(), nullable=False),
        sa.Column("ssxDataCollectionId", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column(
            "uuid", sa.String(length=36), server_default=uuid_server_default(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["ssxDataCollectionId"], ["SSXDataCollection.ssxDataCollectionId"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("eventChainId"),
        sa.UniqueConstraint("uuid", name=op.f("EventChain_uuid_uq")),
    )
    op.create_index(
        op.f("ix_EventChain_ssxDataCollectionId"),
        "EventChain",
        ["ssxDataCollectionId"],
        unique=False,
    )
    op.create_table(
        "SSXHitChunk",
        sa.Column("ssxHitChunkId", sa.Integer(), nullable=False),
        sa.Column("ssxDataCollectionId", sa.Integer(), nullable=False),
        sa.Column("firstImage", sa.Integer(), nullable=False),
        sa.Column("lastImage", sa.Integer(), nullable=False),
        sa.Column("numberOfHits", sa.Integer(), nullable=False),
        sa.Column("numberOfIndexed", sa.Integer(), nullable=False),
        sa.Column("recordTimeStamp", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column(
            "uuid", sa.String(length=36), server_default=uuid_server_default(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["ssxDataCollectionId"], ["SSXDataCollection.ssxDataCollectionId"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("ssxHitChunkId"),
        sa.UniqueConstraint(
            "ssxDataCollectionId", "firstImage", name=op.f("SSXHitChunk_ssxDataCollectionId_uq")
        ),
        sa.UniqueConstraint("uuid", name=op.f("SSXHitChunk_uuid_uq")),
    )
    op.create_table(
        "SSXProcessingResult",
        sa.Column("ssxProcessingResultId", sa.Integer(), nullable=False),
        sa.Column("ssxDataCollectionId", sa.Integer(), nullable=False),
        sa.Column(
            "indexingType", sa.Enum("Preliminary", "Final", native_enum=False), nullable=False
        ),
        sa.Column(
            "status", sa.Enum("Running", "Success", "Failed", native_enum=False), nullable=False
        ),
        sa.Column("programs", sa.String(length=255), nullable=True),
        sa.Column("numberOfImages", sa.Integer(), nullable=True),
        sa.Column("numberOfHits", sa.Integer(), nullable=True),
        sa.Column("numberOfIndexed", sa.Integer(), nullable=True),
        sa.Column("hitRate", sa.Float(), nullable=True),
        sa.Column("indexingRate", sa.Float(), nullable=True),
        sa.Column("nbCrystals", sa.Integer(), nullable=True),
        sa.Column("spaceGroup", sa.String(length=20), nullable=True),
        sa.Column("cellA", sa.Float(), nullable=True),
        sa.Column("cellB", sa.Float(), nullable=True),
        sa.Column("cellC", sa.Float(), nullable=True),
        sa.Column("cellAlpha", sa.Float(), nullable=True),
        sa.Column("cellBeta", sa.Float(), nullable=True),
        sa.Column("cellGamma", sa.Float(), nullable=True),
        sa.Column("cellASd", sa.Float(), nullable=True),
        sa.Column("cellBSd", sa.Float(), nullable=True),
        sa.Column("cellCSd", sa.Float(), nullable=True),
        sa.Column("cellAlphaSd", sa.Float(), nullable=True),
        sa.Column("cellBetaSd", sa.Float(), nullable=True),
        sa.Column("cellGammaSd", sa.Float(), nullable=True),
        sa.Column("postedBy", sa.String(length=255), nullable=False),
        sa.Column("recordTimeStamp", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column(
            "uuid", sa.String(length=36), server_default=uuid_server_default(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["ssxDataCollectionId"], ["SSXDataCollection.ssxDataCollectionId"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("ssxProcessingResultId"),
        sa.UniqueConstraint("uuid", name=op.f("SSXProcessingResult_uuid_uq")),
    )
    op.create_index(
        op.f("ix_SSXProcessingResult_ssxDataCollectionId"),
        "SSXProcessingResult",
        ["ssxDataCollectionId"],
        unique=False,
    )
    op.create_table(
        "CrystalComposition",
        sa.Column("crystalCompositionId", sa.Integer(), nullable=False),
        sa.Column("componentId", sa.Integer(), nullable=False),
        sa.Column("crystalUUID", sa.String(length=36), nullable=False),
        sa.Column("concentrationTypeId", sa.Integer(), nullable=True),
        sa.Column("abundance", sa.Float(), nullable=True),
        sa.Column("ratio", sa.Float(), nullable=True),
        sa.Column("pH", sa.Float(), nullable=True),
        sa.Column(
            "uuid", sa.String(length=36), server_default=uuid_server_default(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["componentId"],
            ["Component.componentId"],
        ),
        sa.ForeignKeyConstraint(
            ["concentrationTypeId"],
            ["ConcentrationType.concentrationTypeId"],
        ),
        sa.PrimaryKeyConstraint("crystalCompositionId"),
        sa.UniqueConstraint("uuid", name=op.f("CrystalComposition_uuid_uq")),
    )
    op.create_index(
        op.f("ix_CrystalComposition_componentId"),
        "CrystalComposition",
        ["componentId"],
        unique=False,
    )
    op.create_index(
        op.f("ix_CrystalComposition_crystalUUID"),
        "CrystalComposition",
        ["crystalUUID"],
        unique=False,
    )
    op.create_table(
        "Event",
        sa.Column("eventId", sa.Integer(), nullable=False),
        sa.Column("eventChainId", sa.Integer(), nullable=False),
        sa.Column("eventTypeId", sa.Integer(), nullable=False),
        sa.Column("componentId", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("offset", sa.Float(), nullable=False),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("period", sa.Float(), nullable=True),
        sa.Column("repetition", sa.Float(), nullable=True),
        sa.Column(
            "uuid", sa.String(length=36), server_default=uuid_server_default(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["componentId"],
            ["Component.componentId"],
        ),
        sa.ForeignKeyConstraint(["eventChainId"], ["EventChain.eventChainId"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["eventTypeId"],
            ["EventType.eventTypeId"],
        ),
        sa.PrimaryKeyConstraint("eventId"),
        sa.UniqueConstraint("uuid", name=op.f("Event_uuid_uq")),
    )
    op.create_index(op.f("ix_Event_componentId"), "Event", ["componentId"], unique=False)
    op.create_index(op.f("ix_Event_eventChainId"), "Event", ["eventChainId"], unique=False)
    op.create_index(op.f("ix_Event_eventTypeId"), "Event", ["eventTypeId"], unique=False)
    op.create_table(
        "SSXProcessingResultAttachment",
        sa.Column("ssxProcessingResultAttachmentId", sa.Integer(), nullable=False),
        sa.Column("ssxProcessingResultId", sa.Integer(), nullable=False),
        sa.Column("fileType", sa.String(length=45), nullable=False),
        sa.Column("filePath", sa.String(length=255), nullable=False),
        sa.Column("fileName", sa.String(length=255), nullable=False),
        sa.Column(
            "uuid", sa.String(length=36), server_default=uuid_server_default(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["ssxProcessingResultId"],
            ["SSXProcessingResult.ssxProcessingResultId"],
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ssxProcessingResultAttachmentId"),
        sa.UniqueConstraint("uuid", name=op.f("SSXProcessingResultAttachment_uuid_uq")),
    )
    op.create_index(
        op.f("ix_SSXProcessingResultAttachment_ssxProcessingResultId"),
        "SSXProcessingResultAttachment",
        ["ssxProcessingResultId"],
        unique=False,
    )
    op.create_table(
        "SampleComposition",
        sa.Column("sampleCompositionId", sa.Integer(), nullable=False),
        sa.Column("componentId", sa.Integer(), nullable=False),
        sa.Column("blSampleUUID", sa.String(length=36), nullable=False),
        sa.Column("concentrationTypeId", sa.Integer(), nullable=True),
        sa.Column("abundance", sa.Float(), nullable=True),
        sa.Column("ratio", sa.Float(), nullable=True),
        sa.Column("pH", sa.Float(), nullable=True),
        sa.Column(
            "uuid", sa.String(length=36), server_default=uuid_server_default(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["componentId"],
            ["Component.componentId"],
        ),
        sa.ForeignKeyConstraint(
            ["concentrationTypeId"],
            ["ConcentrationType.concentrationTypeId"],
        ),
        sa.PrimaryKeyConstraint("sampleCompositionId"),
        sa.UniqueConstraint("uuid", name=op.f("SampleComposition_uuid_uq")),
    )
    op.create_index(
        op.f("ix_SampleComposition_blSampleUUID"),
        "SampleComposition",
        ["blSampleUUID"],
        unique=False,
    )
    op.create_index(
        op.f("ix_SampleComposition_componentId"), "SampleComposition", ["componentId"], unique=False
    )

    op.bulk_insert(
        sa.table("EventType", sa.column("eventTypeId"), sa.column("name")),
        [{"eventTypeId": i, "name": n} for i, n in enumerate(EVENT_TYPES, 1)],
    )
    op.bulk_insert(
        sa.table("ComponentType", sa.column("componentTypeId"), sa.column("name")),
        [{"componentTypeId": i, "name": n} for i, n in enumerate(COMPONENT_TYPES, 1)],
    )
    op.bulk_insert(
        sa.table(
            "ConcentrationType",
            sa.column("concentrationTypeId"),
            sa.column("name"),
            sa.column("symbol"),
        ),
        [
            {"concentrationTypeId": i, "name": n, "symbol": s}
            for i, (n, s) in enumerate(CONCENTRATION_TYPES, 1)
        ],
    )


def downgrade() -> None:
    for table in (
        "SSXHitChunk",
        "SSXProcessingResultAttachment",
        "SSXProcessingResult",
        "CrystalComposition",
        "SampleComposition",
        "Event",
        "EventChain",
        "Component",
        "SSXDataCollection",
        "EventType",
        "ConcentrationType",
        "ComponentType",
    ):
        op.drop_table(table)
