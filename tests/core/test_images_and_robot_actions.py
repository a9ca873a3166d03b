"""Images of a data collection and the sample changer's robot actions: written by beamline
control (or staff of the beamline), read by those who see the session."""

import pytest

from tests.support.checks import assert_refused

CORE = "/ispyb/api/v1/core"


@pytest.fixture
def world(factory):
    proposal = factory.proposal(proposalCode="mx", proposalNumber="1")
    session = factory.session(proposalId=proposal.proposalId, visit_number=1, beamLineName="i03")
    other = factory.session(beamLineName="i04")
    samples = factory.shipment_in_proposal(proposal, samples=2)["samples"]
    collection = factory.data_collection(factory.data_collection_group(session))
    member = factory.person(login="member")
    factory.session_member(session, member)
    return {"session": session, "other": other, "samples": samples, "collection": collection}


@pytest.fixture
def control(core_app, tokens):
    test_client = core_app.test_client()
    test_client.environ_base["HTTP_AUTHORIZATION"] = tokens.machine(
        "mxcube", "core:acquisition:write"
    )["Authorization"]
    return test_client


def test_images_round_trip(client, control, core_app, tokens, world):
    collection = world["collection"]
    made = []
    for number in (1, 2, 3):
        response = control.post(
            f"{CORE}/images",
            json={
                "dataCollectionId": collection.dataCollectionId,
                "imageNumber": number,
                "fileName": f"lyso_1_{number:05d}.cbf",
                "fileLocation": "/data/i03/mx1-1/",
                "measuredIntensity": 1.5e6,
                "synchrotronCurrent": 199.8,
            },
        )
        assert response.status_code == 201, response.json
        made.append(response.json)
    first = made[0]
    assert first["dataCollectionUUID"] == collection.uuid
    assert first["recordTimeStamp"] is not None
    for ref in (first["imageId"], first["uuid"]):
        assert client.get(f"{CORE}/images/{ref}").json["fileName"] == "lyso_1_00001.cbf"
    query = f"dataCollectionId={collection.dataCollectionId}&imageNumber.gte=2&sort=-imageNumber"
    listed = client.get(f"{CORE}/images?{query}").json
    assert [image["imageNumber"] for image in listed["results"]] == [3, 2]
    changed = control.patch(f"{CORE}/images/{first['uuid']}", json={"comments": "ice ring"})
    assert changed.status_code == 403  # beamline control cannot address rows it cannot read
    staff = core_app.test_client()
    staff.environ_base["HTTP_AUTHORIZATION"] = tokens.user("frank", "staff", beamlines=["i03"])[
        "Authorization"
    ]
    changed = staff.patch(f"{CORE}/images/{first['uuid']}", json={"comments": "ice ring"})
    assert changed.status_code == 200 and changed.json["comments"] == "ice ring"
    moved = staff.patch(f"{CORE}/images/{first['uuid']}", json={"dataCollectionId": 999})
    assert_refused(moved, 409, "CONFLICT", "dataCollectionId")

    member = core_app.test_client()
    assert member.get(f"{CORE}/images", headers=tokens.user("member")).json["total"] == 3
    assert member.get(f"{CORE}/images", headers=tokens.user("outsider")).json["total"] == 0
    outsider = member.get(f"{CORE}/images/{first['uuid']}", headers=tokens.user("outsider"))
    assert outsider.status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 422, "dataCollectionId"),
        ({"dataCollectionId": 987654}, 422, "dataCollectionId"),
        ({"dataCollectionId": "COLLECTION", "imageNumber": "one"}, 422, "imageNumber"),
        ({"dataCollectionId": "COLLECTION", "fileName": "x" * 256}, 422, "fileName"),
        ({"dataCollectionId": "COLLECTION", "imageId": 5}, 422, "imageId"),
    ],
)
def test_bad_images_are_refused(client, control, world, body, status, field):
    if body.get("dataCollectionId") == "COLLECTION":
        body = {**body, "dataCollectionId": world["collection"].dataCollectionId}
    assert_refused(control.post(f"{CORE}/images", json=body), status, "VALIDATION_ERROR", field)
    assert client.get(f"{CORE}/images").json["total"] == 0


def test_only_acquisition_writers_record_images(client, core_app, tokens, world):
    body = {"dataCollectionId": world["collection"].dataCollectionId, "imageNumber": 1}
    caller = core_app.test_client()
    for headers in (
        tokens.machine("pipeline", "core:read", "core:processing:write"),
        tokens.user("member"),
        tokens.user("grace", "staff", beamlines=["i04"]),
    ):
        assert caller.post(f"{CORE}/images", json=body, headers=headers).status_code == 403
    assert client.get(f"{CORE}/images").json["total"] == 0


def test_robot_actions_round_trip(client, control, core_app, tokens, world):
    sample = world["samples"][0]
    loaded = control.post(
        f"{CORE}/robot-actions",
        json={
            "session": "mx1-1",
            "sample": sample.name,
            "actionType": "LOAD",
            "startTimestamp": "2026-03-01T10:00:00",
            "containerLocation": 1,
            "dewarLocation": 5,
            "sampleBarcode": "CPS-0001",
        },
    )
    assert loaded.status_code == 201, loaded.json
    action = loaded.json
    assert action["blsessionId"] == world["session"].sessionId
    assert action["blsampleId"] == sample.blSampleId
    assert action["visit"] == "mx1-1" and action["endTimestamp"] is None
    by_id = control.post(
        f"{CORE}/robot-actions",
        json={"blsessionId": world["session"].sessionId, "actionType": "WASH"},
    )
    assert by_id.status_code == 201, by_id.json
    assert by_id.json["startTimestamp"] is not None  # now, by the database

    staff = core_app.test_client()
    staff.environ_base["HTTP_AUTHORIZATION"] = tokens.user("frank", "staff", beamlines=["i03"])[
        "Authorization"
    ]
    ended = staff.patch(
        f"{CORE}/robot-actions/{action['uuid']}",
        json={"endTimestamp": "2026-03-01T10:00:40", "status": "SUCCESS"},
    )
    assert ended.status_code == 200, ended.json
    # The start stays what it was (ISPyB's column moves to now on any update otherwise).
    assert ended.json["startTimestamp"] == "2026-03-01T10:00:00"
    assert ended.json["status"] == "SUCCESS"
    too_early = staff.patch(
        f"{CORE}/robot-actions/{action['uuid']}", json={"endTimestamp": "2026-03-01T09:00:00"}
    )
    assert_refused(too_early, 422, "VALIDATION_ERROR", "endTimestamp")
    foreign = staff.patch(
        f"{CORE}/robot-actions/{action['uuid']}", json={"blsessionId": world["other"].sessionId}
    )
    assert_refused(foreign, 409, "CONFLICT", "blsessionId")

    listed = client.get(f"{CORE}/robot-actions?actionType=LOAD&status=SUCCESS").json
    assert [row["uuid"] for row in listed["results"]] == [action["uuid"]]
    member = core_app.test_client()
    assert member.get(f"{CORE}/robot-actions", headers=tokens.user("member")).json["total"] == 2
    assert member.get(f"{CORE}/robot-actions", headers=tokens.user("outsider")).json["total"] == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"session": "mx1-9"}, "session"),
        ({"session": None}, "blsessionId"),
        ({"session": "mx1-1", "blsessionId": 1}, "session"),
        ({"sample": "no-such-sample"}, "sample"),
        ({"sample": "FOREIGN"}, "blsampleId"),
        ({"actionType": "JUGGLE"}, "actionType"),
        ({"containerLocation": 70000}, "containerLocation"),
        (
            {"startTimestamp": "2026-03-01T10:00:00", "endTimestamp": "2026-03-01T09:00:00"},
            "endTimestamp",
        ),
    ],
)
def test_bad_robot_actions_are_refused(client, control, factory, world, change, field):
    body = {"session": "mx1-1", "actionType": "LOAD", **change}
    if body.get("sample") == "FOREIGN":
        del body["sample"]
        body["blsampleId"] = factory.sample().blSampleId
    body = {key: value for key, value in body.items() if value is not None}
    response = control.post(f"{CORE}/robot-actions", json=body)
    assert_refused(response, 422, "VALIDATION_ERROR", field)
    assert client.get(f"{CORE}/robot-actions").json["total"] == 0


def test_staff_of_another_beamline_cannot_record_robot_actions(client, core_app, tokens, world):
    caller = core_app.test_client()
    body = {"session": "mx1-1", "actionType": "LOAD"}
    staff = tokens.user("grace", "staff", beamlines=["i04"])
    assert caller.post(f"{CORE}/robot-actions", json=body, headers=staff).status_code == 403
    assert client.get(f"{CORE}/robot-actions").json["total"] == 0
