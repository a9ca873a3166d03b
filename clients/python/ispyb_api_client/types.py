"""Typed results: the main resources as TypedDicts (JSON field names are ISPyB's column
names; every field's meaning and unit is in Swagger UI). ``total=False``: a site's
service may add fields, and readers should not break on one more or one less."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypedDict


class Me(TypedDict, total=False):
    subject: str
    kind: str  # "user" or "client"
    name: str | None
    roles: list[str]
    beamlines: list[str]
    scopes: list[str]
    permissions: list[str]
    tokenId: str


class Proposal(TypedDict, total=False):
    proposalId: int
    uuid: str
    name: str  # proposalCode + proposalNumber, e.g. mx1001
    proposalCode: str
    proposalNumber: str
    proposalType: str | None
    title: str | None
    state: str | None
    personId: int | None
    startDate: str | None
    endDate: str | None
    externalId: str | None


class Session(TypedDict, total=False):
    sessionId: int
    uuid: str
    visit: str  # e.g. mx1001-1
    proposalId: int
    proposalUUID: str
    visit_number: int | None
    beamLineName: str | None
    beamLineOperator: str | None
    startDate: str | None
    endDate: str | None
    scheduled: bool | None
    nbShifts: int | None
    comments: str | None
    archived: bool | None


class DataCollectionGroup(TypedDict, total=False):
    dataCollectionGroupId: int
    uuid: str
    sessionId: int
    sessionUUID: str
    visit: str
    blSampleId: int | None
    experimentType: str | None
    startTime: str | None
    endTime: str | None
    comments: str | None


class DataCollection(TypedDict, total=False):
    dataCollectionId: int
    uuid: str
    dataCollectionGroupId: int
    dataCollectionGroupUUID: str
    sessionId: int
    sessionUUID: str
    visit: str
    experimentType: str | None
    blSampleId: int | None
    dataCollectionNumber: int | None
    startTime: str | None
    endTime: str | None
    runStatus: str | None
    imageDirectory: str | None
    imagePrefix: str | None
    fileTemplate: str | None
    numberOfImages: int | None
    axisStart: float | None
    axisRange: float | None
    exposureTime: float | None  # s
    wavelength: float | None  # Å
    resolution: float | None  # Å, at the detector edge as set, not a result
    detectorDistance: float | None  # mm
    transmission: float | None  # percent
    comments: str | None


class OuterShellSummary(TypedDict, total=False):
    resolutionLimitHigh: float | None
    completeness: float | None
    ccHalf: float | None
    meanIOverSigI: float | None


class BestResult(TypedDict, total=False):
    autoProcId: int
    autoProcProgramId: int
    processingPrograms: str | None
    spaceGroup: str | None
    resolutionLimitLow: float | None  # Å
    resolutionLimitHigh: float | None  # Å
    completeness: float | None  # percent
    rMerge: float | None  # fraction
    ccHalf: float | None  # percent
    meanIOverSigI: float | None
    outerShell: OuterShellSummary | None


class SessionDataCollection(DataCollection, total=False):
    bestResult: BestResult | None


class DataCollectionRegistration(TypedDict, total=False):
    registrationKey: str
    status: str  # "registered" or "cancelled"
    dataCollectionGroupId: int | None
    dataCollectionId: int | None
    dataCollectionGroup: DataCollectionGroup | None
    dataCollection: DataCollection | None
    requestedBy: str | None
    createdAt: str | None
    cancelledAt: str | None
    uuid: str


class ProcessingProgram(TypedDict, total=False):
    """A processing run as ``POST /processing-programs`` answers it."""

    program: dict[str, Any]  # autoProcProgramId, uuid, processingPrograms, status...
    integrations: list[dict[str, Any]]
    results: list[dict[str, Any]]
    attachments: list[dict[str, Any]]


ProcessingRun = ProcessingProgram


class Shipment(TypedDict, total=False):
    shippingId: int
    uuid: str
    proposalId: int
    shippingName: str | None
    shippingStatus: str | None
    shippingType: str | None
    creationDate: str | None
    comments: str | None


class Movie(TypedDict, total=False):
    movieId: int
    uuid: str
    dataCollectionUUID: str
    movieNumber: int
    movieFullPath: str | None
    createdTimeStamp: str | None
    motionCorrections: list[dict[str, Any]]


class EmSummary(TypedDict, total=False):
    movies: int
    motionCorrections: int
    ctfs: int
    relativeIceThicknesses: int
    particlePickers: int
    particlesPicked: int | None
    firstMovieTime: str | None
    lastMovieTime: str | None
    lastMovieNumber: int | None


@dataclass
class SessionSummary:
    """A session and its sweeps, each with its best processing result."""

    session: Session
    data_collections: list[SessionDataCollection]
    # Live summaries of the cryo-EM data collections, by data collection UUID.
    em: dict[str, EmSummary] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "session": self.session,
            "dataCollections": self.data_collections,
            "emSummaries": self.em,
        }


COUNTED = ("movies", "motionCorrections", "ctfs", "relativeIceThicknesses", "particlePickers")


@dataclass
class IngestReport:
    """What a movie ingestion stored: per kind of row, created and already existing."""

    received: int = 0
    batches: int = 0
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {kind: {"created": 0, "existing": 0} for kind in COUNTED}
    )

    def add(self, answer: dict[str, Any]) -> None:
        self.batches += 1
        self.received += int(answer.get("received") or 0)
        for kind in COUNTED:
            for outcome in ("created", "existing"):
                self.counts[kind][outcome] += int((answer.get(kind) or {}).get(outcome) or 0)

    def as_json(self) -> dict[str, Any]:
        return {"received": self.received, "batches": self.batches, **self.counts}
