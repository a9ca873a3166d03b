"""The authorization matrix: every endpoint and every kind of caller gets exactly the answer
documented in docs/authorization.md, and nothing of another proposal leaks."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest

from ispyb_core.data_collection_attachments.models import DataCollectionFileAttachment
from ispyb_core.energy_scans.models import EnergyScan
from ispyb_core.grid_info.models import GridInfo
from ispyb_core.images.models import Image
from ispyb_core.robot_actions.models import RobotAction
from ispyb_core.sample_changer.models import ContainerQueue, ContainerQueueSample
from ispyb_core.screenings.models import Screening
from ispyb_core.xrf_spectra.models import XFEFluorescenceSpectrum

CORE = "/ispyb/api/v1/core"
_fresh = itertools.count(1)


@dataclass
class World:
    """Proposal mx1 (session mx1-1 on i03) with its member; proposal mx2 (mx2-1 on i04)
    with the outsider; a person belonging nowhere; a laboratory; a lab contact of mx1.

    mx1 also has a protein, a crystal, a preset diffraction plan, an opened shipment with a
    dewar, a container and two samples (the first in a sample group), a shipment sent to
    the facility (for mx1-1) with its dewar, and a registered dewar it owns and uses."""

    factory: object

    def __post_init__(self):
        f = self.factory
        self.lab = f.laboratory(name="Shared Lab")
        self.member = f.person(login="member", laboratoryId=self.lab.laboratoryId)
        self.outsider = f.person(login="outsider")
        self.pi = f.person(login="pi")
        self.mx1 = f.proposal(proposalCode="mx", proposalNumber="1", personId=self.pi.personId)
        self.mx2 = f.proposal(proposalCode="mx", proposalNumber="2", personId=self.pi.personId)
        self.mx1_1 = f.session(proposalId=self.mx1.proposalId, visit_number=1, beamLineName="i03")
        self.mx2_1 = f.session(proposalId=self.mx2.proposalId, visit_number=1, beamLineName="i04")
        f.proposal_member(self.mx1, self.member)
        f.session_member(self.mx1_1, self.member)
        f.proposal_member(self.mx2, self.outsider)
        f.session_member(self.mx2_1, self.outsider)
        self.contact = f.lab_contact(
            proposalId=self.mx1.proposalId, personId=self.pi.personId, cardName="mx1 card"
        )
        mx1 = self.mx1.proposalId
        self.protein = f.protein(proposalId=mx1, acronym="mx1prot")
        self.crystal = f.crystal(proteinId=self.protein.proteinId)
        self.preset = f.diffraction_plan(presetForProposalId=mx1)
        self.shipment = f.shipment(proposalId=mx1, shippingName="mx1 shipment")
        self.dewar = f.dewar(shippingId=self.shipment.shippingId, barCode="MX1-DEWAR")
        self.container = f.container(dewarId=self.dewar.dewarId, barcode="MX1-PUCK")
        self.sample = f.sample(
            containerId=self.container.containerId, crystalId=self.crystal.crystalId, location="1"
        )
        self.sample2 = f.sample(
            containerId=self.container.containerId, crystalId=self.crystal.crystalId, location="2"
        )
        self.group = f.sample_group(proposalId=mx1)
        f.sample_group_member(self.group, self.sample)
        self.sent = f.shipment(proposalId=mx1, shippingStatus="sent to facility")
        self.sent_dewar = f.dewar(shippingId=self.sent.shippingId, dewarStatus="sent to facility")
        f.shipment_session(self.sent, self.mx1_1)
        self.registered = f.registered_dewar(facilityCode="FAC-MX1", proposalId=mx1)
        f.share_registered_dewar(self.registered, self.mx1)
        self.dc_group = f.data_collection_group(self.mx1_1)
        self.dc = f.data_collection(self.dc_group)
        self.run = f.processing_run(self.dc)
        self.spare_dc = f.data_collection(self.dc_group)
        self.empty_group = f.data_collection_group(self.mx1_1)
        # What a beamline records (docs/acquisition.md), in mx1-1.
        session_rows = {"sessionId": self.mx1_1.sessionId, "blSampleId": self.sample.blSampleId}
        self.image = f._save(Image(dataCollectionId=self.dc.dataCollectionId, imageNumber=1))
        self.robot_action = f._save(
            RobotAction(blsessionId=self.mx1_1.sessionId, actionType="LOAD")
        )
        self.energy_scan = f._save(EnergyScan(**session_rows, element="Se"))
        self.xrf_spectrum = f._save(XFEFluorescenceSpectrum(**session_rows, energy=13.5))
        self.screening = f._save(Screening(dataCollectionId=self.dc.dataCollectionId))
        self.grid = f._save(GridInfo(dataCollectionId=self.dc.dataCollectionId))
        self.queued_container = f.container(dewarId=self.dewar.dewarId, barcode="MX1-QUEUED")
        self.queue = f._save(ContainerQueue(containerId=self.queued_container.containerId))
        self.queue_sample = f._save(
            ContainerQueueSample(containerQueueId=self.queue.containerQueueId)
        )
        self.dc_attachment = f._save(
            DataCollectionFileAttachment(
                dataCollectionId=self.dc.dataCollectionId,
                fileFullPath="/data/i03/mx1-1/pia.log",
                fileType="log",
            )
        )

    def result_document(self):
        shell = {"resolutionLimitLow": 40.0, "resolutionLimitHigh": 1.9, "completeness": 98.0}
        return {
            "integrations": [{"dataCollection": self.dc.uuid}],
            "autoProc": {"spaceGroup": "P 1"},
            "statistics": {"overall": shell, "innerShell": shell, "outerShell": shell},
        }

    def member_comment(self):
        return self.factory.data_collection_comment(self.dc, self.member)

    def spare_person(self):
        return self.factory.person(login=f"spare{next(_fresh)}")

    def workflow(self):
        """A workflow of a group of mx1-1 with one step (docs/workflows.md)."""
        from ispyb_core.models import Workflow, WorkflowStep

        workflow = self.factory._save(Workflow(workflowType="MXPressE"))
        self.factory.data_collection_group(self.mx1_1, workflowId=workflow.workflowId)
        step = self.factory._save(
            WorkflowStep(workflowId=workflow.workflowId, imageResultFilePath="/d/mesh.png")
        )
        return workflow, step

    def processing_job(self):
        from ispyb_core.models import ProcessingJob

        return self.factory._save(ProcessingJob(dataCollectionId=self.dc.dataCollectionId))

    def processing_message(self):
        from ispyb_core.models import AutoProcProgramMessage

        return self.factory._save(
            AutoProcProgramMessage(autoProcProgramId=self.run.autoProcProgramId, severity="INFO")
        )


CALLERS = {
    "anonymous": lambda tokens: {},
    "outsider": lambda tokens: tokens.user("outsider"),
    "member": lambda tokens: tokens.user("member"),
    "staff": lambda tokens: tokens.user("frank", "staff"),
    "admin": lambda tokens: tokens.user("root", "admin"),
    "staff-i04": lambda tokens: tokens.user("grace", "staff", beamlines=["i04"]),
    "client-no-scope": lambda tokens: tokens.machine("pipeline", "em:write"),
    "client-core-read": lambda tokens: tokens.machine("reader", "core:read"),
}


def expect(outsider, member, staff, admin, staff_i04, no_scope, core_read, anonymous=401):
    return {
        "anonymous": anonymous,
        "outsider": outsider,
        "member": member,
        "staff": staff,
        "admin": admin,
        "staff-i04": staff_i04,
        "client-no-scope": no_scope,
        "client-core-read": core_read,
    }


def _new_session_body(w, beamline="i03"):
    return {
        "proposalId": w.mx1.proposalId,
        "beamLineName": beamline,
        "startDate": "2026-05-01T08:00:00",
        "endDate": "2026-05-02T08:00:00",
    }


def _new_shipment_document(w):
    return {
        "proposalId": w.mx1.proposalId,
        "shippingName": "one shot",
        "dewars": [
            {
                "code": "DW-new",
                "containers": [
                    {
                        "code": "puck-new",
                        "containerType": "Unipuck",
                        "samples": [
                            {"name": "s1", "location": "1", "crystalId": w.crystal.crystalId}
                        ],
                    }
                ],
            }
        ],
    }


SHIPMENT_CSV = (
    "dewar,container,container type,position,protein,sample\nDW-csv,p1,Unipuck,1,mx1prot,x1\n"
)


# name: (method, url(w), body(w) or None, expected answers); a body that is a str is sent
# as a CSV file.
MATRIX = {
    # proposals
    "list proposals": (
        "get",
        lambda w: "/proposals",
        None,
        expect(200, 200, 200, 200, 200, 403, 200),
    ),
    "get proposal": (
        "get",
        lambda w: "/proposals/mx1",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "create proposal": (
        "post",
        lambda w: "/proposals",
        lambda w: {
            "proposalCode": "mx",
            "proposalNumber": str(100 + next(_fresh)),
            "personId": w.pi.personId,
        },
        expect(403, 403, 201, 201, 403, 403, 403),
    ),
    "retitle proposal": (
        "patch",
        lambda w: "/proposals/mx1",
        lambda w: {"title": "New"},
        expect(404, 200, 200, 200, 404, 403, 403),
    ),
    "close proposal": (
        "patch",
        lambda w: "/proposals/mx1",
        lambda w: {"state": "Closed"},
        expect(404, 403, 200, 200, 404, 403, 403),
    ),
    "list proposal members": (
        "get",
        lambda w: "/proposals/mx1/members",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "add proposal member": (
        "post",
        lambda w: "/proposals/mx1/members",
        lambda w: {"personId": w.spare_person().personId, "role": "Associate"},
        expect(404, 403, 201, 201, 404, 403, 403),
    ),
    "get proposal member": (
        "get",
        lambda w: "/proposals/mx1/members/member",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "change proposal member": (
        "patch",
        lambda w: "/proposals/mx1/members/member",
        lambda w: {"role": "Associate"},
        expect(404, 403, 200, 200, 404, 403, 403),
    ),
    "remove proposal member": (
        "delete",
        lambda w: "/proposals/mx1/members/member",
        None,
        expect(404, 403, 204, 204, 404, 403, 403),
    ),
    # sessions
    "list sessions": (
        "get",
        lambda w: "/sessions",
        None,
        expect(200, 200, 200, 200, 200, 403, 200),
    ),
    "get session": (
        "get",
        lambda w: "/sessions/mx1-1",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "get session of other beamline staff": (
        "get",
        lambda w: "/sessions/mx2-1",
        None,
        expect(200, 404, 200, 200, 200, 403, 200),
    ),
    "create session": (
        "post",
        lambda w: "/sessions",
        _new_session_body,
        expect(403, 403, 201, 201, 403, 403, 403),
    ),
    "create session on i04": (
        "post",
        lambda w: "/sessions",
        lambda w: _new_session_body(w, "i04"),
        expect(403, 403, 201, 201, 201, 403, 403),
    ),
    "comment session": (
        "patch",
        lambda w: "/sessions/mx1-1",
        lambda w: {"comments": "ok"},
        expect(404, 200, 200, 200, 404, 403, 403),
    ),
    "reschedule session": (
        "patch",
        lambda w: "/sessions/mx1-1",
        lambda w: {"endDate": "2026-12-31T00:00:00"},
        expect(404, 403, 200, 200, 404, 403, 403),
    ),
    "list session members": (
        "get",
        lambda w: "/sessions/mx1-1/members",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "add session member": (
        "post",
        lambda w: "/sessions/mx1-1/members",
        lambda w: {"personId": w.spare_person().personId, "role": "Staff"},
        expect(404, 403, 201, 201, 404, 403, 403),
    ),
    "get session member": (
        "get",
        lambda w: "/sessions/mx1-1/members/member",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "change session member": (
        "patch",
        lambda w: "/sessions/mx1-1/members/member",
        lambda w: {"remote": True},
        expect(404, 403, 200, 200, 404, 403, 403),
    ),
    "remove session member": (
        "delete",
        lambda w: "/sessions/mx1-1/members/member",
        None,
        expect(404, 403, 204, 204, 404, 403, 403),
    ),
    # statistics
    "session statistics": (
        "get",
        lambda w: "/sessions/mx1-1/statistics",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "proposal statistics": (
        "get",
        lambda w: "/proposals/mx1/statistics",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "beamline statistics": (
        "get",
        lambda w: "/beamlines/i03/statistics",
        None,
        expect(403, 403, 200, 200, 403, 403, 200),
    ),
    # persons
    "list persons": ("get", lambda w: "/persons", None, expect(200, 200, 200, 200, 200, 403, 200)),
    "get person": (
        "get",
        lambda w: "/persons/member",
        None,
        expect(404, 200, 200, 200, 200, 403, 200),
    ),
    "create person": (
        "post",
        lambda w: "/persons",
        lambda w: {"familyName": "New", "login": f"new{next(_fresh)}"},
        expect(403, 403, 201, 201, 201, 403, 403),
    ),
    "change own phone": (
        "patch",
        lambda w: "/persons/member",
        lambda w: {"phoneNumber": "123"},
        expect(404, 200, 200, 200, 200, 403, 403),
    ),
    "change login": (
        "patch",
        lambda w: "/persons/member",
        lambda w: {"login": "renamed"},
        expect(404, 403, 200, 200, 200, 403, 403),
    ),
    # laboratories
    "list laboratories": (
        "get",
        lambda w: "/laboratories",
        None,
        expect(200, 200, 200, 200, 200, 403, 200),
    ),
    "get laboratory": (
        "get",
        lambda w: f"/laboratories/{w.lab.laboratoryId}",
        None,
        expect(200, 200, 200, 200, 200, 403, 200),
    ),
    "create laboratory": (
        "post",
        lambda w: "/laboratories",
        lambda w: {"name": "New lab"},
        expect(403, 403, 201, 201, 201, 403, 403),
    ),
    "change laboratory": (
        "patch",
        lambda w: f"/laboratories/{w.lab.laboratoryId}",
        lambda w: {"city": "Lyon"},
        expect(403, 403, 200, 200, 200, 403, 403),
    ),
    # lab contacts
    "list lab contacts": (
        "get",
        lambda w: "/lab-contacts",
        None,
        expect(200, 200, 200, 200, 200, 403, 200),
    ),
    "get lab contact": (
        "get",
        lambda w: f"/lab-contacts/{w.contact.uuid}",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "create lab contact": (
        "post",
        lambda w: "/lab-contacts",
        lambda w: {
            "proposalId": w.mx1.proposalId,
            "personId": w.member.personId,
            "cardName": "member card",
        },
        expect(422, 201, 201, 201, 422, 403, 403),
    ),
    "change lab contact": (
        "patch",
        lambda w: f"/lab-contacts/{w.contact.labContactId}",
        lambda w: {"courierAccount": "42"},
        expect(404, 200, 200, 200, 404, 403, 403),
    ),
    # proteins
    "list proteins": (
        "get",
        lambda w: "/proteins",
        None,
        expect(200, 200, 200, 200, 200, 403, 200),
    ),
    "get protein": (
        "get",
        lambda w: f"/proteins/{w.protein.uuid}",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "create protein": (
        "post",
        lambda w: "/proteins",
        lambda w: {"proposalId": w.mx1.proposalId, "acronym": f"new{next(_fresh)}"},
        expect(422, 201, 201, 201, 422, 403, 403),
    ),
    "rename protein": (
        "patch",
        lambda w: f"/proteins/{w.protein.proteinId}",
        lambda w: {"name": "Lysozyme"},
        expect(404, 200, 200, 200, 404, 403, 403),
    ),
    "rate protein safety": (
        "patch",
        lambda w: f"/proteins/{w.protein.proteinId}",
        lambda w: {"safetyLevel": "GREEN"},
        expect(404, 403, 200, 200, 404, 403, 403),
    ),
    # crystals
    "list crystals": (
        "get",
        lambda w: "/crystals",
        None,
        expect(200, 200, 200, 200, 200, 403, 200),
    ),
    "get crystal": (
        "get",
        lambda w: f"/crystals/{w.crystal.crystalId}",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "create crystal": (
        "post",
        lambda w: "/crystals",
        lambda w: {"proteinId": w.protein.proteinId, "spaceGroup": "C2"},
        expect(422, 201, 201, 201, 422, 403, 403),
    ),
    "change crystal": (
        "patch",
        lambda w: f"/crystals/{w.crystal.crystalId}",
        lambda w: {"cell_a": 78.2},
        expect(404, 200, 200, 200, 404, 403, 403),
    ),
    # diffraction plans
    "list diffraction plans": (
        "get",
        lambda w: "/diffraction-plans",
        None,
        expect(200, 200, 200, 200, 200, 403, 200),
    ),
    "get diffraction plan": (
        "get",
        lambda w: f"/diffraction-plans/{w.preset.diffractionPlanId}",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "create diffraction plan": (
        "post",
        lambda w: "/diffraction-plans",
        lambda w: {"presetForProposalId": w.mx1.proposalId, "requiredResolution": 1.8},
        expect(422, 201, 201, 201, 422, 403, 403),
    ),
    "change diffraction plan": (
        "patch",
        lambda w: f"/diffraction-plans/{w.preset.uuid}",
        lambda w: {"userPath": "screening/day1"},
        expect(404, 200, 200, 200, 404, 403, 403),
    ),
    # samples
    "list samples": ("get", lambda w: "/samples", None, expect(200, 200, 200, 200, 200, 403, 200)),
    "get sample": (
        "get",
        lambda w: f"/samples/{w.sample.blSampleId}",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "create sample": (
        "post",
        lambda w: "/samples",
        lambda w: {
            "containerId": w.container.containerId,
            "crystalId": w.crystal.crystalId,
            "name": "new",
            "location": "3",
        },
        expect(422, 201, 201, 201, 422, 403, 403),
    ),
    "comment sample": (
        "patch",
        lambda w: f"/samples/{w.sample.uuid}",
        lambda w: {"comments": "cracked"},
        expect(404, 200, 200, 200, 404, 403, 403),
    ),
    "staff comment on sample": (
        "patch",
        lambda w: f"/samples/{w.sample.uuid}",
        lambda w: {"staffComments": "iced"},
        expect(404, 403, 200, 200, 404, 403, 403),
    ),
    "delete sample": (
        "delete",
        lambda w: f"/samples/{w.sample2.blSampleId}",
        None,
        expect(404, 204, 204, 204, 404, 403, 403),
    ),
    # sample groups
    "list sample groups": (
        "get",
        lambda w: "/sample-groups",
        None,
        expect(200, 200, 200, 200, 200, 403, 200),
    ),
    "get sample group": (
        "get",
        lambda w: f"/sample-groups/{w.group.blSampleGroupId}",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "create sample group": (
        "post",
        lambda w: "/sample-groups",
        lambda w: {"proposalId": w.mx1.proposalId, "name": "ligands"},
        expect(422, 201, 201, 201, 422, 403, 403),
    ),
    "rename sample group": (
        "patch",
        lambda w: f"/sample-groups/{w.group.blSampleGroupId}",
        lambda w: {"name": "renamed"},
        expect(404, 200, 200, 200, 404, 403, 403),
    ),
    "add sample to group": (
        "post",
        lambda w: f"/sample-groups/{w.group.blSampleGroupId}/samples",
        lambda w: {"blSampleId": w.sample2.blSampleId},
        expect(404, 201, 201, 201, 404, 403, 403),
    ),
    "reorder sample in group": (
        "patch",
        lambda w: f"/sample-groups/{w.group.blSampleGroupId}/samples/{w.sample.blSampleId}",
        lambda w: {"groupOrder": 5},
        expect(404, 200, 200, 200, 404, 403, 403),
    ),
    "remove sample from group": (
        "delete",
        lambda w: f"/sample-groups/{w.group.blSampleGroupId}/samples/{w.sample.blSampleId}",
        None,
        expect(404, 204, 204, 204, 404, 403, 403),
    ),
    # shipments
    "list shipments": (
        "get",
        lambda w: "/shipments",
        None,
        expect(200, 200, 200, 200, 200, 403, 200),
    ),
    "get shipment": (
        "get",
        lambda w: f"/shipments/{w.shipment.uuid}",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "create shipment": (
        "post",
        lambda w: "/shipments",
        lambda w: {"proposalId": w.mx1.proposalId, "shippingName": "new"},
        expect(422, 201, 201, 201, 422, 403, 403),
    ),
    "comment shipment": (
        "patch",
        lambda w: f"/shipments/{w.shipment.shippingId}",
        lambda w: {"comments": "fragile"},
        expect(404, 200, 200, 200, 404, 403, 403),
    ),
    "declare shipment ready": (
        "patch",
        lambda w: f"/shipments/{w.shipment.shippingId}",
        lambda w: {"shippingStatus": "ready"},
        expect(404, 200, 200, 200, 404, 403, 403),
    ),
    "receive shipment": (
        "patch",
        lambda w: f"/shipments/{w.sent.shippingId}",
        lambda w: {"shippingStatus": "at facility"},
        expect(404, 403, 200, 200, 404, 403, 403),
    ),
    "shipment history": (
        "get",
        lambda w: f"/shipments/{w.shipment.shippingId}/history",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "link shipment to session": (
        "post",
        lambda w: f"/shipments/{w.shipment.shippingId}/sessions",
        lambda w: {"sessionId": w.mx1_1.sessionId},
        expect(404, 201, 201, 201, 404, 403, 403),
    ),
    "unlink shipment from session": (
        "delete",
        lambda w: f"/shipments/{w.sent.shippingId}/sessions/mx1-1",
        None,
        expect(404, 204, 204, 204, 404, 403, 403),
    ),
    "import shipment csv": (
        "post",
        lambda w: f"/shipments/{w.shipment.shippingId}/import-csv",
        lambda w: SHIPMENT_CSV,
        expect(404, 201, 201, 201, 404, 403, 403),
    ),
    "post shipment document": (
        "post",
        lambda w: "/shipment-documents",
        _new_shipment_document,
        expect(422, 201, 201, 201, 422, 403, 403),
    ),
    # dewars
    "list dewars": ("get", lambda w: "/dewars", None, expect(200, 200, 200, 200, 200, 403, 200)),
    "get dewar": (
        "get",
        lambda w: "/dewars/MX1-DEWAR",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "create dewar": (
        "post",
        lambda w: "/dewars",
        lambda w: {"shippingId": w.shipment.shippingId, "code": "DW2"},
        expect(422, 201, 201, 201, 422, 403, 403),
    ),
    "comment dewar": (
        "patch",
        lambda w: f"/dewars/{w.dewar.dewarId}",
        lambda w: {"comments": "heavy"},
        expect(404, 200, 200, 200, 404, 403, 403),
    ),
    "store dewar": (
        "patch",
        lambda w: f"/dewars/{w.dewar.dewarId}",
        lambda w: {"storageLocation": "rack 3"},
        expect(404, 403, 200, 200, 404, 403, 403),
    ),
    "receive dewar": (
        "patch",
        lambda w: f"/dewars/{w.sent_dewar.uuid}",
        lambda w: {"dewarStatus": "at facility"},
        expect(404, 403, 200, 200, 404, 403, 403),
    ),
    "dewar history": (
        "get",
        lambda w: f"/dewars/{w.dewar.dewarId}/history",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    # registered dewars
    "list registered dewars": (
        "get",
        lambda w: "/dewar-registry",
        None,
        expect(200, 200, 200, 200, 200, 403, 200),
    ),
    "get registered dewar": (
        "get",
        lambda w: "/dewar-registry/FAC-MX1",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "register dewar": (
        "post",
        lambda w: "/dewar-registry",
        lambda w: {"facilityCode": f"FAC-{next(_fresh)}", "proposalId": w.mx1.proposalId},
        expect(403, 403, 201, 201, 422, 403, 403),
    ),
    "change registered dewar": (
        "patch",
        lambda w: "/dewar-registry/FAC-MX1",
        lambda w: {"manufacturerSerialNumber": "SN1"},
        expect(404, 403, 200, 200, 404, 403, 403),
    ),
    "share registered dewar": (
        "post",
        lambda w: "/dewar-registry/FAC-MX1/proposals",
        lambda w: {"proposalId": w.mx2.proposalId},
        expect(404, 403, 201, 201, 404, 403, 403),
    ),
    "unshare registered dewar": (
        "delete",
        lambda w: "/dewar-registry/FAC-MX1/proposals/mx1",
        None,
        expect(404, 403, 204, 204, 404, 403, 403),
    ),
    # containers
    "list containers": (
        "get",
        lambda w: "/containers",
        None,
        expect(200, 200, 200, 200, 200, 403, 200),
    ),
    "get container": (
        "get",
        lambda w: "/containers/MX1-PUCK",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "create container": (
        "post",
        lambda w: "/containers",
        lambda w: {"dewarId": w.dewar.dewarId, "code": "puck2", "containerType": "Spinepuck"},
        expect(422, 201, 201, 201, 422, 403, 403),
    ),
    "comment container": (
        "patch",
        lambda w: f"/containers/{w.container.containerId}",
        lambda w: {"comments": "return it"},
        expect(404, 200, 200, 200, 404, 403, 403),
    ),
    "load container in sample changer": (
        "patch",
        lambda w: f"/containers/{w.container.containerId}",
        lambda w: {"sampleChangerLocation": "5", "beamlineLocation": "i03"},
        expect(404, 403, 200, 200, 404, 403, 403),
    ),
    # data collections and processing
    "list data collection groups": (
        "get",
        lambda w: "/data-collection-groups",
        None,
        expect(200, 200, 200, 200, 200, 403, 200),
    ),
    "get data collection group": (
        "get",
        lambda w: f"/data-collection-groups/{w.dc_group.uuid}",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "create data collection group": (
        "post",
        lambda w: "/data-collection-groups",
        lambda w: {"sessionId": w.mx1_1.sessionId, "experimentType": "OSC"},
        expect(403, 403, 201, 201, 403, 403, 403),
    ),
    "change data collection group": (
        "patch",
        lambda w: f"/data-collection-groups/{w.dc_group.uuid}",
        lambda w: {"comments": "x"},
        expect(404, 403, 200, 200, 404, 403, 403),
    ),
    "delete data collection group": (
        "delete",
        lambda w: f"/data-collection-groups/{w.empty_group.uuid}",
        None,
        expect(404, 403, 204, 204, 404, 403, 403),
    ),
    "list data collections": (
        "get",
        lambda w: "/data-collections",
        None,
        expect(200, 200, 200, 200, 200, 403, 200),
    ),
    "get data collection": (
        "get",
        lambda w: f"/data-collections/{w.dc.uuid}",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "create data collection": (
        "post",
        lambda w: "/data-collections",
        lambda w: {"dataCollectionGroupId": w.dc_group.dataCollectionGroupId},
        expect(403, 403, 201, 201, 403, 403, 403),
    ),
    "change data collection": (
        "patch",
        lambda w: f"/data-collections/{w.dc.uuid}",
        lambda w: {"comments": "x"},
        expect(404, 403, 200, 200, 404, 403, 403),
    ),
    "delete data collection": (
        "delete",
        lambda w: f"/data-collections/{w.spare_dc.uuid}",
        None,
        expect(404, 403, 204, 204, 404, 403, 403),
    ),
    "register data collection by key": (
        "put",
        lambda w: f"/data-collection-registrations/key-{next(_fresh)}",
        lambda w: {
            "dataCollectionGroup": {"sessionId": w.mx1_1.sessionId, "experimentType": "OSC"},
            "dataCollection": {"numberOfImages": 10},
        },
        expect(403, 403, 201, 201, 403, 403, 403),
    ),
    "list images": (
        "get",
        lambda w: "/images",
        None,
        expect(200, 200, 200, 200, 200, 403, 200),
    ),
    "get one of the images": (
        "get",
        lambda w: f"/images/{w.image.uuid}",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "record images": (
        "post",
        lambda w: "/images",
        lambda w: {"dataCollectionId": w.dc.dataCollectionId},
        expect(403, 403, 201, 201, 403, 403, 403),
    ),
    "change one of the images": (
        "patch",
        lambda w: f"/images/{w.image.uuid}",
        lambda w: {"comments": "x"},
        expect(404, 403, 200, 200, 404, 403, 403),
    ),
    "list robot actions": (
        "get",
        lambda w: "/robot-actions",
        None,
        expect(200, 200, 200, 200, 200, 403, 200),
    ),
    "get one of the robot actions": (
        "get",
        lambda w: f"/robot-actions/{w.robot_action.uuid}",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "record robot actions": (
        "post",
        lambda w: "/robot-actions",
        lambda w: {"session": "mx1-1", "actionType": "WASH"},
        expect(403, 403, 201, 201, 403, 403, 403),
    ),
    "change one of the robot actions": (
        "patch",
        lambda w: f"/robot-actions/{w.robot_action.uuid}",
        lambda w: {"message": "x"},
        expect(404, 403, 200, 200, 404, 403, 403),
    ),
    "list energy scans": (
        "get",
        lambda w: "/energy-scans",
        None,
        expect(200, 200, 200, 200, 200, 403, 200),
    ),
    "get one of the energy scans": (
        "get",
        lambda w: f"/energy-scans/{w.energy_scan.uuid}",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "record energy scans": (
        "post",
        lambda w: "/energy-scans",
        lambda w: {"session": "mx1-1", "element": "Se"},
        expect(403, 403, 201, 201, 403, 403, 403),
    ),
    "change one of the energy scans": (
        "patch",
        lambda w: f"/energy-scans/{w.energy_scan.uuid}",
        lambda w: {"comments": "x"},
        expect(404, 403, 200, 200, 404, 403, 403),
    ),
    "list fluorescence spectra": (
        "get",
        lambda w: "/xrf-spectra",
        None,
        expect(200, 200, 200, 200, 200, 403, 200),
    ),
    "get one of the fluorescence spectra": (
        "get",
        lambda w: f"/xrf-spectra/{w.xrf_spectrum.uuid}",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "record fluorescence spectra": (
        "post",
        lambda w: "/xrf-spectra",
        lambda w: {"session": "mx1-1", "energy": 13.5},
        expect(403, 403, 201, 201, 403, 403, 403),
    ),
    "change one of the fluorescence spectra": (
        "patch",
        lambda w: f"/xrf-spectra/{w.xrf_spectrum.uuid}",
        lambda w: {"comments": "x"},
        expect(404, 403, 200, 200, 404, 403, 403),
    ),
    "list screenings": (
        "get",
        lambda w: "/screenings",
        None,
        expect(200, 200, 200, 200, 200, 403, 200),
    ),
    "get one of the screenings": (
        "get",
        lambda w: f"/screenings/{w.screening.uuid}",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "record screenings": (
        "post",
        lambda w: "/screenings",
        lambda w: {"dataCollectionId": w.dc.dataCollectionId, "outputs": [{}]},
        expect(403, 403, 201, 201, 403, 403, 403),
    ),
    "change one of the screenings": (
        "patch",
        lambda w: f"/screenings/{w.screening.uuid}",
        lambda w: {"comments": "x"},
        expect(404, 403, 200, 200, 404, 403, 403),
    ),
    "list grids": (
        "get",
        lambda w: "/grid-info",
        None,
        expect(200, 200, 200, 200, 200, 403, 200),
    ),
    "get one of the grids": (
        "get",
        lambda w: f"/grid-info/{w.grid.uuid}",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "record grids": (
        "post",
        lambda w: "/grid-info",
        lambda w: {"dataCollectionId": w.dc.dataCollectionId},
        expect(403, 403, 201, 201, 403, 403, 403),
    ),
    "change one of the grids": (
        "patch",
        lambda w: f"/grid-info/{w.grid.uuid}",
        lambda w: {"meshAngle": 1.0},
        expect(404, 403, 200, 200, 404, 403, 403),
    ),
    "see the sample changer": (
        "get",
        lambda w: "/sessions/mx1-1/sample-changer",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "place containers in the sample changer": (
        "patch",
        lambda w: "/sessions/mx1-1/sample-changer",
        lambda w: {
            "containers": [{"containerId": w.container.containerId, "sampleChangerLocation": "1"}]
        },
        expect(403, 403, 200, 200, 403, 403, 403),
    ),
    "list container queues": (
        "get",
        lambda w: "/container-queues",
        None,
        expect(200, 200, 200, 200, 200, 403, 200),
    ),
    "queue a container": (
        "post",
        lambda w: "/container-queues",
        lambda w: {"containerId": w.container.containerId},
        expect(422, 201, 201, 201, 422, 403, 403),
    ),
    "get a container queue": (
        "get",
        lambda w: f"/container-queues/{w.queue.uuid}",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "complete a container queue": (
        "patch",
        lambda w: f"/container-queues/{w.queue.uuid}",
        lambda w: {"completedTimeStamp": "2026-03-01T10:00:00"},
        expect(404, 200, 200, 200, 404, 403, 403),
    ),
    "get a queued sample": (
        "get",
        lambda w: f"/container-queue-samples/{w.queue_sample.uuid}",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "record a queued sample's progress": (
        "patch",
        lambda w: f"/container-queue-samples/{w.queue_sample.uuid}",
        lambda w: {"status": "skipped"},
        expect(404, 200, 200, 200, 404, 403, 403),
    ),
    "cancel data collection registration": (
        "delete",
        lambda w: f"/data-collection-registrations/key-{next(_fresh)}",
        None,
        expect(403, 403, 200, 200, 200, 403, 403),
    ),
    "register processing run": (
        "post",
        lambda w: "/processing-programs",
        lambda w: {"processingPrograms": "xia2", "dataCollections": [w.dc.uuid]},
        expect(422, 403, 201, 201, 422, 403, 403),
    ),
    # files: the matrix's core serves none (no files.roots), so whoever may see the row is
    # told 404 too; serving them is tests/core/test_files.py
    "data collection snapshot": (
        "get",
        lambda w: f"/data-collections/{w.dc.uuid}/snapshots/1",
        None,
        expect(404, 404, 404, 404, 404, 403, 404),
    ),
    "data collection snapshot url": (
        "get",
        lambda w: f"/data-collections/{w.dc.uuid}/snapshots/1/url",
        None,
        expect(404, 404, 404, 404, 404, 403, 404),
    ),
    "diffraction image jpeg": (
        "get",
        lambda w: f"/images/{w.image.uuid}/jpeg",
        None,
        expect(404, 404, 404, 404, 404, 403, 404),
    ),
    "diffraction image thumbnail url": (
        "get",
        lambda w: f"/images/{w.image.uuid}/thumbnail/url",
        None,
        expect(404, 404, 404, 404, 404, 403, 404),
    ),
    "processing attachment file": (
        "get",
        lambda w: "/processing-attachments/1/file",
        None,
        expect(404, 404, 404, 404, 404, 403, 404),
    ),
    "robot action snapshot": (
        "get",
        lambda w: f"/robot-actions/{w.robot_action.uuid}/snapshots/before",
        None,
        expect(404, 404, 404, 404, 404, 403, 404),
    ),
    "robot action snapshot url": (
        "get",
        lambda w: f"/robot-actions/{w.robot_action.uuid}/snapshots/after/url",
        None,
        expect(404, 404, 404, 404, 404, 403, 404),
    ),
    "energy scan image": (
        "get",
        lambda w: f"/energy-scans/{w.energy_scan.uuid}/image",
        None,
        expect(404, 404, 404, 404, 404, 403, 404),
    ),
    "energy scan image url": (
        "get",
        lambda w: f"/energy-scans/{w.energy_scan.uuid}/image/url",
        None,
        expect(404, 404, 404, 404, 404, 403, 404),
    ),
    "xrf spectrum image": (
        "get",
        lambda w: f"/xrf-spectra/{w.xrf_spectrum.uuid}/image",
        None,
        expect(404, 404, 404, 404, 404, 403, 404),
    ),
    "xrf spectrum image url": (
        "get",
        lambda w: f"/xrf-spectra/{w.xrf_spectrum.uuid}/image/url",
        None,
        expect(404, 404, 404, 404, 404, 403, 404),
    ),
    "processing attachment file url": (
        "get",
        lambda w: "/processing-attachments/1/file/url",
        None,
        expect(404, 404, 404, 404, 404, 403, 404),
    ),
    "get processing run": (
        "get",
        lambda w: f"/processing-programs/{w.run.autoProcProgramId}",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "update processing run": (
        "patch",
        lambda w: f"/processing-programs/{w.run.uuid}",
        lambda w: {"processingMessage": "done"},
        expect(404, 403, 200, 200, 404, 403, 403),
    ),
    "post processing result": (
        "post",
        lambda w: f"/processing-programs/{w.run.uuid}/results",
        lambda w: w.result_document(),
        expect(404, 403, 201, 201, 404, 403, 403),
    ),
    "processing of a data collection": (
        "get",
        lambda w: f"/data-collections/{w.dc.uuid}/processing",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "comparison for a data collection": (
        "get",
        lambda w: f"/data-collections/{w.dc.uuid}/processing/comparison",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "comparison for a group": (
        "get",
        lambda w: f"/data-collection-groups/{w.dc_group.uuid}/processing/comparison",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "mmcif of a data collection": (
        "get",
        lambda w: f"/data-collections/{w.dc.uuid}/mmcif",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "data collections of a session": (
        "get",
        lambda w: "/sessions/mx1-1/data-collections",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    # timelines: who sees the session (proposal, sample) sees its events; a beamline is a
    # name, its timeline holds what each caller sees (the outsider: nothing of mx1)
    "events of a session": (
        "get",
        lambda w: "/sessions/mx1-1/events",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "events of a proposal": (
        "get",
        lambda w: "/proposals/mx1/events",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "events of a sample": (
        "get",
        lambda w: f"/samples/{w.sample.uuid}/events",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "status of data collections": (
        "get",
        lambda w: f"/data-collections/status?ids={w.dc.dataCollectionId},{w.spare_dc.uuid}",
        None,
        expect(200, 200, 200, 200, 200, 403, 200),
    ),
    "events of a beamline": (
        "get",
        lambda w: "/beamlines/i03/events",
        None,
        expect(200, 200, 200, 200, 200, 403, 200),
    ),
    # user-office synchronisation: a machine client with core:sync:write only (the
    # document is empty: valid and harmless); staff read the records
    "push user-office document": (
        "post",
        lambda w: "/user-office/sync",
        lambda w: {"version": 1},
        expect(403, 403, 403, 403, 403, 403, 403),
    ),
    "list user-office sync runs": (
        "get",
        lambda w: "/user-office/sync-runs",
        None,
        expect(403, 403, 200, 200, 200, 403, 403),
    ),
    "get a user-office sync run": (
        "get",
        lambda w: "/user-office/sync-runs/1",
        None,
        expect(403, 403, 404, 404, 404, 403, 403),
    ),
    # comments on a data collection: people who see it write them (the author must be a
    # Person: frank and root have none); the author or staff change them
    "list data collection comments": (
        "get",
        lambda w: f"/data-collections/{w.dc.uuid}/comments",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "add data collection comment": (
        "post",
        lambda w: f"/data-collections/{w.dc.uuid}/comments",
        lambda w: {"comments": "Ice rings"},
        expect(404, 201, 403, 403, 404, 403, 403),
    ),
    "get data collection comment": (
        "get",
        lambda w: f"/data-collections/{w.dc.uuid}/comments/{w.member_comment().uuid}",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "change data collection comment": (
        "patch",
        lambda w: f"/data-collections/{w.dc.uuid}/comments/{w.member_comment().uuid}",
        lambda w: {"comments": "Ice rings, reprocess"},
        expect(404, 200, 200, 200, 404, 403, 403),
    ),
    "delete data collection comment": (
        "delete",
        lambda w: f"/data-collections/{w.dc.uuid}/comments/{w.member_comment().uuid}",
        None,
        expect(404, 204, 204, 204, 404, 403, 403),
    ),
    # front ends' options: any caller reads them, staff of every beamline change them
    "read ui options": (
        "get",
        lambda w: "/options/ui",
        None,
        expect(200, 200, 200, 200, 200, 200, 200),
    ),
    "change ui options": (
        "patch",
        lambda w: "/options/ui",
        lambda w: {"siteName": "Site"},
        expect(403, 403, 200, 200, 403, 403, 403),
    ),
    # per-image analysis and files of a data collection: read with the data collection,
    # written by pipelines (the processing writers: a client with core:processing:write, or
    # staff of the beamline); the files' routes answer 404 here (no files.roots)
    "list image quality indicators": (
        "get",
        lambda w: f"/data-collections/{w.dc.uuid}/image-quality",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "record image quality indicators": (
        "post",
        lambda w: f"/data-collections/{w.dc.uuid}/image-quality",
        lambda w: {"images": [{"imageNumber": next(_fresh), "spotTotal": 3}]},
        expect(404, 403, 201, 201, 404, 403, 403),
    ),
    "image quality plot": (
        "get",
        lambda w: f"/data-collections/{w.dc.uuid}/image-quality/plot",
        None,
        expect(404, 404, 404, 404, 404, 403, 404),
    ),
    "image quality plot url": (
        "get",
        lambda w: f"/data-collections/{w.dc.uuid}/image-quality/plot/url",
        None,
        expect(404, 404, 404, 404, 404, 403, 404),
    ),
    "list data collection attachments": (
        "get",
        lambda w: f"/data-collections/{w.dc.uuid}/attachments",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "attach a file to a data collection": (
        "post",
        lambda w: f"/data-collections/{w.dc.uuid}/attachments",
        lambda w: {"fileFullPath": "/data/i03/mx1-1/spots.xy", "fileType": "xy"},
        expect(404, 403, 201, 201, 404, 403, 403),
    ),
    "get data collection attachment": (
        "get",
        lambda w: f"/data-collection-attachments/{w.dc_attachment.uuid}",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "data collection attachment file": (
        "get",
        lambda w: f"/data-collection-attachments/{w.dc_attachment.uuid}/file",
        None,
        expect(404, 404, 404, 404, 404, 403, 404),
    ),
    "data collection attachment file url": (
        "get",
        lambda w: f"/data-collection-attachments/{w.dc_attachment.uuid}/file/url",
        None,
        expect(404, 404, 404, 404, 404, 403, 404),
    ),
    # workflows, processing jobs and messages (docs/workflows.md)
    "record workflow": (
        "post",
        lambda w: "/workflows",
        lambda w: {"dataCollectionGroupId": w.empty_group.dataCollectionGroupId},
        expect(403, 403, 201, 201, 403, 403, 403),
    ),
    "get workflow": (
        "get",
        lambda w: f"/workflows/{w.workflow()[0].uuid}",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "change workflow": (
        "patch",
        lambda w: f"/workflows/{w.workflow()[0].uuid}",
        lambda w: {"status": "Success"},
        expect(403, 403, 200, 200, 403, 403, 403),
    ),
    "add workflow step": (
        "post",
        lambda w: f"/workflows/{w.workflow()[0].uuid}/steps",
        lambda w: {"status": "Success"},
        expect(403, 403, 201, 201, 403, 403, 403),
    ),
    "workflow of a data collection group": (
        "get",
        lambda w: f"/data-collection-groups/{w.workflow() and w.dc_group.uuid}/workflow",
        None,
        expect(404, 404, 404, 404, 404, 403, 404),
    ),
    "list workflow steps": (
        "get",
        lambda w: "/workflow-steps",
        None,
        expect(200, 200, 200, 200, 200, 403, 200),
    ),
    "get workflow step": (
        "get",
        lambda w: f"/workflow-steps/{w.workflow()[1].uuid}",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "workflow step file": (
        "get",
        lambda w: f"/workflow-steps/{w.workflow()[1].uuid}/image",
        None,
        expect(404, 404, 404, 404, 404, 403, 404),
    ),
    "workflow step file url": (
        "get",
        lambda w: f"/workflow-steps/{w.workflow()[1].uuid}/image/url",
        None,
        expect(404, 404, 404, 404, 404, 403, 404),
    ),
    "request processing job": (
        "post",
        lambda w: "/processing-jobs",
        lambda w: {"dataCollectionId": w.dc.dataCollectionId, "recipe": "xia2"},
        expect(403, 403, 201, 201, 403, 403, 403),
    ),
    "get processing job": (
        "get",
        lambda w: f"/processing-jobs/{w.processing_job().uuid}",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "processing jobs of a data collection": (
        "get",
        lambda w: f"/data-collections/{w.dc.uuid}/processing-jobs",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "record processing message": (
        "post",
        lambda w: "/processing-messages",
        lambda w: {"autoProcProgramId": w.run.autoProcProgramId, "severity": "ERROR"},
        expect(403, 403, 201, 201, 403, 403, 403),
    ),
    "list processing messages": (
        "get",
        lambda w: "/processing-messages",
        None,
        expect(200, 200, 200, 200, 200, 403, 200),
    ),
    "get processing message": (
        "get",
        lambda w: f"/processing-messages/{w.processing_message().uuid}",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    "messages of a processing run": (
        "get",
        lambda w: f"/processing-programs/{w.run.uuid}/messages",
        None,
        expect(404, 200, 200, 200, 404, 403, 200),
    ),
    # open to everyone
    "health": ("get", lambda w: "/health", None, expect(*[200] * 7, anonymous=200)),
    "ready": ("get", lambda w: "/ready", None, expect(*[200] * 7, anonymous=200)),
    "metrics": ("get", lambda w: "/metrics", None, expect(*[200] * 7, anonymous=200)),
    "swagger": ("get", lambda w: "/swagger.json", None, expect(*[200] * 7, anonymous=200)),
    "openapi": ("get", lambda w: "/openapi.json", None, expect(*[200] * 7, anonymous=200)),
    "swagger ui": ("get", lambda w: "/docs", None, expect(*[200] * 7, anonymous=200)),
    "api root": ("get", lambda w: "/", None, expect(*[302] * 7, anonymous=302)),
    # detector images: no files.roots here (404 to whoever sees the row too); reading them
    # with a caller matrix is tests/core/test_detector_images.py
    **{
        f"detector image {what}": (
            "get",
            lambda w, what=what: f"/data-collections/{w.dc.uuid}/detector-images/1/{what}",
            None,
            expect(404, 404, 404, 404, 404, 403, 404),
        )
        for what in ("header", "histogram", "pixels", "pixels/url")
    },
}


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("operation", list(MATRIX))
def test_authorization_matrix(core_app, factory, tokens, operation, caller):
    world = World(factory)
    method, url, body, expected = MATRIX[operation]
    client = core_app.test_client()
    kwargs = {"headers": CALLERS[caller](tokens)}
    if body is not None:
        sent = body(world)
        if isinstance(sent, str):
            kwargs.update(data=sent, content_type="text/csv")
        else:
            kwargs["json"] = sent
    response = getattr(client, method)(CORE + url(world), **kwargs)
    assert response.status_code == expected[caller], (operation, caller, response.json)
    if response.status_code >= 400:
        assert response.json["code"] in {
            "UNAUTHORIZED",
            "FORBIDDEN",
            "NOT_FOUND",
            "VALIDATION_ERROR",
        }
        if response.status_code == 401:
            assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_every_core_operation_is_in_the_matrix(core_app, factory):
    """A new endpoint cannot be added without deciding who may call it."""
    world = World(factory)
    adapter = core_app.url_map.bind("localhost")
    covered = {
        (
            method.upper(),
            adapter.match(
                CORE + url(world).partition("?")[0], method=method.upper(), return_rule=True
            )[0].rule,
        )
        for method, url, _body, _expected in MATRIX.values()
    }
    served = {
        (method, rule.rule)
        for rule in core_app.url_map.iter_rules()
        if rule.rule.startswith(CORE) and "swaggerui" not in rule.rule
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served - covered == set()


LEAK_QUERIES = [
    "/proposals",
    "/proposals?proposalCode=mx",
    "/proposals?proposalNumber=1",
    "/sessions",
    "/sessions?proposal=mx1",
    "/sessions?beamLineName=i03",
    "/persons",
    "/persons?login=member",
    "/persons?familyName.contains=a",
    "/lab-contacts",
    "/lab-contacts?cardName=mx1%20card",
    "/proteins",
    "/proteins?acronym=mx1prot",
    "/crystals",
    "/crystals?acronym=mx1prot",
    "/diffraction-plans",
    "/samples",
    "/samples?proposal=mx1",
    "/sample-groups",
    "/shipments",
    "/shipments?proposal=mx1",
    "/dewars",
    "/dewars?barCode=MX1-DEWAR",
    "/containers",
    "/containers?barcode=MX1-PUCK",
    "/dewar-registry",
    "/dewar-registry?facilityCode=FAC-MX1",
    "/beamlines/i03/events",
    "/beamlines/i03/events?group=true",
]


def test_nothing_of_another_proposal_leaks_to_an_outsider(core_app, factory, tokens):
    world = World(factory)
    client = core_app.test_client()
    headers = tokens.user("outsider")
    seen = {}
    for query in LEAK_QUERIES:
        response = client.get(CORE + query, headers=headers)
        assert response.status_code == 200, query
        seen[query] = response.json["results"]
    text = repr(list(seen.values()))
    for secret in (
        world.mx1.uuid,
        world.mx1_1.uuid,
        world.member.uuid,
        world.contact.uuid,
        "mx1-1",
        "'member'",
        world.protein.uuid,
        world.crystal.uuid,
        world.preset.uuid,
        world.sample.uuid,
        world.group.uuid,
        world.shipment.uuid,
        world.dewar.uuid,
        world.container.uuid,
        world.registered.uuid,
        "MX1-DEWAR",
        "mx1prot",
        world.dc.uuid,
        world.dc_group.uuid,
        world.robot_action.uuid,
        world.energy_scan.uuid,
    ):
        assert secret not in text
    assert (
        client.get(f"{CORE}/sessions?proposalId={world.mx1.proposalId}", headers=headers).json[
            "total"
        ]
        == 0
    )
    # The outsider sees their own proposal, session and co-members.
    assert [p["name"] for p in seen["/proposals"]] == ["mx2"]
    assert [s["visit"] for s in seen["/sessions"]] == ["mx2-1"]
    assert {p["login"] for p in seen["/persons"]} == {"outsider"}


def test_member_sees_exactly_their_proposal(core_app, factory, tokens):
    World(factory)
    client = core_app.test_client()
    headers = tokens.user("member")
    assert [
        p["name"] for p in client.get(f"{CORE}/proposals", headers=headers).json["results"]
    ] == ["mx1"]
    assert [
        s["visit"] for s in client.get(f"{CORE}/sessions", headers=headers).json["results"]
    ] == ["mx1-1"]
    logins = {p["login"] for p in client.get(f"{CORE}/persons", headers=headers).json["results"]}
    assert logins == {"member"}


def test_session_participant_sees_the_session_and_its_proposal(core_app, factory, tokens):
    world = World(factory)
    guest = factory.person(login="guest")
    factory.session_member(world.mx1_1, guest)
    client = core_app.test_client()
    headers = tokens.user("guest")
    assert client.get(f"{CORE}/sessions/mx1-1", headers=headers).status_code == 200
    assert client.get(f"{CORE}/proposals/mx1", headers=headers).status_code == 200
    assert client.get(f"{CORE}/sessions/mx2-1", headers=headers).status_code == 404


def test_beamline_staff_see_only_their_beamlines(core_app, factory, tokens):
    World(factory)
    client = core_app.test_client()
    headers = tokens.user("grace", "staff", beamlines=["i04"])
    sessions = client.get(f"{CORE}/sessions", headers=headers).json["results"]
    assert [s["visit"] for s in sessions] == ["mx2-1"]
    proposals = client.get(f"{CORE}/proposals", headers=headers).json["results"]
    assert [p["name"] for p in proposals] == ["mx2"]


def test_unknown_user_sees_nothing(core_app, factory, tokens):
    World(factory)
    client = core_app.test_client()
    headers = tokens.user("nobody-in-core")
    for path in (
        "/proposals",
        "/sessions",
        "/lab-contacts",
        "/persons",
        "/proteins",
        "/samples",
        "/shipments",
        "/dewars",
        "/containers",
        "/dewar-registry",
        "/diffraction-plans",
        "/sample-groups",
    ):
        assert client.get(CORE + path, headers=headers).json["total"] == 0
