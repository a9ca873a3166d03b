"""Every model of core, imported once so the metadata is complete (migrations, tests)."""

from .database import Base
from .lab_contacts.models import LabContact
from .laboratories.models import Laboratory
from .persons.models import Person
from .proposals.models import Proposal, ProposalHasPerson
from .sessions.models import BLSession, SessionHasPerson

__all__ = [
    "BLSession",
    "Base",
    "LabContact",
    "Laboratory",
    "Person",
    "Proposal",
    "ProposalHasPerson",
    "SessionHasPerson",
]
