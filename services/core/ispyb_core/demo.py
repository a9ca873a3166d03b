"""A small demo facility, so a new user sees data at once.

Seeded by ``make run`` (``ispyb-core seed-demo``). Every demo row has a fixed UUID made
from its own demo key (:func:`demo_uuid`, e.g. ``laboratory/Beamline Science``) and is
looked up by it, so re-running adds nothing, whatever users have added or renamed since:
a second laboratory named like a demo one, or a renamed demo row, changes nothing (the
seed once looked rows up by such names and failed with MultipleResultsFound). Rows a
user added or changed are left alone. A database seeded before demo keys existed has
demo rows with random UUIDs: a row not found by its key is looked for by its natural key
(the oldest match), so such a database is not seeded twice. The demo shipment is entered
like a LIMS would, as one shipment document, found again by its externalId.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ispyb_shared.auth import USER, Caller
from ispyb_shared.db import Database

from .demo_data_collections import seed_data_collections
from .demo_keys import demo_uuid, find_demo_row
from .demo_workflows import seed_workflows
from .lab_contacts.models import LabContact
from .laboratories.models import Laboratory
from .persons.models import Person
from .proposals.models import Proposal, ProposalHasPerson
from .proteins.models import Protein
from .sessions.models import BLSession, SessionHasPerson
from .shipment_documents.models import ShipmentDocument
from .shipment_documents.service import submit_document

LABORATORIES = [
    {
        "name": "Structural Biology Lab",
        "city": "Grenoble",
        "country": "France",
        "organization": "EMBL",
    },
    {
        "name": "Protein Crystallography",
        "city": "Oxford",
        "country": "United Kingdom",
        "organization": "University of Oxford",
    },
    {
        "name": "Beamline Science",
        "city": "Didcot",
        "country": "United Kingdom",
        "organization": "Demo Light Source",
    },
]

# login -> (given name, family name, laboratory)
PERSONS = {
    "alice": ("Alice", "Anderson", "Structural Biology Lab"),
    "bob": ("Bob", "Brown", "Structural Biology Lab"),
    "carol": ("Carol", "Chen", "Protein Crystallography"),
    "dave": ("Dave", "Dubois", "Protein Crystallography"),
    "erin": ("Erin", "Evans", "Protein Crystallography"),
    "frank": ("Frank", "Fischer", "Beamline Science"),
    "grace": ("Grace", "Garcia", "Beamline Science"),
    "heidi": ("Heidi", "Hansen", "Beamline Science"),
}

# (code, number, title, owner login, state, members: login -> role)
PROPOSALS = [
    (
        "mx",
        "1001",
        "Structure of a bacterial efflux pump",
        "alice",
        "Open",
        {"alice": "Principal Investigator", "bob": "Co-Investigator"},
    ),
    (
        "mx",
        "1002",
        "Fragment screening of a viral protease",
        "carol",
        "Open",
        {"carol": "Principal Investigator", "dave": "Co-Investigator", "erin": "Associate"},
    ),
    (
        "cm",
        "1003",
        "Commissioning of the demo beamlines",
        "frank",
        "Open",
        {"frank": "Principal Investigator", "grace": "Co-Investigator"},
    ),
    ("mx", "999", "A finished project", "alice", "Closed", {"alice": "Principal Investigator"}),
]

BASE_DAY = dt.datetime(2026, 11, 2, 9, 0)

# (proposal, visit, beamline, days after BASE_DAY, hours, participants: login -> role)
SESSIONS = [
    (
        "mx1001",
        1,
        "i03",
        0,
        24,
        {"alice": "Principal Investigator", "bob": "Team Member", "heidi": "Local Contact"},
    ),
    ("mx1001", 2, "i04", 14, 24, {"bob": "Team Leader", "heidi": "Local Contact"}),
    (
        "mx1002",
        1,
        "i04",
        3,
        48,
        {"carol": "Principal Investigator", "dave": "Team Member", "grace": "Local Contact"},
    ),
    ("mx1002", 2, "i03", 21, 24, {"carol": "Team Leader", "erin": "Data Access"}),
    ("cm1003", 1, "i03", 7, 8, {"frank": "Staff", "grace": "Staff"}),
    ("cm1003", 2, "i04", 7, 8, {"frank": "Staff", "heidi": "Staff"}),
    ("mx999", 1, "i03", -300, 24, {"alice": "Principal Investigator"}),
]


# proposal -> (acronym, name, description, molecular mass in Da)
PROTEINS = {
    "mx1002": [
        ("mpro", "Main protease", "Viral 3C-like cysteine protease, the screening target.", 33797),
        ("lyso", "Lysozyme", "Hen egg-white lysozyme, the test crystal of every run.", 14313),
    ],
}
MPRO_CELL = {"cell_a": 114.2, "cell_b": 53.9, "cell_c": 45.1, "cell_alpha": 90, "cell_gamma": 90}
LYSO_CELL = {"cell_a": 79.1, "cell_b": 79.1, "cell_c": 37.9, "cell_alpha": 90, "cell_gamma": 90}


def _demo_sample(name: str, position: int, acronym: str, **crystal) -> dict:
    return {
        "name": name,
        "location": str(position),
        "crystal": {"protein": {"acronym": acronym}, **crystal},
        "diffractionPlan": {
            "experimentKind": "OSC",
            "requiredResolution": 1.8,
            "userPath": f"fragments/{name}",
        },
    }


def demo_shipment(proposal: Proposal, session: BLSession) -> dict:
    """mx1002's shipment for its first session: 1 dewar, 2 pucks, 6 samples."""
    mpro = {"spaceGroup": "C2", "cell_beta": 101.9, **MPRO_CELL}
    lyso = {"spaceGroup": "P43212", "cell_beta": 90, **LYSO_CELL}
    return {
        "externalId": "demo-mx1002-fragments-1",
        "proposalId": proposal.proposalId,
        "shippingName": "Fragment screen, run 1",
        "comments": "Demo shipment",
        "dewars": [
            {
                "code": "DW-1",
                "barCode": "DEMO-MX1002-DW1",
                "firstExperimentId": session.sessionId,
                "containers": [
                    {
                        "code": "puck-A",
                        "barcode": "DEMO-UNI-0001",
                        "containerType": "Unipuck",
                        "samples": [
                            _demo_sample(f"mpro-x{n:04d}", n, "mpro", **mpro) for n in range(1, 5)
                        ],
                    },
                    {
                        "code": "puck-B",
                        "barcode": "DEMO-SPN-0001",
                        "containerType": "Spinepuck",
                        "samples": [
                            _demo_sample(f"lyso-{n}", n, "lyso", **lyso) for n in range(1, 3)
                        ],
                    },
                ],
            }
        ],
    }


# The seed writes what facility staff would: as a staff caller.
SEED_CALLER = Caller(
    subject="seed-demo",
    kind=USER,
    roles=frozenset({"staff"}),
    beamlines=frozenset(),
    scopes=frozenset(),
    token_id="seed-demo",
)


class _Seeder:
    """Adds the demo rows that are not there yet, found by their demo key, and counts them."""

    def __init__(self, db: Session):
        self.db = db
        self.created = 0

    def __call__(self, model, key: str, lookup: dict, values: dict):
        row = find_demo_row(self.db, model, key, lookup)
        if row is None:
            row = model(uuid=demo_uuid(key), **lookup, **values)
            self.db.add(row)
            self.db.flush()
            self.created += 1
        return row

    def shipment(self, document: dict) -> None:
        """Enter a shipment document unless the proposal has had it (its externalId)."""
        exists = self.db.execute(
            select(ShipmentDocument.shipmentDocumentId).where(
                ShipmentDocument.proposalId == document["proposalId"],
                ShipmentDocument.externalId == document["externalId"],
            )
        ).first()
        if exists is not None:
            return

        def count(session, _context):
            self.created += len(session.new)

        event.listen(self.db, "after_flush", count)
        try:
            submit_document(db_session=self.db, raw=document, caller=SEED_CALLER)
        finally:
            event.remove(self.db, "after_flush", count)


def seed_demo(database: Database) -> str:
    with database.sessionmaker() as db, db.begin():
        get_or_add = _Seeder(db)
        labs = {
            lab["name"]: get_or_add(
                Laboratory,
                f"laboratory/{lab['name']}",
                {"name": lab["name"]},
                {k: v for k, v in lab.items() if k != "name"},
            )
            for lab in LABORATORIES
        }
        persons = {
            login: get_or_add(
                Person,
                f"person/{login}",
                {"login": login},
                {
                    "givenName": given,
                    "familyName": family,
                    "emailAddress": f"{login}@example.org",
                    "laboratoryId": labs[lab].laboratoryId,
                },
            )
            for login, (given, family, lab) in PERSONS.items()
        }
        proposals = {}
        for code, number, title, owner, state, members in PROPOSALS:
            proposal = get_or_add(
                Proposal,
                f"proposal/{code}{number}",
                {"proposalCode": code, "proposalNumber": number},
                {
                    "title": title,
                    "personId": persons[owner].personId,
                    "state": state,
                    "proposalType": "MX",
                },
            )
            proposals[f"{code}{number}"] = proposal
            for login, role in members.items():
                get_or_add(
                    ProposalHasPerson,
                    f"proposal-member/{code}{number}/{login}",
                    {"proposalId": proposal.proposalId, "personId": persons[login].personId},
                    {"role": role},
                )
            get_or_add(
                LabContact,
                f"lab-contact/{code}{number}",
                {"proposalId": proposal.proposalId, "cardName": f"{owner}-{code}{number}"},
                {
                    "personId": persons[owner].personId,
                    "defaultCourrierCompany": "DHL",
                    "dewarAvgCustomsValue": 1000,
                    "dewarAvgTransportValue": 500,
                },
            )
        sessions = {}
        for name, visit, beamline, day, hours, participants in SESSIONS:
            start = BASE_DAY + dt.timedelta(days=day)
            sessions[f"{name}-{visit}"] = session = get_or_add(
                BLSession,
                f"session/{name}-{visit}",
                {"proposalId": proposals[name].proposalId, "visit_number": visit},
                {
                    "beamLineName": beamline,
                    "startDate": start,
                    "endDate": start + dt.timedelta(hours=hours),
                    "scheduled": True,
                    "nbShifts": hours // 8,
                },
            )
            for login, role in participants.items():
                get_or_add(
                    SessionHasPerson,
                    f"session-member/{name}-{visit}/{login}",
                    {"sessionId": session.sessionId, "personId": persons[login].personId},
                    {"role": role},
                )
        for name, proteins in PROTEINS.items():
            for acronym, full_name, description, mass in proteins:
                get_or_add(
                    Protein,
                    f"protein/{name}/{acronym}",
                    {"proposalId": proposals[name].proposalId, "acronym": acronym},
                    {"name": full_name, "description": description, "molecularMass": mass},
                )
        get_or_add.shipment(demo_shipment(proposals["mx1002"], sessions["mx1002-1"]))
        get_or_add.created += seed_data_collections(db, sessions)
        get_or_add.created += seed_workflows(db)
    if get_or_add.created:
        return f"demo data seeded ({get_or_add.created} rows added)"
    return "demo data already present (nothing added)"
