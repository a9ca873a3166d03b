"""What core sends its database per request: a list is at most 2 round trips, an item 1.

On MariaDB the commands are counted at the protocol level (tests/support/round_trips.py):
a read sends no ping, no START TRANSACTION, no COMMIT and no ROLLBACK, only its
statements; a write is one transaction (START TRANSACTION ... COMMIT). On SQLite the
same limits hold for the SQL statements.
"""

import pytest

from tests.support.round_trips import sent_to

CORE = "/ispyb/api/v1/core"

LISTS = [
    "/proposals",
    "/sessions",
    "/persons",
    "/laboratories",
    "/lab-contacts",
    "/proteins",
    "/crystals",
    "/samples",
    "/sample-groups",
    "/diffraction-plans",
    "/shipments",
    "/dewars",
    "/containers",
    "/dewar-registry",
    "/data-collection-groups",
    "/data-collections",
    "/data-collections?sessionId={session}",
    "/sessions?proposal=mx1",
    "/proposals/mx1/members",
    "/sessions/mx1-1/members",
    "/shipments/{shipment}/history",
    "/dewars/{dewar}/history",
]
ITEMS = [
    "/proposals/mx1",
    "/sessions/mx1-1",
    "/persons/{person}",
    "/laboratories/{laboratory}",
    "/lab-contacts/{lab_contact}",
    "/proteins/{protein}",
    "/crystals/{crystal}",
    "/samples/{sample}",
    "/sample-groups/{sample_group}",
    "/diffraction-plans/{plan}",
    "/dewars/{dewar}",
    "/containers/{container}",
    "/data-collection-groups/{group}",
    "/data-collections/{collection}",
]


@pytest.fixture
def world(factory):
    proposal = factory.proposal(proposalCode="mx", proposalNumber="1")
    session = factory.session(proposalId=proposal.proposalId, visit_number=1)
    laboratory = factory.laboratory()
    people = [factory.person(laboratoryId=laboratory.laboratoryId) for _ in range(4)]
    for person in people:
        factory.proposal_member(proposal, person)
        factory.session_member(session, person)
    contact = factory.lab_contact(proposalId=proposal.proposalId, personId=people[0].personId)
    shipped = factory.shipment_in_proposal(proposal, samples=4)
    group_of_samples = factory.sample_group(proposalId=proposal.proposalId)
    factory.sample_group_member(group_of_samples, shipped["samples"][0])
    plan = factory.diffraction_plan(presetForProposalId=proposal.proposalId)
    registered = factory.registered_dewar(proposalId=proposal.proposalId)
    factory.share_registered_dewar(registered, proposal)
    collections = []
    for _ in range(4):
        group = factory.data_collection_group(session)
        collections.append(factory.data_collection(group))
    program = factory.processing_run(collections[0], "xia2")
    factory.processing_run(collections[0], "autoPROC")
    return {
        "session": session.sessionId,
        "person": people[0].personId,
        "laboratory": laboratory.laboratoryId,
        "lab_contact": contact.labContactId,
        "protein": shipped["protein"].proteinId,
        "crystal": shipped["samples"][0].crystalId,
        "sample": shipped["samples"][0].blSampleId,
        "sample_group": group_of_samples.blSampleGroupId,
        "plan": plan.diffractionPlanId,
        "shipment": shipped["shipment"].shippingId,
        "dewar": shipped["dewar"].dewarId,
        "container": shipped["container"].containerId,
        "group": collections[0].dataCollectionGroupId,
        "collection": collections[0].dataCollectionId,
        "program": program.autoProcProgramId,
    }


def _get(client, core_db, path):
    with sent_to(core_db) as sent:
        response = client.get(CORE + path)
    assert response.status_code == 200, (path, response.json)
    assert sent.transaction_control() == [], f"{path}:\n{sent!r}"
    return response, sent


@pytest.mark.parametrize("path", LISTS)
def test_a_list_is_at_most_two_round_trips(client, core_db, world, path):
    path = path.format(**world)
    for limit in (1, 25):  # a page that does not end the list, and one that does
        separator = "&" if "?" in path else "?"
        response, sent = _get(client, core_db, f"{path}{separator}limit={limit}")
        # Histories are written by status changes, which the factory makes none of.
        assert response.json["results"] or path.endswith("/history"), path
        assert sent.count <= 2, f"{path} limit={limit}:\n{sent!r}"


@pytest.mark.parametrize("path", ITEMS)
def test_an_item_is_one_round_trip(client, core_db, world, path):
    path = path.format(**world)
    _response, sent = _get(client, core_db, path)
    assert sent.count == 1, f"{path}:\n{sent!r}"


def _composite(client, core_db, path, *, at_most):
    _response, sent = _get(client, core_db, path)
    assert sent.count <= at_most, f"{path}:\n{sent!r}"


@pytest.mark.parametrize(
    ("path", "at_most"),
    [
        # The page with its total, then the best result of its sweeps.
        ("/sessions/mx1-1/data-collections", 2),
        # The sweep, then its runs with everything they produced (one statement).
        ("/data-collections/{collection}/processing", 2),
        ("/data-collections/{collection}/processing?updatedSince=2000-01-01T00:00:00", 2),
        ("/data-collections/{collection}/processing/comparison", 2),
        # The shipment with its sessions, then its dewars with everything in them.
        ("/shipments/{shipment}", 2),
        # The run, if visible, with everything it produced: one statement.
        ("/processing-programs/{program}", 1),
        # The sweep as the caller sees it, then the page of its per-image analysis or
        # files with the total.
        ("/data-collections/{collection}/image-quality", 2),
        ("/data-collections/{collection}/attachments", 2),
    ],
)
def test_composite_reads_have_a_fixed_number_of_round_trips(client, core_db, world, path, at_most):
    _composite(client, core_db, path.format(**world), at_most=at_most)


def test_a_write_is_one_transaction(client, core_db, backend):
    with sent_to(core_db) as sent:
        response = client.post(f"{CORE}/laboratories", json={"name": "Lab", "city": "Grenoble"})
    assert response.status_code == 201, response.json
    kinds = sent.kinds()
    if backend == "mariadb":
        assert kinds[0] == "START" and kinds[-1] == "COMMIT", sent
        assert kinds.count("COMMIT") == 1 and "ROLLBACK" not in kinds, sent
    assert "INSERT" in kinds, sent


def test_a_failed_write_rolls_back_and_leaves_nothing(client, core_db, backend, world):
    with sent_to(core_db) as sent:
        response = client.post(f"{CORE}/laboratories", json={"name": "x" * 500})
    assert response.status_code == 422
    if backend == "mariadb":
        assert "COMMIT" not in sent.kinds()
