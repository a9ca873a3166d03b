"""Data collections and processing: DataCollectionGroup, DataCollection, the AutoProc
chain (AutoProcProgram, AutoProcIntegration, AutoProc, AutoProcScaling,
AutoProcScaling_has_Int, AutoProcScalingStatistics, AutoProcProgramAttachment), each with
a uuid column; and AutoProcScalingAnisotropy, a table of ours.

As in 0001: ISPyB tables are created only when missing; existing ones get the uuid.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa

from ispyb_core.migration_helpers import (
    ensure_table,
    ensure_uuid,
    uuid_column,
    uuid_constraint,
)

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

EXPERIMENT_TYPES = (
    "SAD",
    "SAD - Inverse Beam",
    "OSC",
    "Collect - Multiwedge",
    "MAD",
    "Helical",
    "Multi-positional",
    "Mesh",
    "Burn",
    "MAD - Inverse Beam",
    "Characterization",
    "Dehydration",
    "tomo",
    "experiment",
    "EM",
    "PDF",
    "PDF+Bragg",
    "Bragg",
    "single particle",
    "Serial Fixed",
    "Serial Jet",
    "Standard",
    "Time Resolved",
    "Diamond Anvil High Pressure",
    "Custom",
    "XRF map",
    "Energy scan",
    "XRF spectrum",
    "XRF map xas",
    "Mesh3D",
    "Screening",
    "Still",
    "SSX-Chip",
    "SSX-Jet",
    "Metal ID",
)
TABLES = [
    "DataCollectionGroup",
    "DataCollection",
    "AutoProcProgram",
    "AutoProcIntegration",
    "AutoProc",
    "AutoProcScaling",
    "AutoProcScaling_has_Int",
    "AutoProcScalingStatistics",
    "AutoProcProgramAttachment",
]


def _cascade_fk(columns, target, name):
    return sa.ForeignKeyConstraint(
        columns, [target], name=name, ondelete="CASCADE", onupdate="CASCADE"
    )


def upgrade() -> None:
    ensure_table(
        "DataCollectionGroup",
        sa.Column("dataCollectionGroupId", sa.Integer(), primary_key=True),
        sa.Column("sessionId", sa.Integer(), nullable=False),
        sa.Column("blSampleId", sa.Integer()),
        sa.Column("experimentType", sa.Enum(*EXPERIMENT_TYPES, name="experiment_type")),
        sa.Column("startTime", sa.DateTime()),
        sa.Column("endTime", sa.DateTime()),
        sa.Column("comments", sa.String(1024)),
        sa.Column("crystalClass", sa.String(20)),
        sa.Column("detectorMode", sa.String(255)),
        sa.Column("actualSampleBarcode", sa.String(45)),
        sa.Column("actualSampleSlotInContainer", sa.Integer()),
        sa.Column("actualContainerBarcode", sa.String(45)),
        sa.Column("actualContainerSlotInSC", sa.Integer()),
        sa.Column("xtalSnapshotFullPath", sa.String(255)),
        sa.Column("scanParameters", sa.Text()),
        uuid_column(),
        _cascade_fk(["sessionId"], "BLSession.sessionId", "DataCollectionGroup_ibfk_2"),
        sa.ForeignKeyConstraint(
            ["blSampleId"], ["BLSample.blSampleId"], name="DataCollectionGroup_ibfk_1"
        ),
        uuid_constraint("DataCollectionGroup"),
        indexes=(
            ("DataCollectionGroup_FKIndex1", ["blSampleId"], False),
            ("DataCollectionGroup_FKIndex2", ["sessionId"], False),
        ),
    )
    float_columns = [
        "axisStart",
        "axisEnd",
        "axisRange",
        "overlap",
        "exposureTime",
        "wavelength",
        "resolution",
        "detectorDistance",
        "xBeam",
        "yBeam",
        "slitGapVertical",
        "slitGapHorizontal",
        "transmission",
        "phiStart",
        "kappaStart",
        "omegaStart",
        "chiStart",
        "resolutionAtCorner",
        "detector2Theta",
        "undulatorGap1",
        "beamSizeAtSampleX",
        "beamSizeAtSampleY",
        "averageTemperature",
    ]
    ensure_table(
        "DataCollection",
        sa.Column("dataCollectionId", sa.Integer(), primary_key=True),
        sa.Column("dataCollectionGroupId", sa.Integer(), nullable=False),
        sa.Column("BLSAMPLEID", sa.Integer()),
        sa.Column("SESSIONID", sa.Integer(), server_default="0"),
        sa.Column("dataCollectionNumber", sa.Integer()),
        sa.Column("startTime", sa.DateTime()),
        sa.Column("endTime", sa.DateTime()),
        sa.Column("runStatus", sa.String(45)),
        sa.Column("numberOfImages", sa.Integer()),
        sa.Column("startImageNumber", sa.Integer()),
        sa.Column("numberOfPasses", sa.Integer()),
        sa.Column("imageDirectory", sa.String(255)),
        sa.Column("imagePrefix", sa.String(45)),
        sa.Column("imageSuffix", sa.String(45)),
        sa.Column("imageContainerSubPath", sa.String(255)),
        sa.Column("fileTemplate", sa.String(255)),
        sa.Column("comments", sa.String(1024)),
        sa.Column("printableForReport", sa.Boolean(), server_default="1"),
        sa.Column("synchrotronMode", sa.String(20)),
        sa.Column("xtalSnapshotFullPath1", sa.String(255)),
        sa.Column("xtalSnapshotFullPath2", sa.String(255)),
        sa.Column("xtalSnapshotFullPath3", sa.String(255)),
        sa.Column("xtalSnapshotFullPath4", sa.String(255)),
        sa.Column("rotationAxis", sa.Enum("Omega", "Kappa", "Phi", name="rotation_axis")),
        sa.Column("centeringMethod", sa.String(255)),
        sa.Column("beamShape", sa.String(45)),
        sa.Column("flux", sa.Double()),
        sa.Column("flux_end", sa.Double()),
        *(sa.Column(name, sa.Float()) for name in float_columns),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["dataCollectionGroupId"],
            ["DataCollectionGroup.dataCollectionGroupId"],
            name="DataCollection_ibfk_3",
        ),
        uuid_constraint("DataCollection"),
        indexes=(
            ("DataCollection_FKIndex0", ["BLSAMPLEID"], False),
            ("DataCollection_FKIndex00", ["SESSIONID"], False),
            ("DataCollection_FKIndex1", ["dataCollectionGroupId"], False),
            ("DataCollection_FKIndexStartTime", ["startTime"], False),
            ("DataCollection_FKIndexDCNumber", ["dataCollectionNumber"], False),
            ("DataCollection_FKIndexImagePrefix", ["imagePrefix"], False),
            ("DataCollection_FKIndexImageDirectory", ["imageDirectory"], False),
            (
                "DataCollection_dataCollectionGroupId_startTime",
                ["dataCollectionGroupId", "startTime"],
                False,
            ),
        ),
    )
    ensure_table(
        "AutoProcProgram",
        sa.Column("autoProcProgramId", sa.Integer(), primary_key=True),
        sa.Column("processingCommandLine", sa.String(255)),
        sa.Column("processingPrograms", sa.String(255)),
        sa.Column("processingStatus", sa.Boolean()),
        sa.Column("processingMessage", sa.String(255)),
        sa.Column("processingStartTime", sa.DateTime()),
        sa.Column("processingEndTime", sa.DateTime()),
        sa.Column("processingEnvironment", sa.String(255)),
        sa.Column("recordTimeStamp", sa.DateTime()),
        uuid_column(),
        uuid_constraint("AutoProcProgram"),
    )
    cell = ["cell_a", "cell_b", "cell_c", "cell_alpha", "cell_beta", "cell_gamma"]
    geometry = [
        "refinedDetectorDistance",
        "refinedXBeam",
        "refinedYBeam",
        "rotationAxisX",
        "rotationAxisY",
        "rotationAxisZ",
        "beamVectorX",
        "beamVectorY",
        "beamVectorZ",
    ]
    ensure_table(
        "AutoProcIntegration",
        sa.Column("autoProcIntegrationId", sa.Integer(), primary_key=True),
        sa.Column("dataCollectionId", sa.Integer(), nullable=False),
        sa.Column("autoProcProgramId", sa.Integer()),
        sa.Column("startImageNumber", sa.Integer()),
        sa.Column("endImageNumber", sa.Integer()),
        *(sa.Column(name, sa.Float()) for name in geometry + cell),
        sa.Column("recordTimeStamp", sa.DateTime()),
        sa.Column("anomalous", sa.Boolean(), server_default="0"),
        uuid_column(),
        _cascade_fk(
            ["dataCollectionId"], "DataCollection.dataCollectionId", "AutoProcIntegration_ibfk_1"
        ),
        _cascade_fk(
            ["autoProcProgramId"],
            "AutoProcProgram.autoProcProgramId",
            "AutoProcIntegration_ibfk_2",
        ),
        uuid_constraint("AutoProcIntegration"),
        indexes=(
            ("AutoProcIntegrationIdx1", ["dataCollectionId"], False),
            ("AutoProcIntegration_FKIndex1", ["autoProcProgramId"], False),
        ),
    )
    ensure_table(
        "AutoProc",
        sa.Column("autoProcId", sa.Integer(), primary_key=True),
        sa.Column("autoProcProgramId", sa.Integer()),
        sa.Column("spaceGroup", sa.String(45)),
        *(sa.Column(f"refinedC{name[1:]}", sa.Float()) for name in cell),
        sa.Column("recordTimeStamp", sa.DateTime()),
        uuid_column(),
        _cascade_fk(["autoProcProgramId"], "AutoProcProgram.autoProcProgramId", "AutoProc_ibfk_1"),
        uuid_constraint("AutoProc"),
        indexes=(("AutoProc_FKIndex1", ["autoProcProgramId"], False),),
    )
    ensure_table(
        "AutoProcScaling",
        sa.Column("autoProcScalingId", sa.Integer(), primary_key=True),
        sa.Column("autoProcId", sa.Integer()),
        sa.Column("recordTimeStamp", sa.DateTime()),
        uuid_column(),
        _cascade_fk(["autoProcId"], "AutoProc.autoProcId", "AutoProcScalingFk1"),
        uuid_constraint("AutoProcScaling"),
        indexes=(("AutoProcScalingFk1", ["autoProcId"], False),),
    )
    ensure_table(
        "AutoProcScaling_has_Int",
        sa.Column("autoProcScaling_has_IntId", sa.Integer(), primary_key=True),
        sa.Column("autoProcIntegrationId", sa.Integer(), nullable=False),
        sa.Column("autoProcScalingId", sa.Integer()),
        sa.Column("recordTimeStamp", sa.DateTime()),
        uuid_column(),
        _cascade_fk(
            ["autoProcIntegrationId"],
            "AutoProcIntegration.autoProcIntegrationId",
            "AutoProcScaling_has_IntFk2",
        ),
        _cascade_fk(
            ["autoProcScalingId"],
            "AutoProcScaling.autoProcScalingId",
            "AutoProcScaling_has_IntFk1",
        ),
        uuid_constraint("AutoProcScaling_has_Int"),
        indexes=(
            ("AutoProcScal_has_IntIdx2", ["autoProcIntegrationId"], False),
            (
                "AutoProcScalingHasInt_FKIndex3",
                ["autoProcScalingId", "autoProcIntegrationId"],
                False,
            ),
        ),
    )
    statistics = [
        "resolutionLimitLow",
        "resolutionLimitHigh",
        "rMerge",
        "rMeasWithinIPlusIMinus",
        "rMeasAllIPlusIMinus",
        "rPimWithinIPlusIMinus",
        "rPimAllIPlusIMinus",
        "fractionalPartialBias",
        "meanIOverSigI",
        "completeness",
        "multiplicity",
        "anomalousCompleteness",
        "anomalousMultiplicity",
        "ccHalf",
        "ccAnomalous",
        "resIOverSigI2",
    ]
    ensure_table(
        "AutoProcScalingStatistics",
        sa.Column("autoProcScalingStatisticsId", sa.Integer(), primary_key=True),
        sa.Column(
            "scalingStatisticsType",
            sa.Enum("overall", "innerShell", "outerShell", name="scaling_statistics_type"),
            nullable=False,
            server_default="overall",
        ),
        sa.Column("autoProcScalingId", sa.Integer()),
        sa.Column("comments", sa.String(255)),
        sa.Column("nTotalObservations", sa.Integer()),
        sa.Column("nTotalUniqueObservations", sa.Integer()),
        *(sa.Column(name, sa.Float()) for name in statistics),
        sa.Column("recordTimeStamp", sa.DateTime()),
        sa.Column("anomalous", sa.Boolean(), server_default="0"),
        uuid_column(),
        _cascade_fk(
            ["autoProcScalingId"],
            "AutoProcScaling.autoProcScalingId",
            "_AutoProcScalingStatisticsFk1",
        ),
        uuid_constraint("AutoProcScalingStatistics"),
        indexes=(
            ("AutoProcScalingStatistics_FKindexType", ["scalingStatisticsType"], False),
            (
                "AutoProcScalingStatistics_scalingId_statisticsType",
                ["autoProcScalingId", "scalingStatisticsType"],
                False,
            ),
        ),
    )
    ensure_table(
        "AutoProcProgramAttachment",
        sa.Column("autoProcProgramAttachmentId", sa.Integer(), primary_key=True),
        sa.Column("autoProcProgramId", sa.Integer(), nullable=False),
        sa.Column(
            "fileType",
            sa.Enum("Log", "Result", "Graph", "Debug", "Input", name="attachment_file_type"),
        ),
        sa.Column("fileName", sa.String(255)),
        sa.Column("filePath", sa.String(255)),
        sa.Column("recordTimeStamp", sa.DateTime()),
        sa.Column("importanceRank", sa.Integer()),
        sa.Column("deleted", sa.Boolean(), server_default="0"),
        uuid_column(),
        _cascade_fk(
            ["autoProcProgramId"],
            "AutoProcProgram.autoProcProgramId",
            "AutoProcProgramAttachmentFk1",
        ),
        uuid_constraint("AutoProcProgramAttachment"),
        indexes=(("AutoProcProgramAttachmentIdx1", ["autoProcProgramId"], False),),
    )
    for table in TABLES:
        ensure_uuid(table)

    # Ours: not in ISPyB.
    ensure_table(
        "AutoProcScalingAnisotropy",
        sa.Column("autoProcScalingAnisotropyId", sa.Integer(), primary_key=True),
        sa.Column("autoProcScalingId", sa.Integer(), nullable=False),
        *(
            sa.Column(name, sa.Float())
            for name in (
                "resolutionLimit1",
                "resolutionLimit2",
                "resolutionLimit3",
                "ellipsoidalCompleteness",
                "ellipsoidalAnomalousCompleteness",
                "sphericalCompleteness",
                "anisotropicResolutionCutoffHigh",
                "anisotropicResolutionCutoffLow",
            )
        ),
        sa.Column("direction1", sa.String(45)),
        sa.Column("direction2", sa.String(45)),
        sa.Column("direction3", sa.String(45)),
        sa.Column("cutoffCriterion", sa.String(45)),
        sa.Column("anisotropyProgram", sa.String(45)),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["autoProcScalingId"],
            ["AutoProcScaling.autoProcScalingId"],
            name="AutoProcScalingAnisotropy_fk_scaling",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("autoProcScalingId", name="AutoProcScalingAnisotropy_scaling_uq"),
        uuid_constraint("AutoProcScalingAnisotropy"),
    )


def downgrade() -> None:
    raise NotImplementedError("core's migrations are not reversible (they may hold site data)")
