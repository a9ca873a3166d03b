"""List endpoints issue a fixed number of SQL queries whatever the page size (no N+1)."""

import pytest

from ispyb_shared.testing import count_queries

CORE = "/ispyb/api/v1/core"


@pytest.fixture
def populated(factory):
    proposal = factory.proposal(proposalCode="mx", proposalNumber="1")
    labs = [factory.laboratory() for _ in range(30)]
    people = [factory.person(laboratoryId=lab.laboratoryId) for lab in labs]
    sessions = [factory.session(proposalId=proposal.proposalId) for _ in range(30)]
    for person in people:
        factory.proposal_member(proposal, person)
        factory.session_member(sessions[0], person)
        factory.lab_contact(proposalId=factory.proposal().proposalId, personId=person.personId)
    return {"proposal": proposal, "session": sessions[0]}


@pytest.mark.parametrize(
    "path",
    [
        "/proposals",
        "/sessions",
        "/persons",
        "/laboratories",
        "/lab-contacts",
        "/proposals/mx1/members",
        "/sessions/mx1-{visit}/members",
    ],
)
def test_list_query_count_does_not_grow_with_page_size(client, core_db, populated, path):
    url = CORE + path.format(visit=populated["session"].visit_number)
    counts = {}
    for limit in (2, 25):
        with count_queries(core_db.engine) as counter:
            response = client.get(f"{url}?limit={limit}")
        assert response.status_code == 200
        assert len(response.json["results"]) == min(limit, response.json["total"])
        counts[limit] = counter.count
    assert counts[2] == counts[25], counts
    assert counts[25] <= 4, counts
