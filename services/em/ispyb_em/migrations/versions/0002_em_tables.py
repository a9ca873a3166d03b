"""The em tables: Diamond's ISPyB cryo-EM tables (AutoProcProgram for em's program runs,
Movie, MotionCorrection, CTF, RelativeIceThickness, ParticlePicker,
ParticleClassificationGroup, ParticleClassification, CryoemInitialModel and
ParticleClassification_has_CryoemInitialModel, Tomogram, TiltImageAlignment, Atlas,
GridSquare, FoilHole), each with a uuid column; references to core's data collections
(groups) are UUIDs (dataCollectionUUID, dataCollectionGroupUUID).

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

# Table definitions are frozen here: a migration never follows the models.


def upgrade() -> None:
    op.create_table(
        "Atlas",
        sa.Column("atlasId", sa.Integer(), nullable=False),
        sa.Column("dataCollectionGroupUUID", sa.String(length=36), nullable=False),
        sa.Column("dataCollectionUUID", sa.String(length=36), nullable=False),
        sa.Column("atlasImage", sa.String(length=255), nullable=False),
        sa.Column("pixelSize", sa.Float(), nullable=False),
        sa.Column("cassetteSlot", sa.Integer(), nullable=True),
        sa.Column("hasRed", sa.Boolean(), server_default="0", nullable=True),
        sa.Column("hasBlue", sa.Boolean(), server_default="0", nullable=True),
        sa.Column("hasGreen", sa.Boolean(), server_default="0", nullable=True),
        sa.Column("hasYellow", sa.Boolean(), server_default="0", nullable=True),
        sa.Column("hasCyan", sa.Boolean(), server_default="0", nullable=True),
        sa.Column("hasMagenta", sa.Boolean(), server_default="0", nullable=True),
        sa.Column("hasGrey", sa.Boolean(), server_default="0", nullable=True),
        sa.Column(
            "mode",
            sa.Enum(
                "Bright Field and Fluorescent",
                "Bright Field",
                "Fluorescent",
                "Tomography",
                "Single Particle",
                name="atlas_mode",
            ),
            nullable=True,
        ),
        sa.Column(
            "uuid", sa.String(length=36), server_default=uuid_server_default(), nullable=False
        ),
        sa.PrimaryKeyConstraint("atlasId"),
        sa.UniqueConstraint("uuid", name=op.f("Atlas_uuid_uq")),
    )
    op.create_index("Atlas_dataCollectionUUID", "Atlas", ["dataCollectionUUID"], unique=False)
    op.create_index(
        "Atlas_fk_dataCollectionGroupUUID", "Atlas", ["dataCollectionGroupUUID"], unique=False
    )
    op.create_table(
        "AutoProcProgram",
        sa.Column("autoProcProgramId", sa.Integer(), nullable=False),
        sa.Column("dataCollectionUUID", sa.String(length=36), nullable=False),
        sa.Column("processingCommandLine", sa.String(length=255), nullable=True),
        sa.Column("processingPrograms", sa.String(length=255), nullable=True),
        sa.Column("processingStatus", sa.Boolean(), nullable=True),
        sa.Column("processingMessage", sa.String(length=255), nullable=True),
        sa.Column("processingStartTime", sa.DateTime(), nullable=True),
        sa.Column("processingEndTime", sa.DateTime(), nullable=True),
        sa.Column("processingEnvironment", sa.String(length=255), nullable=True),
        sa.Column(
            "recordTimeStamp",
            sa.DateTime(),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=True,
        ),
        sa.Column(
            "uuid", sa.String(length=36), server_default=uuid_server_default(), nullable=False
        ),
        sa.PrimaryKeyConstraint("autoProcProgramId"),
        sa.UniqueConstraint("uuid", name=op.f("AutoProcProgram_uuid_uq")),
    )
    op.create_index(
        "AutoProcProgram_dataCollectionUUID",
        "AutoProcProgram",
        ["dataCollectionUUID", "autoProcProgramId"],
        unique=False,
    )
    op.create_table(
        "CryoemInitialModel",
        sa.Column("cryoemInitialModelId", sa.Integer(), nullable=False),
        sa.Column("resolution", sa.Float(), nullable=True),
        sa.Column("numberOfParticles", sa.Integer(), nullable=True),
        sa.Column(
            "uuid", sa.String(length=36), server_default=uuid_server_default(), nullable=False
        ),
        sa.PrimaryKeyConstraint("cryoemInitialModelId"),
        sa.UniqueConstraint("uuid", name=op.f("CryoemInitialModel_uuid_uq")),
    )
    op.create_table(
        "GridSquare",
        sa.Column("gridSquareId", sa.Integer(), nullable=False),
        sa.Column("atlasId", sa.Integer(), nullable=False),
        sa.Column("gridSquareLabel", sa.Integer(), nullable=True),
        sa.Column("gridSquareImage", sa.String(length=255), nullable=True),
        sa.Column("pixelLocationX", sa.Integer(), nullable=True),
        sa.Column("pixelLocationY", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("angle", sa.Float(), nullable=True),
        sa.Column("stageLocationX", sa.Float(), nullable=True),
        sa.Column("stageLocationY", sa.Float(), nullable=True),
        sa.Column("qualityIndicator", sa.Float(), nullable=True),
        sa.Column("pixelSize", sa.Float(), nullable=True),
        sa.Column("hasRed", sa.Boolean(), server_default="0", nullable=True),
        sa.Column("hasBlue", sa.Boolean(), server_default="0", nullable=True),
        sa.Column("hasGreen", sa.Boolean(), server_default="0", nullable=True),
        sa.Column("hasYellow", sa.Boolean(), server_default="0", nullable=True),
        sa.Column("hasCyan", sa.Boolean(), server_default="0", nullable=True),
        sa.Column("hasMagenta", sa.Boolean(), server_default="0", nullable=True),
        sa.Column("hasGrey", sa.Boolean(), server_default="0", nullable=True),
        sa.Column(
            "mode",
            sa.Enum(
                "Bright Field and Fluorescent",
                "Bright Field",
                "Fluorescent",
                "Tomography",
                "Single Particle",
                name="grid_square_mode",
            ),
            nullable=True,
        ),
        sa.Column(
            "uuid", sa.String(length=36), server_default=uuid_server_default(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["atlasId"], ["Atlas.atlasId"], name="GridSquare_fk_atlasId", onupdate="CASCADE"
        ),
        sa.PrimaryKeyConstraint("gridSquareId"),
        sa.UniqueConstraint("uuid", name=op.f("GridSquare_uuid_uq")),
    )
    op.create_index("GridSquare_fk_atlasId", "GridSquare", ["atlasId"], unique=False)
    op.create_table(
        "FoilHole",
        sa.Column("foilHoleId", sa.Integer(), nullable=False),
        sa.Column("gridSquareId", sa.Integer(), nullable=False),
        sa.Column("foilHoleLabel", sa.String(length=30), nullable=False),
        sa.Column("foilHoleImage", sa.String(length=255), nullable=True),
        sa.Column("pixelLocationX", sa.Integer(), nullable=True),
        sa.Column("pixelLocationY", sa.Integer(), nullable=True),
        sa.Column("diameter", sa.Integer(), nullable=True),
        sa.Column("stageLocationX", sa.Float(), nullable=True),
        sa.Column("stageLocationY", sa.Float(), nullable=True),
        sa.Column("qualityIndicator", sa.Float(), nullable=True),
        sa.Column("pixelSize", sa.Float(), nullable=True),
        sa.Column(
            "uuid", sa.String(length=36), server_default=uuid_server_default(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["gridSquareId"],
            ["GridSquare.gridSquareId"],
            name="FoilHole_fk_gridSquareId",
            onupdate="CASCADE",
        ),
        sa.PrimaryKeyConstraint("foilHoleId"),
        sa.UniqueConstraint("uuid", name=op.f("FoilHole_uuid_uq")),
    )
    op.create_index("FoilHole_fk_gridSquareId", "FoilHole", ["gridSquareId"], unique=False)
    op.create_table(
        "Tomogram",
        sa.Column("tomogramId", sa.Integer(), nullable=False),
        sa.Column("dataCollectionUUID", sa.String(length=36), nullable=False),
        sa.Column("autoProcProgramId", sa.Integer(), nullable=True),
        sa.Column("volumeFile", sa.String(length=255), nullable=True),
        sa.Column("stackFile", sa.String(length=255), nullable=True),
        sa.Column("sizeX", sa.Integer(), nullable=True),
        sa.Column("sizeY", sa.Integer(), nullable=True),
        sa.Column("sizeZ", sa.Integer(), nullable=True),
        sa.Column("pixelSpacing", sa.Float(), nullable=True),
        sa.Column("residualErrorMean", sa.Float(), nullable=True),
        sa.Column("residualErrorSD", sa.Float(), nullable=True),
        sa.Column("xAxisCorrection", sa.Float(), nullable=True),
        sa.Column("tiltAngleOffset", sa.Float(), nullable=True),
        sa.Column("zShift", sa.Float(), nullable=True),
        sa.Column("fileDirectory", sa.String(length=255), nullable=True),
        sa.Column("centralSliceImage", sa.String(length=255), nullable=True),
        sa.Column("tomogramMovie", sa.String(length=255), nullable=True),
        sa.Column("xyShiftPlot", sa.String(length=255), nullable=True),
        sa.Column("projXY", sa.String(length=255), nullable=True),
        sa.Column("projXZ", sa.String(length=255), nullable=True),
        sa.Column(
            "recordTimeStamp",
            sa.DateTime(),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=True,
        ),
        sa.Column("globalAlignmentQuality", sa.Float(), nullable=True),
        sa.Column("gridSquareId", sa.Integer(), nullable=True),
        sa.Column("pixelLocationX", sa.Integer(), nullable=True),
        sa.Column("pixelLocationY", sa.Integer(), nullable=True),
        sa.Column("thickness", sa.Float(), nullable=True),
        sa.Column(
            "uuid", sa.String(length=36), server_default=uuid_server_default(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["autoProcProgramId"],
            ["AutoProcProgram.autoProcProgramId"],
            name="Tomogram_fk_autoProcProgramId",
            onupdate="CASCADE",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["gridSquareId"], ["GridSquare.gridSquareId"], name="Tomogram_fk_gridSquareId"
        ),
        sa.PrimaryKeyConstraint("tomogramId"),
        sa.UniqueConstraint("uuid", name=op.f("Tomogram_uuid_uq")),
    )
    op.create_index(
        "Tomogram_fk_autoProcProgramId", "Tomogram", ["autoProcProgramId"], unique=False
    )
    op.create_index(
        "Tomogram_fk_dataCollectionUUID", "Tomogram", ["dataCollectionUUID"], unique=False
    )
    op.create_index("Tomogram_fk_gridSquareId", "Tomogram", ["gridSquareId"], unique=False)
    op.create_table(
        "Movie",
        sa.Column("movieId", sa.Integer(), nullable=False),
        sa.Column("dataCollectionUUID", sa.String(length=36), nullable=False),
        sa.Column("movieNumber", sa.Integer(), nullable=False),
        sa.Column("movieFullPath", sa.String(length=255), nullable=True),
        sa.Column(
            "createdTimeStamp",
            sa.DateTime(),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column("positionX", sa.Float(), nullable=True),
        sa.Column("positionY", sa.Float(), nullable=True),
        sa.Column("nominalDefocus", sa.Float(), nullable=True),
        sa.Column("angle", sa.Float(), nullable=True),
        sa.Column("fluence", sa.Float(), nullable=True),
        sa.Column("numberOfFrames", sa.Integer(), nullable=True),
        sa.Column("foilHoleId", sa.Integer(), nullable=True),
        sa.Column("templateLabel", sa.Integer(), nullable=True),
        sa.Column(
            "uuid", sa.String(length=36), server_default=uuid_server_default(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["foilHoleId"], ["FoilHole.foilHoleId"], name="Movie_fk_foilHoleId", onupdate="CASCADE"
        ),
        sa.PrimaryKeyConstraint("movieId"),
        sa.UniqueConstraint("uuid", name=op.f("Movie_uuid_uq")),
    )
    op.create_index(
        "Movie_dataCollectionUUID_movieNumber",
        "Movie",
        ["dataCollectionUUID", "movieNumber"],
        unique=True,
    )
    op.create_index("Movie_fk_foilHoleId", "Movie", ["foilHoleId"], unique=False)
    op.create_table(
        "MotionCorrection",
        sa.Column("motionCorrectionId", sa.Integer(), nullable=False),
        sa.Column("movieId", sa.Integer(), nullable=True),
        sa.Column("autoProcProgramId", sa.Integer(), nullable=True),
        sa.Column("imageNumber", sa.Integer(), nullable=True),
        sa.Column("firstFrame", sa.Integer(), nullable=True),
        sa.Column("lastFrame", sa.Integer(), nullable=True),
        sa.Column("dosePerFrame", sa.Float(), nullable=True),
        sa.Column("doseWeight", sa.Float(), nullable=True),
        sa.Column("totalMotion", sa.Float(), nullable=True),
        sa.Column("averageMotionPerFrame", sa.Float(), nullable=True),
        sa.Column("driftPlotFullPath", sa.String(length=255), nullable=True),
        sa.Column("micrographFullPath", sa.String(length=255), nullable=True),
        sa.Column("micrographSnapshotFullPath", sa.String(length=255), nullable=True),
        sa.Column("patchesUsedX", sa.Integer(), nullable=True),
        sa.Column("patchesUsedY", sa.Integer(), nullable=True),
        sa.Column("fftFullPath", sa.String(length=255), nullable=True),
        sa.Column("fftCorrectedFullPath", sa.String(length=255), nullable=True),
        sa.Column("comments", sa.String(length=255), nullable=True),
        sa.Column(
            "uuid", sa.String(length=36), server_default=uuid_server_default(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["autoProcProgramId"],
            ["AutoProcProgram.autoProcProgramId"],
            name="MotionCorrection_ibfk2",
        ),
        sa.ForeignKeyConstraint(["movieId"], ["Movie.movieId"], name="MotionCorrection_ibfk3"),
        sa.PrimaryKeyConstraint("motionCorrectionId"),
        sa.UniqueConstraint("uuid", name=op.f("MotionCorrection_uuid_uq")),
    )
    op.create_index(
        "MotionCorrection_ibfk2", "MotionCorrection", ["autoProcProgramId"], unique=False
    )
    op.create_index("MotionCorrection_ibfk3", "MotionCorrection", ["movieId"], unique=False)
    op.create_table(
        "TiltImageAlignment",
        sa.Column("movieId", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tomogramId", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("defocusU", sa.Float(), nullable=True),
        sa.Column("defocusV", sa.Float(), nullable=True),
        sa.Column("psdFile", sa.String(length=255), nullable=True),
        sa.Column("resolution", sa.Float(), nullable=True),
        sa.Column("fitQuality", sa.Float(), nullable=True),
        sa.Column("refinedMagnification", sa.Float(), nullable=True),
        sa.Column("refinedTiltAngle", sa.Float(), nullable=True),
        sa.Column("refinedTiltAxis", sa.Float(), nullable=True),
        sa.Column("residualError", sa.Float(), nullable=True),
        sa.Column(
            "uuid", sa.String(length=36), server_default=uuid_server_default(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["movieId"],
            ["Movie.movieId"],
            name="TiltImageAlignment_fk_movieId",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tomogramId"],
            ["Tomogram.tomogramId"],
            name="TiltImageAlignment_fk_tomogramId",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("movieId", "tomogramId"),
        sa.UniqueConstraint("uuid", name=op.f("TiltImageAlignment_uuid_uq")),
    )
    op.create_index(
        "TiltImageAlignment_fk_tomogramId", "TiltImageAlignment", ["tomogramId"], unique=False
    )
    op.create_table(
        "CTF",
        sa.Column("ctfId", sa.Integer(), nullable=False),
        sa.Column("motionCorrectionId", sa.Integer(), nullable=True),
        sa.Column("autoProcProgramId", sa.Integer(), nullable=True),
        sa.Column("boxSizeX", sa.Float(), nullable=True),
        sa.Column("boxSizeY", sa.Float(), nullable=True),
        sa.Column("minResolution", sa.Float(), nullable=True),
        sa.Column("maxResolution", sa.Float(), nullable=True),
        sa.Column("minDefocus", sa.Float(), nullable=True),
        sa.Column("maxDefocus", sa.Float(), nullable=True),
        sa.Column("defocusStepSize", sa.Float(), nullable=True),
        sa.Column("astigmatism", sa.Float(), nullable=True),
        sa.Column("astigmatismAngle", sa.Float(), nullable=True),
        sa.Column("estimatedResolution", sa.Float(), nullable=True),
        sa.Column("estimatedDefocus", sa.Float(), nullable=True),
        sa.Column("amplitudeContrast", sa.Float(), nullable=True),
        sa.Column("ccValue", sa.Float(), nullable=True),
        sa.Column("fftTheoreticalFullPath", sa.String(length=255), nullable=True),
        sa.Column("comments", sa.String(length=255), nullable=True),
        sa.Column("iceRingDensity", sa.Float(), nullable=True),
        sa.Column(
            "uuid", sa.String(length=36), server_default=uuid_server_default(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["autoProcProgramId"], ["AutoProcProgram.autoProcProgramId"], name="CTF_ibfk2"
        ),
        sa.ForeignKeyConstraint(
            ["motionCorrectionId"], ["MotionCorrection.motionCorrectionId"], name="CTF_ibfk1"
        ),
        sa.PrimaryKeyConstraint("ctfId"),
        sa.UniqueConstraint("uuid", name=op.f("CTF_uuid_uq")),
    )
    op.create_index("CTF_ibfk1", "CTF", ["motionCorrectionId"], unique=False)
    op.create_index("CTF_ibfk2", "CTF", ["autoProcProgramId"], unique=False)
    op.create_table(
        "ParticlePicker",
        sa.Column("particlePickerId", sa.Integer(), nullable=False),
        sa.Column("programId", sa.Integer(), nullable=True),
        sa.Column("firstMotionCorrectionId", sa.Integer(), nullable=True),
        sa.Column("particlePickingTemplate", sa.String(length=255), nullable=True),
        sa.Column("particleDiameter", sa.Float(), nullable=True),
        sa.Column("numberOfParticles", sa.Integer(), nullable=True),
        sa.Column("summaryImageFullPath", sa.String(length=255), nullable=True),
        sa.Column(
            "uuid", sa.String(length=36), server_default=uuid_server_default(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["firstMotionCorrectionId"],
            ["MotionCorrection.motionCorrectionId"],
            name="ParticlePicker_fk_motionCorrectionId",
            onupdate="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["programId"],
            ["AutoProcProgram.autoProcProgramId"],
            name="ParticlePicker_fk_programId",
            onupdate="CASCADE",
        ),
        sa.PrimaryKeyConstraint("particlePickerId"),
        sa.UniqueConstraint("uuid", name=op.f("ParticlePicker_uuid_uq")),
    )
    op.create_index(
        "ParticlePicker_fk_motionCorrectionId",
        "ParticlePicker",
        ["firstMotionCorrectionId"],
        unique=False,
    )
    op.create_index(
        "ParticlePicker_fk_particlePickerProgramId", "ParticlePicker", ["programId"], unique=False
    )
    op.create_table(
        "RelativeIceThickness",
        sa.Column("relativeIceThicknessId", sa.Integer(), nullable=False),
        sa.Column("motionCorrectionId", sa.Integer(), nullable=True),
        sa.Column("autoProcProgramId", sa.Integer(), nullable=True),
        sa.Column("minimum", sa.Float(), nullable=True),
        sa.Column("q1", sa.Float(), nullable=True),
        sa.Column("median", sa.Float(), nullable=True),
        sa.Column("q3", sa.Float(), nullable=True),
        sa.Column("maximum", sa.Float(), nullable=True),
        sa.Column(
            "uuid", sa.String(length=36), server_default=uuid_server_default(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["autoProcProgramId"],
            ["AutoProcProgram.autoProcProgramId"],
            name="RelativeIceThickness_fk_programId",
            onupdate="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["motionCorrectionId"],
            ["MotionCorrection.motionCorrectionId"],
            name="RelativeIceThickness_fk_motionCorrectionId",
            onupdate="CASCADE",
        ),
        sa.PrimaryKeyConstraint("relativeIceThicknessId"),
        sa.UniqueConstraint("uuid", name=op.f("RelativeIceThickness_uuid_uq")),
    )
    op.create_index(
        "RelativeIceThickness_fk_motionCorrectionId",
        "RelativeIceThickness",
        ["motionCorrectionId"],
        unique=False,
    )
    op.create_index(
        "RelativeIceThickness_fk_programId",
        "RelativeIceThickness",
        ["autoProcProgramId"],
        unique=False,
    )
    op.create_table(
        "ParticleClassificationGroup",
        sa.Column("particleClassificationGroupId", sa.Integer(), nullable=False),
        sa.Column("particlePickerId", sa.Integer(), nullable=True),
        sa.Column("programId", sa.Integer(), nullable=True),
        sa.Column("type", sa.Enum("2D", "3D", name="particle_classification_type"), nullable=True),
        sa.Column("batchNumber", sa.Integer(), nullable=True),
        sa.Column("numberOfParticlesPerBatch", sa.Integer(), nullable=True),
        sa.Column("numberOfClassesPerBatch", sa.Integer(), nullable=True),
        sa.Column("symmetry", sa.String(length=20), nullable=True),
        sa.Column("binnedPixelSize", sa.Float(), nullable=True),
        sa.Column(
            "uuid", sa.String(length=36), server_default=uuid_server_default(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["particlePickerId"],
            ["ParticlePicker.particlePickerId"],
            name="ParticleClassificationGroup_fk_particlePickerId",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["programId"],
            ["AutoProcProgram.autoProcProgramId"],
            name="ParticleClassificationGroup_fk_programId",
            onupdate="CASCADE",
        ),
        sa.PrimaryKeyConstraint("particleClassificationGroupId"),
        sa.UniqueConstraint("uuid", name=op.f("ParticleClassificationGroup_uuid_uq")),
    )
    op.create_index(
        "ParticleClassificationGroup_fk_particlePickerId",
        "ParticleClassificationGroup",
        ["particlePickerId"],
        unique=False,
    )
    op.create_index(
        "ParticleClassificationGroup_fk_programId",
        "ParticleClassificationGroup",
        ["programId"],
        unique=False,
    )
    op.create_table(
        "ParticleClassification",
        sa.Column("particleClassificationId", sa.Integer(), nullable=False),
        sa.Column("classNumber", sa.Integer(), nullable=True),
        sa.Column("classImageFullPath", sa.String(length=255), nullable=True),
        sa.Column("particlesPerClass", sa.Integer(), nullable=True),
        sa.Column("rotationAccuracy", sa.Float(), nullable=True),
        sa.Column("translationAccuracy", sa.Float(), nullable=True),
        sa.Column("estimatedResolution", sa.Float(), nullable=True),
        sa.Column("overallFourierCompleteness", sa.Float(), nullable=True),
        sa.Column("particleClassificationGroupId", sa.Integer(), nullable=True),
        sa.Column("classDistribution", sa.Float(), nullable=True),
        sa.Column("selected", sa.Boolean(), server_default="0", nullable=True),
        sa.Column("bFactorFitIntercept", sa.Float(), nullable=True),
        sa.Column("bFactorFitLinear", sa.Float(), nullable=True),
        sa.Column("bFactorFitQuadratic", sa.Float(), nullable=True),
        sa.Column("angularEfficiency", sa.Double(), nullable=True),
        sa.Column("suggestedTilt", sa.Double(), nullable=True),
        sa.Column(
            "uuid", sa.String(length=36), server_default=uuid_server_default(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["particleClassificationGroupId"],
            ["ParticleClassificationGroup.particleClassificationGroupId"],
            name="ParticleClassification_fk_particleClassificationGroupId",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("particleClassificationId"),
        sa.UniqueConstraint("uuid", name=op.f("ParticleClassification_uuid_uq")),
    )
    op.create_index(
        "ParticleClassification_fk_particleClassificationGroupId",
        "ParticleClassification",
        ["particleClassificationGroupId"],
        unique=False,
    )
    op.create_table(
        "ParticleClassification_has_CryoemInitialModel",
        sa.Column("particleClassificationId", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("cryoemInitialModelId", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column(
            "uuid", sa.String(length=36), server_default=uuid_server_default(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["cryoemInitialModelId"],
            ["CryoemInitialModel.cryoemInitialModelId"],
            name="ParticleClassification_has_InitialModel_fk2",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["particleClassificationId"],
            ["ParticleClassification.particleClassificationId"],
            name="ParticleClassification_has_CryoemInitialModel_fk1",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("particleClassificationId", "cryoemInitialModelId"),
        sa.UniqueConstraint(
            "uuid", name=op.f("ParticleClassification_has_CryoemInitialModel_uuid_uq")
        ),
    )
    op.create_index(
        "ParticleClassification_has_InitialModel_fk2",
        "ParticleClassification_has_CryoemInitialModel",
        ["cryoemInitialModelId"],
        unique=False,
    )


def downgrade() -> None:
    for table in (
        "ParticleClassification_has_CryoemInitialModel",
        "ParticleClassification",
        "ParticleClassificationGroup",
        "RelativeIceThickness",
        "ParticlePicker",
        "CTF",
        "TiltImageAlignment",
        "MotionCorrection",
        "Movie",
        "Tomogram",
        "FoilHole",
        "GridSquare",
        "CryoemInitialModel",
        "AutoProcProgram",
        "Atlas",
    ):
        op.drop_table(table)
