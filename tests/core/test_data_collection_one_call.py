"""One call per acquisition: POST /data-collections creates the sweep with its group in
one transaction, naming the session by visit, id or UUID and the sample by id, UUID or
name within the proposal; bad input is a 422 naming the field and writes nothing."""

import pytest

from tests.support.checks import assert_refused

CORE = "/ispyb/api/v1/core"
SWEEP = {
    "startTime": "2026-03-01T10:00:00",
    "numberOfImages": 3600,
    "axisStart": 0.0,
    "axisRange": 0.1,
    "exposureTime": 0.01,
    "wavelength": 0.9763,
    "imageDirectory": "/data/i03/mx1-1/",
    "imagePrefix": "lyso",
}


@pytest.fixture
def world(factory):
    proposal = factory.proposal(proposalCode="mx", proposalNumber="1")
    session = factory.session(proposalId=proposal.proposalId, visit_number=1, beamLineName="i03")
    shipped = factory.shipment_in_proposal(proposal, samples=2)
    other_proposal = factory.proposal(proposalCode="mx", proposalNumber="2")
    foreign = factory.shipment_in_proposal(other_proposal, samples=1)["samples"][0]
    return {"session": session, "samples": shipped["samples"], "foreign": foreign}


@pytest.fixture
def control(core_app, tokens):
    """Beamline control: writes acquisitions, reads nothing."""
    test_client = core_app.test_client()
    test_client.environ_base["HTTP_AUTHORIZATION"] = tokens.machine(
        "mxcube", "core:acquisition:write"
    )["Authorization"]
    return test_client


def _nothing_written(client):
    assert client.get(f"{CORE}/data-collection-groups").json["total"] == 0
    assert client.get(f"{CORE}/data-collections").json["total"] == 0


def test_one_call_creates_the_group_and_the_sweep(client, control, world):
    sample = world["samples"][0]
    response = control.post(
        f"{CORE}/data-collections",
        json={
            **SWEEP,
            "session": "mx1-1",
            "sample": sample.name,
            "experimentType": "OSC",
            "dataCollectionGroup": {"comments": "first crystal", "actualContainerSlotInSC": 3},
        },
    )
    assert response.status_code == 201, response.json
    sweep = response.json
    assert sweep["visit"] == "mx1-1"
    assert sweep["blSampleId"] == sample.blSampleId and "BLSAMPLEID" not in sweep
    assert sweep["experimentType"] == "OSC"
    assert "SESSIONID" not in sweep
    group = client.get(f"{CORE}/data-collection-groups/{sweep['dataCollectionGroupUUID']}").json
    assert group["comments"] == "first crystal" and group["actualContainerSlotInSC"] == 3
    assert group["blSampleId"] == sample.blSampleId

    # The next sweep of the experiment goes into the same group.
    second = control.post(
        f"{CORE}/data-collections",
        json={**SWEEP, "dataCollectionGroupId": sweep["dataCollectionGroupId"]},
    )
    assert second.status_code == 201, second.json
    assert second.json["dataCollectionGroupUUID"] == sweep["dataCollectionGroupUUID"]
    assert client.get(f"{CORE}/data-collection-groups").json["total"] == 1


@pytest.mark.parametrize("session_by", ["id", "uuid", "visit"])
@pytest.mark.parametrize("sample_by", ["id", "uuid", "name", None])
def test_session_and_sample_by_any_reference(control, world, session_by, sample_by):
    session, sample = world["session"], world["samples"][1]
    body = {
        **SWEEP,
        "experimentType": "Characterization",
        "session": {"id": session.sessionId, "uuid": session.uuid, "visit": "mx1-1"}[session_by],
    }
    if sample_by is not None:
        body["sample"] = {"id": sample.blSampleId, "uuid": sample.uuid, "name": sample.name}[
            sample_by
        ]
    response = control.post(f"{CORE}/data-collections", json=body)
    assert response.status_code == 201, response.json
    assert response.json["sessionId"] == session.sessionId
    assert response.json["blSampleId"] == (sample.blSampleId if sample_by else None)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"session": "mx1-9"}, "session"),
        ({"session": "mx999-1"}, "session"),
        ({"session": 987654}, "session"),
        ({"session": ""}, "session"),
        ({"session": None, "experimentType": "OSC"}, "session"),
        ({"sample": "no-such-sample"}, "sample"),
        ({"sample": "FOREIGN_ID"}, "sample"),
        ({"sample": "FOREIGN_UUID"}, "sample"),
        ({"experimentType": None}, "experimentType"),
        ({"experimentType": "Knitting"}, "experimentType"),
        ({"wavelength": -1.0}, "wavelength"),
        ({"startTime": "2026-03-01T10:00:00", "endTime": "2026-03-01T09:00:00"}, "endTime"),
        ({"dataCollectionGroup": {"comments": "x" * 1025}}, "dataCollectionGroup"),
        (
            {
                "dataCollectionGroup": {
                    "startTime": "2026-03-01T10:00:00",
                    "endTime": "2026-03-01T09:00:00",
                }
            },
            "dataCollectionGroup.endTime",
        ),
        ({"dataCollectionGroup": {"sessionId": 1}}, "dataCollectionGroup"),
        ({"dataCollectionGroupId": 12345}, "session"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(client, control, world, change, field):
    body = {**SWEEP, "session": "mx1-1", "experimentType": "OSC", **change}
    if body.get("sample") == "FOREIGN_ID":
        body["sample"] = world["foreign"].blSampleId
    if body.get("sample") == "FOREIGN_UUID":
        body["sample"] = world["foreign"].uuid
    body = {key: value for key, value in body.items() if value is not None or key == "session"}
    if body.get("session") is None:
        body.pop("session")
    response = control.post(f"{CORE}/data-collections", json=body)
    assert_refused(response, 422, "VALIDATION_ERROR", field)
    _nothing_written(client)


def test_an_ambiguous_sample_name_is_refused(client, control, factory, world):
    first, second = world["samples"]
    factory_db = factory.database
    with factory_db.sessionmaker() as db, db.begin():
        db.get(type(second), second.blSampleId).name = first.name
    response = control.post(
        f"{CORE}/data-collections",
        json={**SWEEP, "session": "mx1-1", "experimentType": "OSC", "sample": first.name},
    )
    assert_refused(response, 422, "VALIDATION_ERROR", "sample")
    _nothing_written(client)


def test_without_group_or_session(client, control, world):
    response = control.post(f"{CORE}/data-collections", json=SWEEP)
    assert_refused(response, 422, "VALIDATION_ERROR", "session")
    assert "dataCollectionGroupId" in response.json["details"]
    _nothing_written(client)


def test_only_writers_of_the_beamline_create(client, core_app, tokens, world):
    body = {**SWEEP, "session": "mx1-1", "experimentType": "OSC"}
    caller = core_app.test_client()
    reader = tokens.machine("pipeline", "core:read")
    assert caller.post(f"{CORE}/data-collections", json=body, headers=reader).status_code == 403
    other_staff = tokens.user("grace", "staff", beamlines=["i04"])
    refused = caller.post(f"{CORE}/data-collections", json=body, headers=other_staff)
    assert refused.status_code == 403
    _nothing_written(client)
    own_staff = tokens.user("frank", "staff", beamlines=["i03"])
    created = caller.post(f"{CORE}/data-collections", json=body, headers=own_staff)
    assert created.status_code == 201, created.json
