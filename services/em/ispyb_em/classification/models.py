"""Particle picking, 2D/3D classification and initial models."""

from __future__ import annotations

from sqlalchemy import Boolean, Double, Enum, Float, ForeignKeyConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ispyb_shared.uuids import UuidMixin

from ..database import Base

CLASSIFICATION_TYPES = ("2D", "3D")


class ParticlePicker(UuidMixin, Base):
    """A run of a particle picker: on one micrograph (firstMotionCorrectionId) or, for
    pickers working on many, starting from that micrograph."""

    __tablename__ = "ParticlePicker"
    __table_args__ = (
        ForeignKeyConstraint(
            ["firstMotionCorrectionId"],
            ["MotionCorrection.motionCorrectionId"],
            onupdate="CASCADE",
            name="ParticlePicker_fk_motionCorrectionId",
        ),
        ForeignKeyConstraint(
            ["programId"],
            ["AutoProcProgram.autoProcProgramId"],
            onupdate="CASCADE",
            name="ParticlePicker_fk_programId",
        ),
        Index("ParticlePicker_fk_motionCorrectionId", "firstMotionCorrectionId"),
        Index("ParticlePicker_fk_particlePickerProgramId", "programId"),
    )

    particlePickerId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    programId: Mapped[int | None] = mapped_column(
        Integer, doc="The picking program run (AutoProcProgram.autoProcProgramId)."
    )
    firstMotionCorrectionId: Mapped[int | None] = mapped_column(
        Integer, doc="The (first) micrograph picked (MotionCorrection.motionCorrectionId)."
    )
    particlePickingTemplate: Mapped[str | None] = mapped_column(
        String(255), doc="Picking model or template used, e.g. a crYOLO model file."
    )
    particleDiameter: Mapped[float | None] = mapped_column(
        Float, doc="Particle diameter used for picking (nm)."
    )
    numberOfParticles: Mapped[int | None] = mapped_column(
        Integer, doc="Number of particles picked."
    )
    summaryImageFullPath: Mapped[str | None] = mapped_column(
        String(255), doc="Full path of the micrograph image with the picked particles marked."
    )


class ParticleClassificationGroup(UuidMixin, Base):
    """One batch of a 2D or 3D classification job: its classes are ParticleClassification
    rows."""

    __tablename__ = "ParticleClassificationGroup"
    __table_args__ = (
        ForeignKeyConstraint(
            ["particlePickerId"],
            ["ParticlePicker.particlePickerId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="ParticleClassificationGroup_fk_particlePickerId",
        ),
        ForeignKeyConstraint(
            ["programId"],
            ["AutoProcProgram.autoProcProgramId"],
            onupdate="CASCADE",
            name="ParticleClassificationGroup_fk_programId",
        ),
        Index("ParticleClassificationGroup_fk_particlePickerId", "particlePickerId"),
        Index("ParticleClassificationGroup_fk_programId", "programId"),
    )

    particleClassificationGroupId: Mapped[int] = mapped_column(
        Integer, primary_key=True, doc="Database id."
    )
    particlePickerId: Mapped[int | None] = mapped_column(
        Integer, doc="The picking whose particles were classified (ParticlePicker)."
    )
    programId: Mapped[int | None] = mapped_column(
        Integer, doc="The classification program run (AutoProcProgram.autoProcProgramId)."
    )
    type: Mapped[str | None] = mapped_column(
        Enum(*CLASSIFICATION_TYPES, name="particle_classification_type"),
        doc="2D or 3D classification.",
    )
    batchNumber: Mapped[int | None] = mapped_column(
        Integer, doc="Number of the particle batch classified (1, 2, ...)."
    )
    numberOfParticlesPerBatch: Mapped[int | None] = mapped_column(
        Integer, doc="Number of particles in the batch."
    )
    numberOfClassesPerBatch: Mapped[int | None] = mapped_column(
        Integer, doc="Number of classes the batch was classified into."
    )
    symmetry: Mapped[str | None] = mapped_column(
        String(20), doc="Symmetry imposed (3D), e.g. C1, D2."
    )
    binnedPixelSize: Mapped[float | None] = mapped_column(
        Float, doc="Pixel size of the binned particle images (Å)."
    )


class ParticleClassification(UuidMixin, Base):
    """One class of a classification batch, with its image and quality figures."""

    __tablename__ = "ParticleClassification"
    __table_args__ = (
        ForeignKeyConstraint(
            ["particleClassificationGroupId"],
            ["ParticleClassificationGroup.particleClassificationGroupId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="ParticleClassification_fk_particleClassificationGroupId",
        ),
        Index(
            "ParticleClassification_fk_particleClassificationGroupId",
            "particleClassificationGroupId",
        ),
    )

    particleClassificationId: Mapped[int] = mapped_column(
        Integer, primary_key=True, doc="Database id."
    )
    classNumber: Mapped[int | None] = mapped_column(
        Integer, doc="Number of the class in its batch, as the program (e.g. RELION) gives it."
    )
    classImageFullPath: Mapped[str | None] = mapped_column(
        String(255), doc="Full path of the class image (PNG)."
    )
    particlesPerClass: Mapped[int | None] = mapped_column(
        Integer, doc="Number of particles in the class."
    )
    rotationAccuracy: Mapped[float | None] = mapped_column(
        Float, doc="Accuracy of the rotational alignment (degrees)."
    )
    translationAccuracy: Mapped[float | None] = mapped_column(
        Float, doc="Accuracy of the translational alignment (Å)."
    )
    estimatedResolution: Mapped[float | None] = mapped_column(
        Float, doc="Estimated resolution of the class (Å)."
    )
    overallFourierCompleteness: Mapped[float | None] = mapped_column(
        Float, doc="Overall Fourier completeness of the class (fraction 0..1)."
    )
    particleClassificationGroupId: Mapped[int | None] = mapped_column(
        Integer, doc="The batch the class belongs to (ParticleClassificationGroup)."
    )
    classDistribution: Mapped[float | None] = mapped_column(
        Float, doc="Fraction of the batch's particles in this class; higher is better."
    )
    selected: Mapped[bool | None] = mapped_column(
        Boolean,
        server_default="0",
        doc="true when the class is selected for further processing.",
    )
    bFactorFitIntercept: Mapped[float | None] = mapped_column(
        Float,
        doc="Intercept of the quadratic fit of refinement resolution against the logarithm "
        "of the number of particles.",
    )
    bFactorFitLinear: Mapped[float | None] = mapped_column(
        Float,
        doc="Linear coefficient of that fit; half the B factor (Å²).",
    )
    bFactorFitQuadratic: Mapped[float | None] = mapped_column(
        Float, doc="Quadratic coefficient of that fit."
    )
    angularEfficiency: Mapped[float | None] = mapped_column(
        Double, doc="Variation of the resolution across angles, 1 - 2σ/mean (dimensionless)."
    )
    suggestedTilt: Mapped[float | None] = mapped_column(
        Double, doc="Stage tilt suggested to improve the angular efficiency (degrees)."
    )


class CryoemInitialModel(UuidMixin, Base):
    """An initial 3D model generated from classified particles."""

    __tablename__ = "CryoemInitialModel"

    cryoemInitialModelId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    resolution: Mapped[float | None] = mapped_column(
        Float, doc="Resolution of the initial model (Å)."
    )
    numberOfParticles: Mapped[int | None] = mapped_column(
        Integer, doc="Number of particles the model was built from."
    )


class ParticleClassificationHasCryoemInitialModel(UuidMixin, Base):
    """Which classes an initial model was built from."""

    __tablename__ = "ParticleClassification_has_CryoemInitialModel"
    __table_args__ = (
        ForeignKeyConstraint(
            ["cryoemInitialModelId"],
            ["CryoemInitialModel.cryoemInitialModelId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="ParticleClassification_has_InitialModel_fk2",
        ),
        ForeignKeyConstraint(
            ["particleClassificationId"],
            ["ParticleClassification.particleClassificationId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="ParticleClassification_has_CryoemInitialModel_fk1",
        ),
        Index("ParticleClassification_has_InitialModel_fk2", "cryoemInitialModelId"),
    )

    particleClassificationId: Mapped[int] = mapped_column(
        Integer,
        primary_key=True,
        autoincrement=False,
        doc="The class (ParticleClassification.particleClassificationId).",
    )
    cryoemInitialModelId: Mapped[int] = mapped_column(
        Integer,
        primary_key=True,
        autoincrement=False,
        doc="The initial model (CryoemInitialModel.cryoemInitialModelId).",
    )
