from __future__ import annotations

import datetime

from sqlalchemy import (
    TIMESTAMP,
    Boolean,
    Double,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from ispyb_shared.types import LenientEnum

from ..database import Base, UuidMixin

EXPERIMENT_KINDS = (
    "Default",
    "MXPressE",
    "MXPressO",
    "MXPressE_SAD",
    "MXScore",
    "MXPressM",
    "MAD",
    "SAD",
    "Fixed",
    "Ligand binding",
    "Refinement",
    "OSC",
    "MAD - Inverse Beam",
    "SAD - Inverse Beam",
    "MESH",
    "XFE",
    "Stepped transmission",
    "XChem High Symmetry",
    "XChem Low Symmetry",
    "Commissioning",
    "Metal ID",
)
CENTRING_METHODS = ("xray", "loop", "diffraction", "optical")
COLLECTION_MODES = ("auto", "manual")


class DiffractionPlan(UuidMixin, Base):
    """What the user wants collected from a sample or crystal: experiment kind, aimed
    resolution and statistics, beam and exposure settings, where to write the data.

    A plan belongs to the sample(s) or crystal(s) that use it; a plan with
    ``presetForProposalId`` is a preset offered to every sample of that proposal.
    """

    __tablename__ = "DiffractionPlan"
    __table_args__ = (
        ForeignKeyConstraint(
            ["presetForProposalId"], ["Proposal.proposalId"], name="DiffractionPlan_ibfk1"
        ),
        Index("DiffractionPlan_ibfk1", "presetForProposalId"),
    )

    diffractionPlanId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    name: Mapped[str | None] = mapped_column(String(20), doc="Short name of the plan.")
    experimentKind: Mapped[str | None] = mapped_column(
        LenientEnum(*EXPERIMENT_KINDS, name="diffraction_plan_experiment_kind"),
        doc="Kind of experiment (OSC: standard rotation, SAD/MAD: anomalous phasing, "
        "MXPress*: automated ESRF workflows, ...).",
    )
    observedResolution: Mapped[float | None] = mapped_column(
        Float, doc="Resolution observed so far (e.g. at the home source), in Å."
    )
    minimalResolution: Mapped[float | None] = mapped_column(
        Float, doc="Worst acceptable resolution, in Å."
    )
    exposureTime: Mapped[float | None] = mapped_column(
        Float, doc="Exposure time per image, in seconds."
    )
    oscillationRange: Mapped[float | None] = mapped_column(
        Float, doc="Rotation per image, in degrees."
    )
    maximalResolution: Mapped[float | None] = mapped_column(
        Float, doc="Best resolution worth collecting to, in Å."
    )
    screeningResolution: Mapped[float | None] = mapped_column(
        Float, doc="Resolution of the screening images, in Å."
    )
    radiationSensitivity: Mapped[float | None] = mapped_column(
        Float, doc="Relative radiation sensitivity of the crystal (1 = typical protein)."
    )
    anomalousScatterer: Mapped[str | None] = mapped_column(
        String(255), doc="Element giving the anomalous signal, e.g. Se."
    )
    preferredBeamSizeX: Mapped[float | None] = mapped_column(
        Float, doc="Preferred horizontal beam size, in µm."
    )
    preferredBeamSizeY: Mapped[float | None] = mapped_column(
        Float, doc="Preferred vertical beam size, in µm."
    )
    preferredBeamDiameter: Mapped[float | None] = mapped_column(
        Float, doc="Preferred beam diameter (round beams), in µm."
    )
    comments: Mapped[str | None] = mapped_column(
        String(1024), doc="Free-text instructions for the beamline."
    )
    DIFFRACTIONPLANUUID: Mapped[str | None] = mapped_column(
        String(1000), doc="Identifier given by another system; kept as sent. Not core's uuid."
    )
    aimedCompleteness: Mapped[float | None] = mapped_column(
        Double, doc="Completeness aimed at, as a fraction (0-1)."
    )
    aimedIOverSigmaAtHighestRes: Mapped[float | None] = mapped_column(
        Double, doc="I/sigma(I) aimed at in the highest-resolution shell."
    )
    aimedMultiplicity: Mapped[float | None] = mapped_column(
        Double, doc="Multiplicity (redundancy) aimed at."
    )
    aimedResolution: Mapped[float | None] = mapped_column(Double, doc="Resolution aimed at, in Å.")
    anomalousData: Mapped[bool | None] = mapped_column(
        Boolean, server_default="0", doc="True to collect anomalous data (Friedel pairs)."
    )
    complexity: Mapped[str | None] = mapped_column(
        String(45), doc="Strategy complexity for the strategy programs (e.g. 'none', 'full')."
    )
    estimateRadiationDamage: Mapped[bool | None] = mapped_column(
        Boolean, server_default="0", doc="True to estimate radiation damage during collection."
    )
    forcedSpaceGroup: Mapped[str | None] = mapped_column(
        String(45), doc="Space group processing must use, e.g. P212121."
    )
    requiredCompleteness: Mapped[float | None] = mapped_column(
        Double, doc="Minimum completeness needed, as a fraction (0-1)."
    )
    requiredMultiplicity: Mapped[float | None] = mapped_column(
        Double, doc="Minimum multiplicity needed."
    )
    requiredResolution: Mapped[float | None] = mapped_column(Double, doc="Resolution needed, in Å.")
    strategyOption: Mapped[str | None] = mapped_column(
        String(200), doc="Extra options for the strategy program."
    )
    kappaStrategyOption: Mapped[str | None] = mapped_column(
        String(45), doc="Kappa-goniometer strategy option."
    )
    numberOfPositions: Mapped[int | None] = mapped_column(
        Integer, doc="Number of positions to collect on the sample (multi-position)."
    )
    minDimAccrossSpindleAxis: Mapped[float | None] = mapped_column(
        Double, doc="Smallest crystal dimension across the spindle axis, in µm."
    )
    maxDimAccrossSpindleAxis: Mapped[float | None] = mapped_column(
        Double, doc="Largest crystal dimension across the spindle axis, in µm."
    )
    radiationSensitivityBeta: Mapped[float | None] = mapped_column(
        Double, doc="Radiation sensitivity parameter beta (strategy programs)."
    )
    radiationSensitivityGamma: Mapped[float | None] = mapped_column(
        Double, doc="Radiation sensitivity parameter gamma (strategy programs)."
    )
    minOscWidth: Mapped[float | None] = mapped_column(
        Float, doc="Smallest rotation per image, in degrees."
    )
    monochromator: Mapped[str | None] = mapped_column(
        String(8), doc="Monochromator to use: DMM or DCM."
    )
    energy: Mapped[float | None] = mapped_column(Float, doc="X-ray energy, in eV.")
    transmission: Mapped[float | None] = mapped_column(
        Float, doc="Beam transmission, as a fraction (0-1)."
    )
    boxSizeX: Mapped[float | None] = mapped_column(Float, doc="Grid-scan box width, in µm.")
    boxSizeY: Mapped[float | None] = mapped_column(Float, doc="Grid-scan box height, in µm.")
    kappaStart: Mapped[float | None] = mapped_column(Float, doc="Kappa angle, in degrees.")
    axisStart: Mapped[float | None] = mapped_column(Float, doc="Start of the rotation, in degrees.")
    axisRange: Mapped[float | None] = mapped_column(Float, doc="Total rotation range, in degrees.")
    numberOfImages: Mapped[int | None] = mapped_column(Integer, doc="Number of images requested.")
    presetForProposalId: Mapped[int | None] = mapped_column(
        Integer,
        doc="When set, the plan is a preset offered to every sample of this proposal "
        "(Proposal.proposalId), and it belongs to that proposal.",
    )
    beamLineName: Mapped[str | None] = mapped_column(
        String(45), doc="When set, the plan is meant for this beamline (e.g. i03)."
    )
    distance: Mapped[float | None] = mapped_column(Double, doc="Detector distance, in mm.")
    orientation: Mapped[float | None] = mapped_column(
        Double, doc="Sample orientation (rotation about the beam), in degrees."
    )
    monoBandwidth: Mapped[float | None] = mapped_column(
        Double, doc="Monochromator bandwidth, as a fraction (dE/E)."
    )
    centringMethod: Mapped[str | None] = mapped_column(
        LenientEnum(*CENTRING_METHODS, name="diffraction_plan_centring_method"),
        doc="How to centre the sample: xray, loop, diffraction or optical.",
    )
    userPath: Mapped[str | None] = mapped_column(
        String(100),
        doc="Where the user wants the data written: a relative path inside the session's "
        "directory (no '..', no leading '/').",
    )
    robotPlateTemperature: Mapped[float | None] = mapped_column(
        Float, doc="Plate temperature for in-situ collection, in kelvin."
    )
    exposureTemperature: Mapped[float | None] = mapped_column(
        Float, doc="Sample temperature during exposure, in kelvin."
    )
    collectionMode: Mapped[str | None] = mapped_column(
        LenientEnum(*COLLECTION_MODES, name="diffraction_plan_collection_mode"),
        doc="Requested collection mode: auto (unattended) or manual.",
    )
    priority: Mapped[int | None] = mapped_column(
        Integer, doc="Priority of the sample relative to the others of the shipment."
    )
    recordTimeStamp: Mapped[datetime.datetime] = mapped_column(
        TIMESTAMP,
        server_default=func.current_timestamp(),
        nullable=False,
        doc="When the row was created (set by the database).",
    )
