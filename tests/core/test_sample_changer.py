"""The sample-changer view of a session and the container queue: beamline control records
where containers are; users queue their containers' samples; both read back."""

import pytest

from tests.support.checks import assert_refused

CORE = "/ispyb/api/v1/core"


@pytest.fixture
def world(factory):
    proposal = factory.proposal(proposalCode="mx", proposalNumber="1")
    session = factory.session(proposalId=proposal.proposalId, visit_number=1, beamLineName="i03")
    member = factory.person(login="member")
    factory.proposal_member(proposal, member)
    pucks = [factory.shipment_in_proposal(proposal, samples=2) for _ in range(3)]
    foreign = factory.shipment_in_proposal(factory.proposal(), samples=1)
    return {"session": session, "pucks": pucks, "foreign": foreign, "member": member}


@pytest.fixture
def control(core_app, tokens):
    test_client = core_app.test_client()
    test_client.environ_base["HTTP_AUTHORIZATION"] = tokens.machine(
        "mxcube", "core:acquisition:write"
    )["Authorization"]
    return test_client


def _place(caller, positions, ref="mx1-1"):
    body = {"containers": [{"containerId": c, "sampleChangerLocation": p} for c, p in positions]}
    return caller.patch(f"{CORE}/sessions/{ref}/sample-changer", json=body)


def test_beamline_control_places_containers(client, control, core_app, tokens, world):
    first, second, third = (puck["container"].containerId for puck in world["pucks"])
    placed = _place(control, [(first, "2"), (second, "1")])
    assert placed.status_code == 200, placed.json
    view = placed.json
    assert view["visit"] == "mx1-1" and view["beamLineName"] == "i03"
    assert [c["containerId"] for c in view["containers"]] == [second, first]
    assert view["containers"][0]["scLocationUpdated"] is not None
    assert [s["location"] for s in view["containers"][0]["samples"]] == ["1", "2"]
    # A container put where another was displaces it; null takes one out.
    again = _place(control, [(third, "2"), (second, None)])
    assert [c["containerId"] for c in again.json["containers"]] == [third]
    container = client.get(f"{CORE}/containers/{first}").json
    assert container["sampleChangerLocation"] is None
    moved = client.get(f"{CORE}/containers/{third}").json
    assert moved["beamlineLocation"] == "i03" and moved["sessionId"] == world["session"].sessionId

    member = core_app.test_client()
    seen = member.get(f"{CORE}/sessions/mx1-1/sample-changer", headers=tokens.user("member"))
    assert seen.status_code == 200 and seen.json == again.json
    hidden = member.get(f"{CORE}/sessions/mx1-1/sample-changer", headers=tokens.user("outsider"))
    assert hidden.status_code == 404


def test_placing_bad_containers_changes_nothing(client, control, world):
    first, second, _ = (puck["container"].containerId for puck in world["pucks"])
    foreign = world["foreign"]["container"].containerId
    for positions, field in (
        ([(first, "1"), (foreign, "2")], "containers[1].containerId"),
        ([(first, "1"), (987654, "2")], "containers[1].containerId"),
        ([(first, "1"), (second, "1")], "containers[1].sampleChangerLocation"),
        ([(first, "x" * 21)], "containers"),
    ):
        assert_refused(_place(control, positions), 422, "VALIDATION_ERROR", field)
    assert client.get(f"{CORE}/sessions/mx1-1/sample-changer").json["containers"] == []
    assert _place(control, [(first, "1")], ref="mx1-9").status_code == 404


def test_only_writers_of_the_beamline_place_containers(client, core_app, tokens, world):
    first = world["pucks"][0]["container"].containerId
    caller = core_app.test_client()
    for headers in (
        tokens.machine("pipeline", "core:read"),
        tokens.user("member"),
        tokens.user("grace", "staff", beamlines=["i04"]),
    ):
        body = {"containers": [{"containerId": first, "sampleChangerLocation": "1"}]}
        response = caller.patch(f"{CORE}/sessions/mx1-1/sample-changer", json=body, headers=headers)
        assert response.status_code == 403, response.json
    assert client.get(f"{CORE}/sessions/mx1-1/sample-changer").json["containers"] == []


def test_a_member_queues_a_container_and_control_records_progress(
    client, control, core_app, factory, tokens, world
):
    puck = world["pucks"][0]
    plan = factory.diffraction_plan()
    member = core_app.test_client()
    member.environ_base["HTTP_AUTHORIZATION"] = tokens.user("member")["Authorization"]
    queued = member.post(
        f"{CORE}/container-queues",
        json={
            "containerId": puck["container"].containerId,
            "samples": [
                {"blSampleId": s.blSampleId, "dataCollectionPlanId": plan.diffractionPlanId}
                for s in puck["samples"]
            ],
        },
    )
    assert queued.status_code == 201, queued.json
    queue = queued.json
    assert queue["personId"] == world["member"].personId
    assert queue["completedTimeStamp"] is None and queue["createdTimeStamp"] is not None
    assert [s["blSampleId"] for s in queue["samples"]] == [s.blSampleId for s in puck["samples"]]
    twice = member.post(
        f"{CORE}/container-queues", json={"containerId": puck["container"].containerId}
    )
    assert_refused(twice, 409, "CONFLICT", "containerId")

    reader = core_app.test_client()
    pipeline = tokens.machine("mxcube-reader", "core:read", "core:acquisition:write")
    item = queue["samples"][0]
    progress = reader.patch(
        f"{CORE}/container-queue-samples/{item['uuid']}",
        json={"status": "skipped", "startTime": "2026-03-01T10:00:00"},
        headers=pipeline,
    )
    assert progress.status_code == 200, progress.json
    assert progress.json["status"] == "skipped"
    done = reader.patch(
        f"{CORE}/container-queues/{queue['uuid']}",
        json={"completedTimeStamp": "2026-03-01T11:00:00"},
        headers=pipeline,
    )
    assert done.status_code == 200 and done.json["samples"][0]["status"] == "skipped"
    listed = client.get(f"{CORE}/container-queues?containerId={puck['container'].containerId}")
    assert [q["uuid"] for q in listed.json["results"]] == [queue["uuid"]]
    assert member.get(f"{CORE}/container-queues").json["total"] == 1
    outsider = reader.get(f"{CORE}/container-queues", headers=tokens.user("outsider"))
    assert outsider.json["total"] == 0
    assert (
        reader.get(
            f"{CORE}/container-queue-samples/{item['uuid']}", headers=tokens.user("outsider")
        ).status_code
        == 404
    )


def test_bad_queues_are_refused(client, core_app, tokens, world):
    member = core_app.test_client()
    member.environ_base["HTTP_AUTHORIZATION"] = tokens.user("member")["Authorization"]
    puck, other = world["pucks"][0], world["pucks"][1]
    foreign = world["foreign"]["container"].containerId
    for body, field in (
        ({}, "containerId"),
        ({"containerId": foreign}, "containerId"),
        (
            {
                "containerId": puck["container"].containerId,
                "samples": [{"blSampleId": other["samples"][0].blSampleId}],
            },
            "samples[0].blSampleId",
        ),
        ({"containerId": puck["container"].containerId, "samples": [{}]}, "samples"),
    ):
        response = member.post(f"{CORE}/container-queues", json=body)
        assert_refused(response, 422, "VALIDATION_ERROR", field)
    no_scope = member.post(
        f"{CORE}/container-queues",
        json={"containerId": puck["container"].containerId},
        headers=tokens.machine("pipeline", "core:read"),
    )
    assert no_scope.status_code == 403
    assert client.get(f"{CORE}/container-queues").json["total"] == 0
