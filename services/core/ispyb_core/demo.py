"""A small demo facility, so a new user sees data at once.

Seeded by ``make run`` (``ispyb-core seed-demo``). Every row is looked up by its natural
key first (laboratory name, login, proposal code+number, visit), so re-running adds
nothing; rows a user added or changed are left alone.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ispyb_shared.db import Database

from .lab_contacts.models import LabContact
from .laboratories.models import Laboratory
from .persons.models import Person
from .proposals.models import Proposal, ProposalHasPerson
from .sessions.models import BLSession, SessionHasPerson

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


class _Seeder:
    """Adds rows that are not there yet, found by their natural key, and counts them."""

    def __init__(self, db: Session):
        self.db = db
        self.created = 0

    def __call__(self, model, lookup: dict, values: dict):
        row = self.db.execute(select(model).filter_by(**lookup)).scalar_one_or_none()
        if row is None:
            row = model(**lookup, **values)
            self.db.add(row)
            self.db.flush()
            self.created += 1
        return row


def seed_demo(database: Database) -> str:
    with database.sessionmaker() as db, db.begin():
        get_or_add = _Seeder(db)
        labs = {
            lab["name"]: get_or_add(
                Laboratory, {"name": lab["name"]}, {k: v for k, v in lab.items() if k != "name"}
            )
            for lab in LABORATORIES
        }
        persons = {
            login: get_or_add(
                Person,
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
                    {"proposalId": proposal.proposalId, "personId": persons[login].personId},
                    {"role": role},
                )
            get_or_add(
                LabContact,
                {"proposalId": proposal.proposalId, "cardName": f"{owner}-{code}{number}"},
                {
                    "personId": persons[owner].personId,
                    "defaultCourrierCompany": "DHL",
                    "dewarAvgCustomsValue": 1000,
                    "dewarAvgTransportValue": 500,
                },
            )
        for name, visit, beamline, day, hours, participants in SESSIONS:
            start = BASE_DAY + dt.timedelta(days=day)
            session = get_or_add(
                BLSession,
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
                    {"sessionId": session.sessionId, "personId": persons[login].personId},
                    {"role": role},
                )
    if get_or_add.created:
        return f"demo data seeded ({get_or_add.created} rows added)"
    return "demo data already present (nothing added)"
