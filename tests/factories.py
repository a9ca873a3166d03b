"""Test data for core, written straight to the database (tests then read it over HTTP)."""

from __future__ import annotations

import datetime as dt
import itertools

from ispyb_core.lab_contacts.models import LabContact
from ispyb_core.laboratories.models import Laboratory
from ispyb_core.persons.models import Person
from ispyb_core.proposals.models import Proposal, ProposalHasPerson
from ispyb_core.sessions.models import BLSession, SessionHasPerson
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
            "endDate": start + dt.timedelta(hours=24),
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
