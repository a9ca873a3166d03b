"""What a beamline writes besides data collections (docs/acquisition.md): Image,
RobotAction, EnergyScan, XFEFluorescenceSpectrum, the Screening family (Screening,
ScreeningOutput, ScreeningOutputLattice, ScreeningStrategy, ScreeningStrategyWedge,
ScreeningStrategySubWedge), GridInfo, the sample changer's queue (ContainerQueue,
ContainerQueueSample), each with a uuid column.

As in 0001: ISPyB tables are created only when missing; existing ones get the uuid.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa

from ispyb_core.migration_helpers import ensure_table, ensure_uuid, uuid_column, uuid_constraint

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ROBOT_ACTION_TYPES = ("LOAD", "UNLOAD", "DISPOSE", "STORE", "WASH", "ANNEAL", "MOSAIC", "LASER")
ROBOT_ACTION_STATUSES = (
    "SUCCESS",
    "ERROR",
    "CRITICAL",
    "WARNING",
    "EPICSFAIL",
    "COMMANDNOTSENT",
)


ENERGY_SCAN_FLOATS = (
    "startEnergy",
    "endEnergy",
    "transmissionFactor",
    "exposureTime",
    "axisPosition",
    "synchrotronCurrent",
    "temperature",
    "peakEnergy",
    "peakFPrime",
    "peakFDoublePrime",
    "inflectionEnergy",
    "inflectionFPrime",
    "inflectionFDoublePrime",
    "xrayDose",
)
TABLES = (
    "Image",
    "RobotAction",
    "EnergyScan",
    "XFEFluorescenceSpectrum",
    "Screening",
    "ScreeningOutput",
    "ScreeningOutputLattice",
    "ScreeningStrategy",
    "ScreeningStrategyWedge",
    "ScreeningStrategySubWedge",
    "GridInfo",
    "ContainerQueue",
    "ContainerQueueSample",
)


def _cascade_fk(columns, target, name):
    return sa.ForeignKeyConstraint(
        columns, [target], name=name, ondelete="CASCADE", onupdate="CASCADE"
    )


def upgrade() -> None:
    ensure_table(
        "Image",
        sa.Column("imageId", sa.Integer(), primary_key=True),
        sa.Column("dataCollectionId", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("imageNumber", sa.Integer()),
        sa.Column("fileName", sa.String(255)),
        sa.Column("fileLocation", sa.String(255)),
        sa.Column("measuredIntensity", sa.Float()),
        sa.Column("jpegFileFullPath", sa.String(255)),
        sa.Column("jpegThumbnailFileFullPath", sa.String(255)),
        sa.Column("temperature", sa.Float()),
        sa.Column("cumulativeIntensity", sa.Float()),
        sa.Column("synchrotronCurrent", sa.Float()),
        sa.Column("comments", sa.String(1024)),
        sa.Column("machineMessage", sa.String(1024)),
        sa.Column("motorPositionId", sa.Integer()),
        sa.Column(
            "recordTimeStamp",
            sa.TIMESTAMP(),
            nullable=False,
            server_default=sa.func.current_timestamp(),
        ),
        uuid_column(),
        _cascade_fk(["dataCollectionId"], "DataCollection.dataCollectionId", "Image_ibfk_1"),
        uuid_constraint("Image"),
        indexes=(
            ("Image_FKIndex1", ["dataCollectionId"], False),
            ("Image_FKIndex2", ["imageNumber"], False),
            ("Image_Index3", ["fileLocation", "fileName"], False),
        ),
    )
    ensure_table(
        "RobotAction",
        sa.Column("robotActionId", sa.Integer(), primary_key=True),
        sa.Column("blsessionId", sa.Integer(), nullable=False),
        sa.Column("blsampleId", sa.Integer()),
        sa.Column("actionType", sa.Enum(*ROBOT_ACTION_TYPES, name="robot_action_type")),
        sa.Column(
            "startTimestamp",
            sa.TIMESTAMP(),
            nullable=False,
            server_default=sa.func.current_timestamp(),
        ),
        sa.Column("endTimestamp", sa.DateTime()),
        sa.Column("status", sa.Enum(*ROBOT_ACTION_STATUSES, name="robot_action_status")),
        sa.Column("message", sa.String(255)),
        sa.Column("containerLocation", sa.SmallInteger()),
        sa.Column("dewarLocation", sa.SmallInteger()),
        sa.Column("sampleBarcode", sa.String(45)),
        sa.Column("xtalSnapshotBefore", sa.String(255)),
        sa.Column("xtalSnapshotAfter", sa.String(255)),
        uuid_column(),
        sa.ForeignKeyConstraint(["blsampleId"], ["BLSample.blSampleId"], name="RobotAction_FK2"),
        sa.ForeignKeyConstraint(["blsessionId"], ["BLSession.sessionId"], name="RobotAction_FK1"),
        uuid_constraint("RobotAction"),
        indexes=(
            ("RobotAction_FK1", ["blsessionId"], False),
            ("RobotAction_FK2", ["blsampleId"], False),
        ),
    )
    ensure_table(
        "EnergyScan",
        sa.Column("energyScanId", sa.Integer(), primary_key=True),
        sa.Column("sessionId", sa.Integer(), nullable=False),
        sa.Column("blSampleId", sa.Integer()),
        sa.Column("fluorescenceDetector", sa.String(255)),
        sa.Column("scanFileFullPath", sa.String(255)),
        sa.Column("jpegChoochFileFullPath", sa.String(255)),
        sa.Column("element", sa.String(45)),
        *(sa.Column(name, sa.Float()) for name in ENERGY_SCAN_FLOATS),
        sa.Column("startTime", sa.DateTime()),
        sa.Column("endTime", sa.DateTime()),
        sa.Column("edgeEnergy", sa.String(255)),
        sa.Column("filename", sa.String(255)),
        sa.Column("beamSizeVertical", sa.Float()),
        sa.Column("beamSizeHorizontal", sa.Float()),
        sa.Column("choochFileFullPath", sa.String(255)),
        sa.Column("crystalClass", sa.String(20)),
        sa.Column("comments", sa.String(1024)),
        sa.Column("flux", sa.Double()),
        sa.Column("flux_end", sa.Double()),
        sa.Column("workingDirectory", sa.String(45)),
        uuid_column(),
        sa.ForeignKeyConstraint(["blSampleId"], ["BLSample.blSampleId"], name="ES_ibfk_2"),
        _cascade_fk(["sessionId"], "BLSession.sessionId", "ES_ibfk_1"),
        uuid_constraint("EnergyScan"),
        indexes=(
            ("ES_ibfk_2", ["blSampleId"], False),
            ("EnergyScan_FKIndex2", ["sessionId"], False),
        ),
    )
    ensure_table(
        "XFEFluorescenceSpectrum",
        sa.Column("xfeFluorescenceSpectrumId", sa.Integer(), primary_key=True),
        sa.Column("sessionId", sa.Integer(), nullable=False),
        sa.Column("blSampleId", sa.Integer()),
        sa.Column("jpegScanFileFullPath", sa.String(255)),
        sa.Column("startTime", sa.DateTime()),
        sa.Column("endTime", sa.DateTime()),
        sa.Column("filename", sa.String(255)),
        sa.Column("exposureTime", sa.Float()),
        sa.Column("axisPosition", sa.Float()),
        sa.Column("beamTransmission", sa.Float()),
        sa.Column("annotatedPymcaXfeSpectrum", sa.String(255)),
        sa.Column("fittedDataFileFullPath", sa.String(255)),
        sa.Column("scanFileFullPath", sa.String(255)),
        sa.Column("energy", sa.Float()),
        sa.Column("beamSizeVertical", sa.Float()),
        sa.Column("beamSizeHorizontal", sa.Float()),
        sa.Column("crystalClass", sa.String(20)),
        sa.Column("comments", sa.String(1024)),
        sa.Column("flux", sa.Double()),
        sa.Column("flux_end", sa.Double()),
        sa.Column("workingDirectory", sa.String(512)),
        uuid_column(),
        _cascade_fk(["blSampleId"], "BLSample.blSampleId", "XFE_ibfk_2"),
        _cascade_fk(["sessionId"], "BLSession.sessionId", "XFE_ibfk_1"),
        uuid_constraint("XFEFluorescenceSpectrum"),
        indexes=(
            ("XFEFluorescnceSpectrum_FKIndex1", ["blSampleId"], False),
            ("XFEFluorescnceSpectrum_FKIndex2", ["sessionId"], False),
        ),
    )
    _screenings()
    ensure_table(
        "GridInfo",
        sa.Column("gridInfoId", sa.Integer(), primary_key=True),
        sa.Column("dataCollectionId", sa.Integer()),
        sa.Column("dataCollectionGroupId", sa.Integer()),
        *_doubles("xOffset", "yOffset", "dx_mm", "dy_mm", "steps_x", "steps_y", "meshAngle"),
        sa.Column(
            "orientation",
            sa.Enum("vertical", "horizontal", name="grid_orientation"),
            server_default="horizontal",
        ),
        sa.Column("snaked", sa.Boolean(), server_default="0"),
        sa.Column("patchesX", sa.Integer(), server_default="1"),
        sa.Column("patchesY", sa.Integer(), server_default="1"),
        *_floats(
            "snapshot_offsetXPixel", "snapshot_offsetYPixel", "micronsPerPixelX", "micronsPerPixelY"
        ),
        sa.Column(
            "recordTimeStamp",
            sa.TIMESTAMP(),
            nullable=False,
            server_default=sa.func.current_timestamp(),
        ),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["dataCollectionGroupId"],
            ["DataCollectionGroup.dataCollectionGroupId"],
            name="GridInfo_ibfk_2",
        ),
        _cascade_fk(
            ["dataCollectionId"], "DataCollection.dataCollectionId", "GridInfo_fk_dataCollectionId"
        ),
        uuid_constraint("GridInfo"),
        indexes=(
            ("GridInfo_fk_dataCollectionId", ["dataCollectionId"], False),
            ("GridInfo_ibfk_2", ["dataCollectionGroupId"], False),
        ),
    )
    ensure_table(
        "ContainerQueue",
        sa.Column("containerQueueId", sa.Integer(), primary_key=True),
        sa.Column("containerId", sa.Integer(), nullable=False),
        sa.Column("personId", sa.Integer()),
        sa.Column(
            "createdTimeStamp",
            sa.TIMESTAMP(),
            nullable=False,
            server_default=sa.func.current_timestamp(),
        ),
        sa.Column("completedTimeStamp", sa.TIMESTAMP(), nullable=True),
        uuid_column(),
        _cascade_fk(["containerId"], "Container.containerId", "ContainerQueue_ibfk1"),
        sa.ForeignKeyConstraint(
            ["personId"], ["Person.personId"], onupdate="CASCADE", name="ContainerQueue_ibfk2"
        ),
        uuid_constraint("ContainerQueue"),
        indexes=(
            ("ContainerQueue_ibfk1", ["containerId"], False),
            ("ContainerQueue_ibfk2", ["personId"], False),
            ("ContainerQueue_idx1", ["containerId", "completedTimeStamp"], False),
        ),
    )
    ensure_table(
        "ContainerQueueSample",
        sa.Column("containerQueueSampleId", sa.Integer(), primary_key=True),
        sa.Column("containerQueueId", sa.Integer()),
        sa.Column("blSampleId", sa.Integer()),
        sa.Column("dataCollectionPlanId", sa.Integer()),
        sa.Column("status", sa.String(20)),
        sa.Column("startTime", sa.DateTime()),
        sa.Column("endTime", sa.DateTime()),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["blSampleId"], ["BLSample.blSampleId"], name="ContainerQueueSample_blSampleId"
        ),
        _cascade_fk(
            ["containerQueueId"],
            "ContainerQueue.containerQueueId",
            "ContainerQueueSample_ibfk1",
        ),
        sa.ForeignKeyConstraint(
            ["dataCollectionPlanId"],
            ["DiffractionPlan.diffractionPlanId"],
            name="ContainerQueueSample_dataCollectionPlanId",
        ),
        uuid_constraint("ContainerQueueSample"),
        indexes=(
            ("ContainerQueueSample_blSampleId", ["blSampleId"], False),
            ("ContainerQueueSample_dataCollectionPlanId", ["dataCollectionPlanId"], False),
            ("ContainerQueueSample_ibfk1", ["containerQueueId"], False),
        ),
    )
    for table in TABLES:
        ensure_uuid(table)


def _floats(*names):
    return [sa.Column(name, sa.Float()) for name in names]


def _doubles(*names):
    return [sa.Column(name, sa.Double()) for name in names]


def _flags(*names):
    return [sa.Column(name, sa.Boolean(), nullable=False, server_default="0") for name in names]


def _screenings() -> None:
    ensure_table(
        "Screening",
        sa.Column("screeningId", sa.Integer(), primary_key=True),
        sa.Column("dataCollectionId", sa.Integer()),
        sa.Column("dataCollectionGroupId", sa.Integer()),
        sa.Column(
            "bltimeStamp",
            sa.TIMESTAMP(),
            nullable=False,
            server_default=sa.func.current_timestamp(),
        ),
        sa.Column("programVersion", sa.String(45)),
        sa.Column("comments", sa.String(255)),
        sa.Column("shortComments", sa.String(20)),
        sa.Column("diffractionPlanId", sa.Integer()),
        uuid_column(),
        sa.ForeignKeyConstraint(
            ["dataCollectionGroupId"],
            ["DataCollectionGroup.dataCollectionGroupId"],
            name="Screening_ibfk_1",
        ),
        _cascade_fk(["dataCollectionId"], "DataCollection.dataCollectionId", "_Screening_ibfk2"),
        uuid_constraint("Screening"),
        indexes=(
            ("Screening_FKIndexDiffractionPlanId", ["diffractionPlanId"], False),
            ("_Screening_ibfk2", ["dataCollectionId"], False),
            ("dcgroupId", ["dataCollectionGroupId"], False),
        ),
    )
    ensure_table(
        "ScreeningOutput",
        sa.Column("screeningOutputId", sa.Integer(), primary_key=True),
        sa.Column("screeningId", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("statusDescription", sa.String(1024)),
        sa.Column("rejectedReflections", sa.Integer()),
        *_floats(
            "resolutionObtained",
            "spotDeviationR",
            "spotDeviationTheta",
            "beamShiftX",
            "beamShiftY",
        ),
        sa.Column("numSpotsFound", sa.Integer()),
        sa.Column("numSpotsUsed", sa.Integer()),
        sa.Column("numSpotsRejected", sa.Integer()),
        *_floats("mosaicity", "iOverSigma"),
        sa.Column("diffractionRings", sa.Boolean()),
        *_flags("mosaicityEstimated", "indexingSuccess", "strategySuccess"),
        sa.Column("rankingResolution", sa.Double()),
        sa.Column("program", sa.String(45)),
        *_doubles("doseTotal", "totalExposureTime", "totalRotationRange"),
        sa.Column("totalNumberOfImages", sa.Integer()),
        sa.Column("rFriedel", sa.Double()),
        uuid_column(),
        _cascade_fk(["screeningId"], "Screening.screeningId", "ScreeningOutput_ibfk_1"),
        uuid_constraint("ScreeningOutput"),
        indexes=(("ScreeningOutput_FKIndex1", ["screeningId"], False),),
    )
    ensure_table(
        "ScreeningOutputLattice",
        sa.Column("screeningOutputLatticeId", sa.Integer(), primary_key=True),
        sa.Column("screeningOutputId", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("spaceGroup", sa.String(45)),
        sa.Column("pointGroup", sa.String(45)),
        sa.Column("bravaisLattice", sa.String(45)),
        *_floats(
            *(f"rawOrientationMatrix_{axis}_{xyz}" for axis in "abc" for xyz in "xyz"),
            "unitCell_a",
            "unitCell_b",
            "unitCell_c",
            "unitCell_alpha",
            "unitCell_beta",
            "unitCell_gamma",
        ),
        sa.Column("bltimeStamp", sa.TIMESTAMP(), server_default=sa.func.current_timestamp()),
        sa.Column("labelitIndexing", sa.Boolean(), server_default="0"),
        uuid_column(),
        _cascade_fk(
            ["screeningOutputId"],
            "ScreeningOutput.screeningOutputId",
            "ScreeningOutputLattice_ibfk_1",
        ),
        uuid_constraint("ScreeningOutputLattice"),
        indexes=(("ScreeningOutputLattice_FKIndex1", ["screeningOutputId"], False),),
    )
    ensure_table(
        "ScreeningStrategy",
        sa.Column("screeningStrategyId", sa.Integer(), primary_key=True),
        sa.Column("screeningOutputId", sa.Integer(), nullable=False, server_default="0"),
        *_floats(
            "phiStart",
            "phiEnd",
            "rotation",
            "exposureTime",
            "resolution",
            "completeness",
            "multiplicity",
        ),
        *_flags("anomalous"),
        sa.Column("program", sa.String(45)),
        *_floats("rankingResolution", "transmission"),
        uuid_column(),
        _cascade_fk(
            ["screeningOutputId"], "ScreeningOutput.screeningOutputId", "ScreeningStrategy_ibfk_1"
        ),
        uuid_constraint("ScreeningStrategy"),
        indexes=(("ScreeningStrategy_FKIndex1", ["screeningOutputId"], False),),
    )
    ensure_table(
        "ScreeningStrategyWedge",
        sa.Column("screeningStrategyWedgeId", sa.Integer(), primary_key=True),
        sa.Column("screeningStrategyId", sa.Integer()),
        sa.Column("wedgeNumber", sa.Integer()),
        *_floats("resolution", "completeness", "multiplicity", "doseTotal"),
        sa.Column("numberOfImages", sa.Integer()),
        *_floats("phi", "kappa", "chi"),
        sa.Column("comments", sa.String(255)),
        sa.Column("wavelength", sa.Double()),
        uuid_column(),
        _cascade_fk(
            ["screeningStrategyId"],
            "ScreeningStrategy.screeningStrategyId",
            "ScreeningStrategyWedge_IBFK_1",
        ),
        uuid_constraint("ScreeningStrategyWedge"),
        indexes=(("ScreeningStrategyWedge_IBFK_1", ["screeningStrategyId"], False),),
    )
    ensure_table(
        "ScreeningStrategySubWedge",
        sa.Column("screeningStrategySubWedgeId", sa.Integer(), primary_key=True),
        sa.Column("screeningStrategyWedgeId", sa.Integer()),
        sa.Column("subWedgeNumber", sa.Integer()),
        sa.Column("rotationAxis", sa.String(45)),
        *_floats(
            "axisStart",
            "axisEnd",
            "exposureTime",
            "transmission",
            "oscillationRange",
            "completeness",
            "multiplicity",
            "RESOLUTION",
            "doseTotal",
        ),
        sa.Column("numberOfImages", sa.Integer()),
        sa.Column("comments", sa.String(255)),
        uuid_column(),
        _cascade_fk(
            ["screeningStrategyWedgeId"],
            "ScreeningStrategyWedge.screeningStrategyWedgeId",
            "ScreeningStrategySubWedge_FK1",
        ),
        uuid_constraint("ScreeningStrategySubWedge"),
        indexes=(("ScreeningStrategySubWedge_FK1", ["screeningStrategyWedgeId"], False),),
    )


def downgrade() -> None:
    raise NotImplementedError("core's migrations are not reversible (they may hold site data)")
