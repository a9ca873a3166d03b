"""One rule for the case of logins, on SQLite and MariaDB alike (docs/authorization.md):
auth puts a login into the token in its stored case, and core matches the token's ``sub``
against ``Person.login`` exactly. MariaDB's default collation ignores case (and accents,
and trailing spaces) where SQLite's does not: without the rule, a token for "ALICE" saw
alice's proposals on MariaDB only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ispyb_core.persons.models import Person
from ispyb_shared.auth import login_matches

CORE = "/ispyb/api/v1/core"


@pytest.fixture
def alice_world(factory):
    alice = factory.person(login="alice")
    proposal = factory.proposal(proposalCode="mx", proposalNumber="77", personId=alice.personId)
    session = factory.session(proposalId=proposal.proposalId, visit_number=1)
    factory.proposal_member(proposal, alice)
    factory.session_member(session, alice)
    return alice


@pytest.mark.parametrize("subject", ["ALICE", "Alice", "alicé", "alice ", " alice"])
def test_a_login_differing_in_case_or_otherwise_sees_nothing(
    core_app, alice_world, tokens, subject
):
    client = core_app.test_client()
    headers = tokens.user(subject)
    assert client.get(f"{CORE}/proposals", headers=headers).json["total"] == 0
    assert client.get(f"{CORE}/sessions", headers=headers).json["total"] == 0
    assert client.get(f"{CORE}/persons", headers=headers).json["total"] == 0
    assert client.get(f"{CORE}/proposals/mx77", headers=headers).status_code == 404


def test_the_exact_login_sees_its_proposals(core_app, alice_world, tokens):
    client = core_app.test_client()
    headers = tokens.user("alice")
    assert [
        p["name"] for p in client.get(f"{CORE}/proposals", headers=headers).json["results"]
    ] == ["mx77"]
    assert client.get(f"{CORE}/sessions", headers=headers).json["total"] == 1
    persons = client.get(f"{CORE}/persons", headers=headers).json["results"]
    assert [p["login"] for p in persons] == ["alice"]


def test_login_matches_compares_exactly_on_this_backend(core_db, factory):
    factory.person(login="Bob")
    factory.person(login="carol")
    with core_db.sessionmaker() as session:

        def found(login: str) -> list[str]:
            statement = select(Person.login).where(login_matches(Person.login, login))
            return session.execute(statement).scalars().all()

        assert found("Bob") == ["Bob"]
        assert found("carol") == ["carol"]
        for near in ("bob", "BOB", "Bob ", "Böb", "CAROL", "carol ", "cärol", "caro"):
            assert found(near) == [], near
