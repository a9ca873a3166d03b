"""Every model of ssx, imported once so the metadata is complete (migrations, tests).

ISPyB names and types are kept (SSXDataCollection, EventChain, Event, EventType,
Component, ComponentType, SampleComposition, CrystalComposition, ConcentrationType).
Where ISPyB has an integer foreign key to a core table (dataCollectionId, blSampleId,
crystalId, proposalId), this service, which has its own database, stores the core row's
UUID instead: dataCollectionUUID, blSampleUUID, crystalUUID, proposalUUID. The rows of
core are never copied; core is asked (with the caller's token) when they are needed.
"""

from .components.models import (
    COMPONENT_TYPES,
    CONCENTRATION_TYPES,
    Component,
    ComponentType,
    ConcentrationType,
    CrystalComposition,
    SampleComposition,
)
from .database import Base, IdempotencyRecord
from .results.models import (
    INDEXING_TYPES,
    RESULT_STATUSES,
    SSXHitChunk,
    SSXProcessingResult,
    SSXProcessingResultAttachment,
)
from .runs.models import (
    EVENT_TYPES,
    Event,
    EventChain,
    EventType,
    SSXDataCollection,
    SSXRegistrationAttempt,
)

__all__ = [
    "COMPONENT_TYPES",
    "CONCENTRATION_TYPES",
    "EVENT_TYPES",
    "INDEXING_TYPES",
    "RESULT_STATUSES",
    "Base",
    "Component",
    "ComponentType",
    "ConcentrationType",
    "CrystalComposition",
    "Event",
    "EventChain",
    "EventType",
    "IdempotencyRecord",
    "SSXDataCollection",
    "SSXHitChunk",
    "SSXProcessingResult",
    "SSXProcessingResultAttachment",
    "SSXRegistrationAttempt",
    "SampleComposition",
]
