"""What a beamline writes, read back in a fixed number of round trips (a list at most 2,
an item 1, whatever the page size); the one-call data collection is one transaction."""

import pytest

from tests.support.round_trips import sent_to

CORE = "/ispyb/api/v1/core"
CONTROL = ("core:acquisition:write",)

LISTS = [
    "/images",
    "/images?dataCollectionId={collection}",
    "/robot-actions",
    "/robot-actions?blsessionId={session}",
    "/energy-scans",
    "/energy-scans?sessionId={session}",
    "/xrf-spectra",
    "/xrf-spectra?sessionId={session}",
    "/grid-info",
    "/grid-info?sessionId={session}",
]
# A page of queues, then their samples; the sample changer: the session, then its
# containers, then their samples.
COMPOSITES = [("/container-queues", 3), ("/sessions/mx1-1/sample-changer", 3)]
# A screening is read with everything it found: the page, then one statement per table of
# its outputs, lattices, strategies, wedges and sub-wedges, whatever the page size.
SCREENING_LISTS = ["/screenings", "/screenings?sessionId={session}"]
ITEMS = [
    "/images/{image}",
    "/robot-actions/{robot_action}",
    "/energy-scans/{energy_scan}",
    "/xrf-spectra/{xrf_spectrum}",
    "/grid-info/{grid}",
    "/container-queue-samples/{queue_sample}",
]


@pytest.fixture
def world(client, factory):
    proposal = factory.proposal(proposalCode="mx", proposalNumber="1")
    session = factory.session(proposalId=proposal.proposalId, visit_number=1)
    # One sample per container, so that each is queued and placed in the sample changer.
    samples = [factory.shipment_in_proposal(proposal, samples=1)["samples"][0] for _ in range(3)]
    found = {"session": session.sessionId}
    containers = []
    for sample in samples:
        group = factory.data_collection_group(session, blSampleId=sample.blSampleId)
        collection = factory.data_collection(group)
        found["collection"] = collection.dataCollectionId
        for number in (1, 2, 3):
            found["image"] = _post(
                client,
                "/images",
                {"dataCollectionId": collection.dataCollectionId, "imageNumber": number},
            )["imageId"]
        found["robot_action"] = _post(
            client,
            "/robot-actions",
            {
                "blsessionId": session.sessionId,
                "blsampleId": sample.blSampleId,
                "actionType": "LOAD",
            },
        )["robotActionId"]
        found["grid"] = _post(
            client, "/grid-info", {"dataCollectionId": collection.dataCollectionId, "dx_mm": 0.02}
        )["gridInfoId"]
        found["screening"] = _post(
            client,
            "/screenings",
            {
                "dataCollectionId": collection.dataCollectionId,
                "outputs": [
                    {
                        "lattices": [{"spaceGroup": "P 1"}, {"spaceGroup": "C 2"}],
                        "strategies": [
                            {"wedges": [{"subWedges": [{}, {}]}, {"subWedges": [{}]}]},
                            {"wedges": [{"subWedges": [{}]}]},
                        ],
                    },
                    {"lattices": [{"spaceGroup": "P 1"}]},
                ],
            },
        )["screeningId"]
        containers.append(sample.containerId)
        queue = _post(
            client,
            "/container-queues",
            {"containerId": sample.containerId, "samples": [{"blSampleId": sample.blSampleId}]},
        )
        found["queue"] = queue["containerQueueId"]
        found["queue_sample"] = queue["samples"][0]["containerQueueSampleId"]
        of_sample = {"sessionId": session.sessionId, "blSampleId": sample.blSampleId}
        found["energy_scan"] = _post(client, "/energy-scans", {**of_sample, "element": "Se"})[
            "energyScanId"
        ]
        found["xrf_spectrum"] = _post(client, "/xrf-spectra", {**of_sample, "energy": 13.5})[
            "xfeFluorescenceSpectrumId"
        ]
    placed = client.patch(
        f"{CORE}/sessions/mx1-1/sample-changer",
        json={
            "containers": [
                {"containerId": container, "sampleChangerLocation": str(position)}
                for position, container in enumerate(containers, 1)
            ]
        },
    )
    assert placed.status_code == 200, placed.json
    return found


def _post(client, path, body):
    response = client.post(CORE + path, json=body)
    assert response.status_code == 201, (path, response.json)
    return response.json


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
        assert response.json["results"], path
        assert sent.count <= 2, f"{path} limit={limit}:\n{sent!r}"


@pytest.mark.parametrize("path", SCREENING_LISTS)
def test_a_screening_list_is_a_fixed_number_of_round_trips(client, core_db, world, path):
    path = path.format(**world)
    counts = set()
    for limit in (1, 25):
        separator = "&" if "?" in path else "?"
        response, sent = _get(client, core_db, f"{path}{separator}limit={limit}")
        assert response.json["results"][0]["outputs"][0]["strategies"][0]["wedges"], path
        counts.add(sent.count)
    assert len(counts) == 1 and counts.pop() <= 7, path


@pytest.mark.parametrize(("path", "at_most"), COMPOSITES)
def test_composite_reads_are_a_fixed_number_of_round_trips(client, core_db, world, path, at_most):
    counts = set()
    for limit in (1, 25):
        separator = "&" if "?" in path else "?"
        _response, sent = _get(client, core_db, f"{path}{separator}limit={limit}")
        counts.add(sent.count)
    assert len(counts) == 1 and counts.pop() <= at_most, path


def test_a_queue_is_read_with_its_samples_in_two_statements(client, core_db, world):
    _response, sent = _get(client, core_db, f"/container-queues/{world['queue']}")
    assert sent.count == 2, sent


def test_a_screening_is_one_statement_per_table(client, core_db, world):
    _response, sent = _get(client, core_db, f"/screenings/{world['screening']}")
    assert sent.count == 6, sent


@pytest.mark.parametrize("path", ITEMS)
def test_an_item_is_one_round_trip(client, core_db, world, path):
    _response, sent = _get(client, core_db, path.format(**world))
    assert sent.count == 1, f"{path}:\n{sent!r}"


def test_one_call_data_collection_is_one_transaction(core_app, core_db, tokens, world, backend):
    control = core_app.test_client()
    control.environ_base["HTTP_AUTHORIZATION"] = tokens.machine("mxcube", *CONTROL)["Authorization"]
    with sent_to(core_db) as sent:
        response = control.post(
            f"{CORE}/data-collections",
            json={"session": "mx1-1", "experimentType": "OSC", "numberOfImages": 10},
        )
    assert response.status_code == 201, response.json
    kinds = sent.kinds()
    assert kinds.count("INSERT") == 2, sent
    if backend == "mariadb":
        assert kinds[0] == "START" and kinds[-1] == "COMMIT", sent
        assert kinds.count("COMMIT") == 1 and "ROLLBACK" not in kinds, sent
