from __future__ import annotations

import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Double,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, aliased, column_property, mapped_column, relationship

from ispyb_shared.types import LenientEnum

from ..crystals.models import Crystal
from ..database import Base, UuidMixin
from ..proteins.models import Protein
from ..samples.models import BLSample
from ..sessions.models import BLSession

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
ROTATION_AXES = ("Omega", "Kappa", "Phi")


class DataCollectionGroup(UuidMixin, Base):
    """One experiment on one sample: its data collections are the sweeps (one for a
    simple rotation, several for a multi-sweep experiment)."""

    __tablename__ = "DataCollectionGroup"
    __table_args__ = (
        ForeignKeyConstraint(
            ["sessionId"],
            ["BLSession.sessionId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="DataCollectionGroup_ibfk_2",
        ),
        ForeignKeyConstraint(
            ["blSampleId"], ["BLSample.blSampleId"], name="DataCollectionGroup_ibfk_1"
        ),
        Index("DataCollectionGroup_FKIndex1", "blSampleId"),
        Index("DataCollectionGroup_FKIndex2", "sessionId"),
        Index("DataCollectionGroup_workflowId", "workflowId"),
    )

    dataCollectionGroupId: Mapped[int] = mapped_column(
        Integer, primary_key=True, doc="Database id of the group."
    )
    sessionId: Mapped[int] = mapped_column(
        Integer, nullable=False, doc="The session the data was collected in (BLSession)."
    )
    blSampleId: Mapped[int | None] = mapped_column(
        Integer, doc="The sample (BLSample.blSampleId), when known."
    )
    experimentType: Mapped[str | None] = mapped_column(
        LenientEnum(*EXPERIMENT_TYPES, name="experiment_type"),
        doc="Kind of experiment: OSC (rotation), Helical, Mesh (grid scan), Screening, "
        "Characterization, SAD/MAD, SSX-Chip/SSX-Jet (serial), EM/single particle/tomo "
        "(cryo-EM)...",
    )
    startTime: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="Start of the first data collection (facility local time)."
    )
    endTime: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="End of the last data collection (facility local time)."
    )
    comments: Mapped[str | None] = mapped_column(String(1024), doc="Free-text comments.")
    crystalClass: Mapped[str | None] = mapped_column(
        String(20), doc="Crystal class, for industrial users."
    )
    detectorMode: Mapped[str | None] = mapped_column(String(255), doc="Detector mode.")
    actualSampleBarcode: Mapped[str | None] = mapped_column(
        String(45), doc="Barcode of the sample actually mounted (read by the robot)."
    )
    actualSampleSlotInContainer: Mapped[int | None] = mapped_column(
        Integer, doc="Position of the mounted sample in its container."
    )
    actualContainerBarcode: Mapped[str | None] = mapped_column(
        String(45), doc="Barcode of the container actually used."
    )
    actualContainerSlotInSC: Mapped[int | None] = mapped_column(
        Integer, doc="Slot of that container in the sample changer."
    )
    xtalSnapshotFullPath: Mapped[str | None] = mapped_column(
        String(255), doc="Path of a snapshot of the crystal, on the facility's disk."
    )
    scanParameters: Mapped[str | None] = mapped_column(
        Text, doc="Scan parameters as written by beamline control (often JSON)."
    )
    workflowId: Mapped[int | None] = mapped_column(
        Integer,
        doc="The automated workflow this experiment belongs to (ESRF's column; set by "
        "POST /workflows, docs/workflows.md).",
    )

    BLSession: Mapped[BLSession] = relationship(BLSession, lazy="raise")
    # expand=blSample of the data collections (selectin-loaded by their lists; one row's
    # read or write loads it when asked).
    BLSample: Mapped[BLSample | None] = relationship(BLSample, lazy="select", viewonly=True)


class DataCollection(UuidMixin, Base):
    """One sweep of images: the acquisition parameters as the beamline recorded them."""

    __tablename__ = "DataCollection"
    __table_args__ = (
        ForeignKeyConstraint(
            ["dataCollectionGroupId"],
            ["DataCollectionGroup.dataCollectionGroupId"],
            name="DataCollection_ibfk_3",
        ),
        Index("DataCollection_FKIndex0", "BLSAMPLEID"),
        Index("DataCollection_FKIndex00", "SESSIONID"),
        Index("DataCollection_FKIndex1", "dataCollectionGroupId"),
        Index("DataCollection_FKIndexStartTime", "startTime"),
        Index("DataCollection_FKIndexDCNumber", "dataCollectionNumber"),
        Index("DataCollection_FKIndexImagePrefix", "imagePrefix"),
        Index("DataCollection_FKIndexImageDirectory", "imageDirectory"),
        Index("DataCollection_search_fileTemplate", "fileTemplate"),
        Index("DataCollection_search_comments", "comments", mysql_length={"comments": 191}),
        Index(
            "DataCollection_dataCollectionGroupId_startTime", "dataCollectionGroupId", "startTime"
        ),
    )

    dataCollectionId: Mapped[int] = mapped_column(
        Integer, primary_key=True, doc="Database id of the data collection."
    )
    dataCollectionGroupId: Mapped[int] = mapped_column(
        Integer, nullable=False, doc="The group (experiment) this sweep belongs to."
    )
    BLSAMPLEID: Mapped[int | None] = mapped_column(
        Integer, doc="Legacy copy of the group's sample id (ISPyB); use the group's."
    )
    SESSIONID: Mapped[int | None] = mapped_column(
        Integer, server_default="0", doc="Legacy copy of the group's session id (ISPyB)."
    )
    dataCollectionNumber: Mapped[int | None] = mapped_column(
        Integer, doc="Run number of the sweep, as in the file names."
    )
    startTime: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="Start of acquisition (facility local time)."
    )
    endTime: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="End of acquisition (facility local time)."
    )
    runStatus: Mapped[str | None] = mapped_column(
        String(45),
        doc="Outcome as reported by beamline control, e.g. 'DataCollection Successful', "
        "'DataCollection Stopped', 'DataCollection Failed'.",
    )
    axisStart: Mapped[float | None] = mapped_column(
        Float, doc="Rotation axis position at the first image, in degrees."
    )
    axisEnd: Mapped[float | None] = mapped_column(
        Float, doc="Rotation axis position at the end of the last image, in degrees."
    )
    axisRange: Mapped[float | None] = mapped_column(
        Float, doc="Rotation per image (oscillation width), in degrees."
    )
    overlap: Mapped[float | None] = mapped_column(
        Float, doc="Overlap between consecutive images, in degrees (negative: a gap)."
    )
    numberOfImages: Mapped[int | None] = mapped_column(
        Integer, doc="Number of images in the sweep."
    )
    startImageNumber: Mapped[int | None] = mapped_column(Integer, doc="Number of the first image.")
    numberOfPasses: Mapped[int | None] = mapped_column(
        Integer, doc="Number of passes over each image's rotation range."
    )
    exposureTime: Mapped[float | None] = mapped_column(
        Float, doc="Exposure time per image, in seconds."
    )
    imageDirectory: Mapped[str | None] = mapped_column(
        String(255), doc="Directory of the image files, ending with '/'."
    )
    imagePrefix: Mapped[str | None] = mapped_column(
        String(45), doc="Prefix of the image file names."
    )
    imageSuffix: Mapped[str | None] = mapped_column(
        String(45), doc="Suffix (extension) of the image files, e.g. cbf, h5."
    )
    imageContainerSubPath: Mapped[str | None] = mapped_column(
        String(255), doc="Path inside an HDF5 file of the data of this sweep."
    )
    fileTemplate: Mapped[str | None] = mapped_column(
        String(255), doc="File name template, e.g. insulin_1_####.cbf or insulin_1_master.h5."
    )
    wavelength: Mapped[float | None] = mapped_column(
        Float, doc="X-ray wavelength, in Å (energy in keV = 12.398 / wavelength)."
    )
    resolution: Mapped[float | None] = mapped_column(
        Float,
        doc="Resolution at the edge of the detector (inscribed circle) set for the "
        "collection, in Å. Not a processing result.",
    )
    detectorDistance: Mapped[float | None] = mapped_column(
        Float, doc="Sample to detector distance, in mm."
    )
    xBeam: Mapped[float | None] = mapped_column(
        Float, doc="Beam centre on the detector, horizontal, in mm."
    )
    yBeam: Mapped[float | None] = mapped_column(
        Float, doc="Beam centre on the detector, vertical, in mm."
    )
    comments: Mapped[str | None] = mapped_column(String(1024), doc="Free-text comments.")
    printableForReport: Mapped[bool | None] = mapped_column(
        Boolean, server_default="1", doc="True when the sweep appears in reports."
    )
    slitGapVertical: Mapped[float | None] = mapped_column(Float, doc="Vertical slit gap, in mm.")
    slitGapHorizontal: Mapped[float | None] = mapped_column(
        Float, doc="Horizontal slit gap, in mm."
    )
    transmission: Mapped[float | None] = mapped_column(
        Float, doc="Beam transmission (attenuation), in percent (100 = full beam)."
    )
    synchrotronMode: Mapped[str | None] = mapped_column(
        String(20), doc="Filling mode of the storage ring during the collection."
    )
    xtalSnapshotFullPath1: Mapped[str | None] = mapped_column(
        String(255), doc="Path of the first snapshot of the crystal."
    )
    xtalSnapshotFullPath2: Mapped[str | None] = mapped_column(
        String(255), doc="Path of the second snapshot of the crystal."
    )
    xtalSnapshotFullPath3: Mapped[str | None] = mapped_column(
        String(255), doc="Path of the third snapshot of the crystal."
    )
    xtalSnapshotFullPath4: Mapped[str | None] = mapped_column(
        String(255), doc="Path of the fourth snapshot of the crystal."
    )
    imageQualityIndicatorsPlotPath: Mapped[str | None] = mapped_column(
        String(512),
        doc="Path of the plot of the per-image analysis (ImageQualityIndicators) of the "
        "sweep, an image (ESRF's column; core adds it to Diamond's flavour).",
    )
    rotationAxis: Mapped[str | None] = mapped_column(
        LenientEnum(*ROTATION_AXES, name="rotation_axis"),
        doc="Goniometer axis rotated: Omega, Kappa or Phi.",
    )
    phiStart: Mapped[float | None] = mapped_column(Float, doc="Phi at the start, in degrees.")
    kappaStart: Mapped[float | None] = mapped_column(Float, doc="Kappa at the start, in degrees.")
    omegaStart: Mapped[float | None] = mapped_column(Float, doc="Omega at the start, in degrees.")
    chiStart: Mapped[float | None] = mapped_column(Float, doc="Chi at the start, in degrees.")
    resolutionAtCorner: Mapped[float | None] = mapped_column(
        Float, doc="Resolution at the corner of the detector, in Å."
    )
    detector2Theta: Mapped[float | None] = mapped_column(
        Float, doc="Detector two-theta angle, in degrees."
    )
    undulatorGap1: Mapped[float | None] = mapped_column(
        Float, doc="Gap of the first undulator, in mm."
    )
    beamSizeAtSampleX: Mapped[float | None] = mapped_column(
        Float, doc="Beam size at the sample, horizontal (FWHM), in mm."
    )
    beamSizeAtSampleY: Mapped[float | None] = mapped_column(
        Float, doc="Beam size at the sample, vertical (FWHM), in mm."
    )
    centeringMethod: Mapped[str | None] = mapped_column(
        String(255), doc="How the crystal was centred (manual, X-ray, optical...)."
    )
    averageTemperature: Mapped[float | None] = mapped_column(
        Float, doc="Average sample temperature, in K."
    )
    beamShape: Mapped[str | None] = mapped_column(String(45), doc="Beam shape (e.g. ellipse).")
    flux: Mapped[float | None] = mapped_column(
        Double(asdecimal=False), doc="Photon flux at the sample at the start, in photons/s."
    )
    flux_end: Mapped[float | None] = mapped_column(
        Double(asdecimal=False), doc="Photon flux at the sample at the end, in photons/s."
    )

    DataCollectionGroup: Mapped[DataCollectionGroup] = relationship(
        DataCollectionGroup, lazy="raise"
    )


# A table's labels (read-only) of a sweep: its group's sample's name and protein acronym,
# subqueries of the sweep's own statement (by primary keys), so a list stays one statement.
_group = aliased(DataCollectionGroup)
_sample_of_sweep = (
    select(_group.blSampleId)
    .where(_group.dataCollectionGroupId == DataCollection.dataCollectionGroupId)
    .correlate_except(_group)
    .scalar_subquery()
)
DataCollection.sampleName = column_property(
    select(BLSample.name)
    .where(BLSample.blSampleId == _sample_of_sweep)
    .correlate_except(BLSample)
    .scalar_subquery()
)
DataCollection.proteinAcronym = column_property(
    select(Protein.acronym)
    .join(Crystal, Crystal.proteinId == Protein.proteinId)
    .join(BLSample, BLSample.crystalId == Crystal.crystalId)
    .where(BLSample.blSampleId == _sample_of_sweep)
    .correlate_except(Protein, Crystal, BLSample)
    .scalar_subquery()
)


REGISTERED = "registered"
CANCELLED = "cancelled"


class DataCollectionRegistration(UuidMixin, Base):
    """A group and its data collection registered in one idempotent call, keyed by the
    caller's own key (a table of ours, not ISPyB's; docs/data-collections.md).

    A retry with the same key and body gets the same rows back; a cancellation by key
    removes them and leaves the key cancelled, so a request delayed in the network and
    arriving after its cancellation creates nothing. No foreign keys: the ids point at
    ISPyB tables whose key types differ between sites (INT or INT UNSIGNED).
    """

    __tablename__ = "DataCollectionRegistration"
    __table_args__ = (
        UniqueConstraint("registrationKey", name="DataCollectionRegistration_registrationKey_uq"),
    )

    dataCollectionRegistrationId: Mapped[int] = mapped_column(
        Integer, primary_key=True, doc="Database id of the registration."
    )
    registrationKey: Mapped[str] = mapped_column(
        String(64),
        nullable=False,
        doc="The caller's key for this registration (e.g. the UUID of an SSX run): a "
        "retry with the same key returns these rows instead of creating others.",
    )
    status: Mapped[str] = mapped_column(
        String(10),
        nullable=False,
        doc="registered (the rows exist) or cancelled (removed, or cancelled before they "
        "were created; the key cannot be used again).",
    )
    requestHash: Mapped[str | None] = mapped_column(
        String(64),
        doc="SHA-256 of the registration's body as validated: the same key with another "
        "body is refused (null when cancelled before any body arrived).",
    )
    dataCollectionGroupId: Mapped[int | None] = mapped_column(
        Integer, doc="The group created (DataCollectionGroup); null once cancelled."
    )
    dataCollectionId: Mapped[int | None] = mapped_column(
        Integer, doc="The data collection created (DataCollection); null once cancelled."
    )
    requestedBy: Mapped[str] = mapped_column(
        String(255),
        nullable=False,
        doc="Subject (login or client id) of the caller who registered or cancelled.",
    )
    createdAt: Mapped[datetime.datetime] = mapped_column(
        DateTime, nullable=False, doc="When the key was first seen (UTC)."
    )
    cancelledAt: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="When the registration was cancelled (UTC)."
    )

    DataCollectionGroup: Mapped[DataCollectionGroup | None] = relationship(
        DataCollectionGroup,
        primaryjoin="foreign(DataCollectionRegistration.dataCollectionGroupId) == "
        "DataCollectionGroup.dataCollectionGroupId",
        viewonly=True,
        lazy="raise",
    )
    DataCollection: Mapped[DataCollection | None] = relationship(
        DataCollection,
        primaryjoin="foreign(DataCollectionRegistration.dataCollectionId) == "
        "DataCollection.dataCollectionId",
        viewonly=True,
        lazy="raise",
    )
