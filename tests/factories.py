"""Test data for core, written straight to the database (tests then read it over HTTP)."""

from __future__ import annotations

import datetime as dt
import itertools

from ispyb_core.containers.models import Container
from ispyb_core.crystals.models import Crystal
from ispyb_core.data_collection_comments.models import DataCollectionComment
from ispyb_core.data_collections.models import DataCollection, DataCollectionGroup
from ispyb_core.dewar_registry.models import DewarRegistry, DewarRegistryHasProposal
from ispyb_core.dewars.models import Dewar
from ispyb_core.diffraction_plans.models import DiffractionPlan
from ispyb_core.lab_contacts.models import LabContact
from ispyb_core.laboratories.models import Laboratory
from ispyb_core.persons.models import Person
from ispyb_core.processing.models import (
    AutoProc,
    AutoProcIntegration,
    AutoProcProgram,
    AutoProcScaling,
    AutoProcScalingHasInt,
    AutoProcScalingStatistics,
)
from ispyb_core.proposals.models import Proposal, ProposalHasPerson
from ispyb_core.proteins.models import Protein
from ispyb_core.sample_groups.models import BLSampleGroup, BLSampleGroupHasBLSample
from ispyb_core.samples.models import BLSample
from ispyb_core.sessions.models import BLSession, SessionHasPerson
from ispyb_core.shipments.models import Shipping, ShippingHasSession
from ispyb_shared.db import Database

_sequence = itertools.count(1)


class CoreFactory:
    def __init__(self, database: Database):
        self.database = database

    def _save(self, row):
        with self.database.sessionmaker() as session, session.begin():
            session.add(row)
        return row

    def laboratory(self, **values) -> Laboratory:
        n = next(_sequence)
        return self._save(Laboratory(**{"name": f"Lab {n}", "country": "France", **values}))

    def person(self, **values) -> Person:
        n = next(_sequence)
        defaults = {"login": f"user{n}", "familyName": f"Family{n}", "givenName": f"Given{n}"}
        return self._save(Person(**{**defaults, **values}))

    def proposal(self, **values) -> Proposal:
        n = next(_sequence)
        if "personId" not in values:
            values["personId"] = self.person().personId
        defaults = {"proposalCode": "mx", "proposalNumber": str(1000 + n), "title": f"P{n}"}
        return self._save(Proposal(**{**defaults, **values}))

    def session(self, **values) -> BLSession:
        if "proposalId" not in values:
            values["proposalId"] = self.proposal().proposalId
        start = values.pop("startDate", dt.datetime(2026, 1, 1, 8, 0))
        defaults = {
            "visit_number": next(_sequence),
            "beamLineName": "i03",
            "startDate": start,
            "endDate": None if start is None else start + dt.timedelta(hours=24),
        }
        return self._save(BLSession(**{**defaults, **values}))

    def proposal_member(self, proposal: Proposal, person: Person, role="Co-Investigator"):
        return self._save(
            ProposalHasPerson(proposalId=proposal.proposalId, personId=person.personId, role=role)
        )

    def session_member(self, session: BLSession, person: Person, role="Team Member"):
        return self._save(
            SessionHasPerson(sessionId=session.sessionId, personId=person.personId, role=role)
        )

    def lab_contact(self, **values) -> LabContact:
        n = next(_sequence)
        if "proposalId" not in values:
            values["proposalId"] = self.proposal().proposalId
        if "personId" not in values:
            values["personId"] = self.person().personId
        return self._save(LabContact(**{"cardName": f"card{n}", **values}))

    # --- samples and shipping: each makes its parents when not given -----------------

    def protein(self, **values) -> Protein:
        n = next(_sequence)
        if "proposalId" not in values:
            values["proposalId"] = self.proposal().proposalId
        return self._save(Protein(**{"acronym": f"prot{n}", "name": f"Protein {n}", **values}))

    def crystal(self, **values) -> Crystal:
        if "proteinId" not in values:
            values["proteinId"] = self.protein().proteinId
        return self._save(Crystal(**{"spaceGroup": "P212121", **values}))

    def diffraction_plan(self, **values) -> DiffractionPlan:
        return self._save(DiffractionPlan(**{"experimentKind": "OSC", **values}))

    def shipment(self, **values) -> Shipping:
        n = next(_sequence)
        if "proposalId" not in values:
            values["proposalId"] = self.proposal().proposalId
        defaults = {"shippingName": f"Shipment {n}", "shippingStatus": "opened"}
        return self._save(Shipping(**{**defaults, **values}))

    def dewar(self, **values) -> Dewar:
        n = next(_sequence)
        if "shippingId" not in values:
            values["shippingId"] = self.shipment().shippingId
        defaults = {"code": f"DW{n}", "barCode": f"DLS-DW-{n:05d}", "dewarStatus": "opened"}
        return self._save(Dewar(**{**defaults, **values}))

    def container(self, **values) -> Container:
        n = next(_sequence)
        if "dewarId" not in values and "sessionId" not in values:
            values["dewarId"] = self.dewar().dewarId
        defaults = {"code": f"puck{n}", "containerType": "Unipuck", "capacity": 16}
        return self._save(Container(**{**defaults, **values}))

    def sample(self, **values) -> BLSample:
        n = next(_sequence)
        if "containerId" not in values:
            values["containerId"] = self.container().containerId
        if "crystalId" not in values:
            values["crystalId"] = self.crystal().crystalId
        return self._save(BLSample(**{"name": f"sample{n}", "location": "1", **values}))

    def sample_group(self, **values) -> BLSampleGroup:
        n = next(_sequence)
        if "proposalId" not in values:
            values["proposalId"] = self.proposal().proposalId
        return self._save(BLSampleGroup(**{"name": f"group{n}", **values}))

    def sample_group_member(self, group: BLSampleGroup, sample: BLSample, order: int = 1):
        return self._save(
            BLSampleGroupHasBLSample(
                blSampleGroupId=group.blSampleGroupId,
                blSampleId=sample.blSampleId,
                groupOrder=order,
                type="sample",
            )
        )

    def shipment_session(self, shipment: Shipping, session: BLSession):
        return self._save(
            ShippingHasSession(shippingId=shipment.shippingId, sessionId=session.sessionId)
        )

    def registered_dewar(self, **values) -> DewarRegistry:
        n = next(_sequence)
        return self._save(DewarRegistry(**{"facilityCode": f"FAC-{n:05d}", **values}))

    def share_registered_dewar(self, dewar: DewarRegistry, proposal: Proposal):
        return self._save(
            DewarRegistryHasProposal(
                dewarRegistryId=dewar.dewarRegistryId, proposalId=proposal.proposalId
            )
        )

    def shipment_in_proposal(self, proposal: Proposal, *, samples: int = 2) -> dict:
        """A shipment with a dewar, a container and ``samples`` samples of one protein."""
        protein = self.protein(proposalId=proposal.proposalId)
        shipment = self.shipment(proposalId=proposal.proposalId)
        dewar = self.dewar(shippingId=shipment.shippingId)
        container = self.container(dewarId=dewar.dewarId)
        made = [
            self.sample(
                containerId=container.containerId,
                crystalId=self.crystal(proteinId=protein.proteinId).crystalId,
                location=str(position),
            )
            for position in range(1, samples + 1)
        ]
        return {
            "protein": protein,
            "shipment": shipment,
            "dewar": dewar,
            "container": container,
            "samples": made,
        }

    def data_collection_group(self, session: BLSession, **values) -> DataCollectionGroup:
        return self._save(
            DataCollectionGroup(
                **{"sessionId": session.sessionId, "experimentType": "OSC", **values}
            )
        )

    def data_collection(self, group: DataCollectionGroup, **values) -> DataCollection:
        defaults = {
            "dataCollectionGroupId": group.dataCollectionGroupId,
            "SESSIONID": group.sessionId,
            "dataCollectionNumber": next(_sequence),
            "startTime": dt.datetime(2026, 1, 1, 9, 0),
            "wavelength": 0.9763,
        }
        return self._save(DataCollection(**{**defaults, **values}))

    def data_collection_comment(
        self, collection: DataCollection, author: Person, **values
    ) -> DataCollectionComment:
        defaults = {
            "dataCollectionId": collection.dataCollectionId,
            "personId": author.personId,
            "createTime": dt.datetime(2026, 1, 1, 10, next(_sequence) % 60),
            "comments": "Looks good",
        }
        return self._save(DataCollectionComment(**{**defaults, **values}))

    def processing_run(
        self,
        collection: DataCollection,
        programs: str = "xia2",
        *,
        overall: dict | None = None,
        processingStatus: bool | None = True,
    ) -> AutoProcProgram:
        """A finished run with one result and its three shells (``overall``: values of the
        overall shell instead of the defaults)."""
        program = self._save(
            AutoProcProgram(processingPrograms=programs, processingStatus=processingStatus)
        )
        integration = self._save(
            AutoProcIntegration(
                dataCollectionId=collection.dataCollectionId,
                autoProcProgramId=program.autoProcProgramId,
            )
        )
        auto_proc = self._save(
            AutoProc(autoProcProgramId=program.autoProcProgramId, spaceGroup="P 1")
        )
        scaling = self._save(AutoProcScaling(autoProcId=auto_proc.autoProcId))
        self._save(
            AutoProcScalingHasInt(
                autoProcScalingId=scaling.autoProcScalingId,
                autoProcIntegrationId=integration.autoProcIntegrationId,
            )
        )
        for shell, high in (("overall", 1.8), ("innerShell", 5.0), ("outerShell", 1.8)):
            values = {
                "resolutionLimitLow": 40.0,
                "resolutionLimitHigh": high,
                "completeness": 99.0,
                **((overall or {}) if shell == "overall" else {}),
            }
            self._save(
                AutoProcScalingStatistics(
                    autoProcScalingId=scaling.autoProcScalingId,
                    scalingStatisticsType=shell,
                    **values,
                )
            )
        return program
