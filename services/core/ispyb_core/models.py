"""Every model of core, imported once so the metadata is complete (migrations, tests)."""

from .containers.models import Container
from .crystals.models import Crystal
from .data_collection_attachments.models import DataCollectionFileAttachment
from .data_collection_comments.models import DataCollectionComment
from .data_collections.models import (
    DataCollection,
    DataCollectionGroup,
    DataCollectionRegistration,
)
from .database import Base, IdempotencyRecord
from .dewar_registry.models import DewarRegistry, DewarRegistryHasProposal
from .dewars.models import Dewar, DewarTransportHistory
from .diffraction_plans.models import DiffractionPlan
from .energy_scans.models import EnergyScan
from .grid_info.models import GridInfo
from .image_quality_indicators.models import ImageQualityIndicators
from .images.models import Image
from .lab_contacts.models import LabContact
from .laboratories.models import Laboratory
from .persons.models import Person
from .processing.models import (
    AutoProc,
    AutoProcIntegration,
    AutoProcProgram,
    AutoProcProgramAttachment,
    AutoProcScaling,
    AutoProcScalingAnisotropy,
    AutoProcScalingHasInt,
    AutoProcScalingStatistics,
)
from .processing_jobs.models import ProcessingJob, ProcessingJobParameter
from .processing_messages.models import AutoProcProgramMessage
from .proposals.models import Proposal, ProposalHasPerson
from .proteins.models import Protein
from .robot_actions.models import RobotAction
from .sample_changer.models import ContainerQueue, ContainerQueueSample
from .sample_groups.models import BLSampleGroup, BLSampleGroupHasBLSample
from .samples.models import BLSample
from .screenings.models import (
    Screening,
    ScreeningOutput,
    ScreeningOutputLattice,
    ScreeningStrategy,
    ScreeningStrategySubWedge,
    ScreeningStrategyWedge,
)
from .sessions.models import BLSession, SessionHasPerson
from .shipment_documents.models import ShipmentDocument
from .shipments.models import Shipping, ShippingHasSession, ShippingStatusHistory
from .ui_options.models import AdminVar
from .user_office.models import UserOfficeSyncRun
from .workflows.models import Workflow, WorkflowStep
from .xrf_spectra.models import XFEFluorescenceSpectrum

__all__ = [
    "AdminVar",
    "AutoProc",
    "AutoProcIntegration",
    "AutoProcProgram",
    "AutoProcProgramAttachment",
    "AutoProcProgramMessage",
    "AutoProcScaling",
    "AutoProcScalingAnisotropy",
    "AutoProcScalingHasInt",
    "AutoProcScalingStatistics",
    "BLSample",
    "BLSampleGroup",
    "BLSampleGroupHasBLSample",
    "BLSession",
    "Base",
    "Container",
    "ContainerQueue",
    "ContainerQueueSample",
    "Crystal",
    "DataCollection",
    "DataCollectionComment",
    "DataCollectionFileAttachment",
    "DataCollectionGroup",
    "DataCollectionRegistration",
    "Dewar",
    "DewarRegistry",
    "DewarRegistryHasProposal",
    "DewarTransportHistory",
    "DiffractionPlan",
    "EnergyScan",
    "GridInfo",
    "IdempotencyRecord",
    "Image",
    "ImageQualityIndicators",
    "LabContact",
    "Laboratory",
    "Person",
    "ProcessingJob",
    "ProcessingJobParameter",
    "Proposal",
    "ProposalHasPerson",
    "Protein",
    "RobotAction",
    "Screening",
    "ScreeningOutput",
    "ScreeningOutputLattice",
    "ScreeningStrategy",
    "ScreeningStrategySubWedge",
    "ScreeningStrategyWedge",
    "SessionHasPerson",
    "ShipmentDocument",
    "Shipping",
    "ShippingHasSession",
    "ShippingStatusHistory",
    "UserOfficeSyncRun",
    "Workflow",
    "WorkflowStep",
    "XFEFluorescenceSpectrum",
]
