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


@pytest.fixture
def shipped(factory):
    """30 of everything of samples and shipping, in proposal mx1."""
    proposal = factory.proposal(proposalCode="mx", proposalNumber="1")
    shipment = factory.shipment_in_proposal(proposal, samples=30)
    for _ in range(29):
        factory.dewar(shippingId=factory.shipment(proposalId=proposal.proposalId).shippingId)
        factory.container(dewarId=shipment["dewar"].dewarId)
        factory.diffraction_plan(presetForProposalId=proposal.proposalId)
        factory.protein(proposalId=proposal.proposalId)
    for _ in range(30):
        group = factory.sample_group(proposalId=proposal.proposalId)
        for order, sample in enumerate(shipment["samples"][:3], start=1):
            factory.sample_group_member(group, sample, order)
        registered = factory.registered_dewar(proposalId=proposal.proposalId)
        factory.share_registered_dewar(registered, proposal)
    return shipment


@pytest.mark.parametrize(
    "path",
    [
        "/proteins",
        "/crystals",
        "/samples",
        "/sample-groups",
        "/diffraction-plans",
        "/shipments",
        "/dewars",
        "/containers",
        "/dewar-registry",
        "/shipments/{shipment}/history",
        "/dewars/{dewar}/history",
    ],
)
def test_samples_and_shipping_lists_do_not_grow_with_page_size(client, core_db, shipped, path):
    url = CORE + path.format(
        shipment=shipped["shipment"].shippingId, dewar=shipped["dewar"].dewarId
    )
    counts = {}
    for limit in (2, 25):
        with count_queries(core_db.engine) as counter:
            response = client.get(f"{url}?limit={limit}")
        assert response.status_code == 200
        assert len(response.json["results"]) == min(limit, response.json["total"])
        counts[limit] = counter.count
    assert counts[2] == counts[25], counts
    assert counts[25] <= 4, counts


def test_nested_shipment_read_has_a_fixed_number_of_queries(client, core_db, factory):
    proposal = factory.proposal()
    small = factory.shipment_in_proposal(proposal, samples=1)["shipment"]
    large = factory.shipment_in_proposal(proposal, samples=16)
    for _ in range(3):
        container = factory.container(dewarId=large["dewar"].dewarId)
        for position in range(1, 6):
            factory.sample(containerId=container.containerId, location=str(position))
    counts = []
    for shipment in (small, large["shipment"]):
        with count_queries(core_db.engine) as counter:
            response = client.get(f"{CORE}/shipments/{shipment.uuid}")
        assert response.status_code == 200
        counts.append(counter.count)
    samples = [s for c in response.json["dewars"][0]["containers"] for s in c["samples"]]
    assert len(samples) == 31
    # the shipment with its sessions; its dewars with containers, samples, crystals,
    # proteins and plans joined
    assert counts == [2, 2], counts


@pytest.fixture
def collected(factory):
    """30 groups of one sweep each, every sweep processed twice, in session mx1-1."""
    proposal = factory.proposal(proposalCode="mx", proposalNumber="1")
    session = factory.session(proposalId=proposal.proposalId, visit_number=1)
    for _ in range(30):
        group = factory.data_collection_group(session)
        sweep = factory.data_collection(group)
        factory.processing_run(sweep, "xia2")
        factory.processing_run(sweep, "autoPROC")
    return session


@pytest.mark.parametrize(
    "path", ["/data-collection-groups", "/data-collections", "/sessions/mx1-1/data-collections"]
)
def test_data_collection_lists_do_not_grow_with_page_size(client, core_db, collected, path):
    counts = {}
    for limit in (2, 25):
        with count_queries(core_db.engine) as counter:
            response = client.get(f"{CORE}{path}?limit={limit}")
        assert response.status_code == 200
        assert len(response.json["results"]) == limit
        counts[limit] = counter.count
    assert counts[2] == counts[25] <= 5, counts


@pytest.mark.parametrize(
    "path",
    [
        "/samples?expand=crystal.protein,diffractionPlan",
        "/shipments?expand=dewars.containers.samples.crystal.protein,"
        "dewars.containers.samples.diffractionPlan,sessions",
        "/sample-groups?expand=crystal.protein,diffractionPlan",
        "/containers?expand=samples.crystal.protein,samples.diffractionPlan",
    ],
)
def test_expanded_lists_do_not_grow_with_page_size(client, core_db, shipped, path):
    counts = {}
    for limit in (2, 25):
        with count_queries(core_db.engine) as counter:
            response = client.get(f"{CORE}{path}&limit={limit}")
        assert response.status_code == 200, response.json
        assert len(response.json["results"]) == min(limit, response.json["total"])
        counts[limit] = counter.count
    assert counts[2] == counts[25], counts
    # shipments: the page, their dewars with containers, samples, crystals, proteins and
    # plans joined, their sessions
    assert counts[25] <= 4, counts


def test_shipments_with_contents_are_one_request_in_three_statements(client, core_db, factory):
    proposal = factory.proposal()
    for samples in (1, 16, 3):
        factory.shipment_in_proposal(proposal, samples=samples)
    with count_queries(core_db.engine) as counter:
        response = client.get(
            f"{CORE}/shipments?proposalId={proposal.proposalId}"
            "&expand=dewars.containers.samples.crystal.protein,sessions"
        )
    assert response.status_code == 200
    rows = response.json["results"]
    samples = [len(c["samples"]) for row in rows for d in row["dewars"] for c in d["containers"]]
    assert sorted(samples) == [1, 3, 16]
    assert counter.count == 3, counter.count


@pytest.fixture
def collected_with_samples(factory):
    proposal = factory.proposal(proposalCode="mx", proposalNumber="1")
    session = factory.session(proposalId=proposal.proposalId, visit_number=1)
    samples = factory.shipment_in_proposal(proposal, samples=30)["samples"]
    for sample in samples:
        group = factory.data_collection_group(session, blSampleId=sample.blSampleId)
        factory.data_collection(group)
    return session


def test_expanded_data_collections_do_not_grow_with_page_size(
    client, core_db, collected_with_samples
):
    counts = {}
    for limit in (2, 25):
        with count_queries(core_db.engine) as counter:
            response = client.get(
                f"{CORE}/data-collections?expand=dataCollectionGroup,blSample&limit={limit}"
            )
        assert response.status_code == 200
        rows = response.json["results"]
        assert len(rows) == limit
        assert all(row["blSample"]["name"] == row["sampleName"] for row in rows)
        assert all(row["proteinAcronym"] for row in rows)
        counts[limit] = counter.count
    assert counts[2] == counts[25] <= 5, counts
