"""Grids of grid scans: written by beamline control on a data collection or its group,
read by those who see the session."""

import pytest

from tests.support.checks import assert_refused

CORE = "/ispyb/api/v1/core"
GRID = {
    "xOffset": 0.012,
    "yOffset": -0.004,
    "dx_mm": 0.02,
    "dy_mm": 0.02,
    "steps_x": 30.0,
    "steps_y": 12.0,
    "orientation": "vertical",
    "snaked": True,
    "micronsPerPixelX": 0.43,
    "micronsPerPixelY": 0.43,
    "snapshot_offsetXPixel": 512.0,
    "snapshot_offsetYPixel": 384.0,
}


@pytest.fixture
def world(factory):
    proposal = factory.proposal(proposalCode="mx", proposalNumber="1")
    session = factory.session(proposalId=proposal.proposalId, visit_number=1, beamLineName="i03")
    factory.session_member(session, factory.person(login="member"))
    group = factory.data_collection_group(session, experimentType="Mesh")
    return {"session": session, "group": group, "collection": factory.data_collection(group)}


@pytest.fixture
def control(core_app, tokens):
    test_client = core_app.test_client()
    test_client.environ_base["HTTP_AUTHORIZATION"] = tokens.machine(
        "mxcube", "core:acquisition:write"
    )["Authorization"]
    return test_client


def test_grid_round_trip(client, control, core_app, tokens, world):
    collection = world["collection"]
    made = control.post(
        f"{CORE}/grid-info", json={**GRID, "dataCollectionId": collection.dataCollectionId}
    )
    assert made.status_code == 201, made.json
    grid = made.json
    assert grid["dataCollectionGroupId"] == collection.dataCollectionGroupId
    for name, value in GRID.items():
        assert grid[name] == value, name
    assert grid["patchesX"] == 1 and grid["recordTimeStamp"] is not None  # the defaults
    on_group = control.post(
        f"{CORE}/grid-info", json={"dataCollectionGroupId": world["group"].dataCollectionGroupId}
    )
    assert on_group.status_code == 201, on_group.json
    assert on_group.json["orientation"] == "horizontal"
    for ref in (grid["gridInfoId"], grid["uuid"]):
        assert client.get(f"{CORE}/grid-info/{ref}").json == grid
    listed = client.get(f"{CORE}/grid-info?dataCollectionId={collection.dataCollectionId}").json
    assert [row["uuid"] for row in listed["results"]] == [grid["uuid"]]
    by_session = client.get(f"{CORE}/grid-info?sessionId={world['session'].sessionId}").json
    assert by_session["total"] == 2
    staff = tokens.user("frank", "staff", beamlines=["i03"])
    changed = client.patch(
        f"{CORE}/grid-info/{grid['uuid']}", json={"meshAngle": 5.0}, headers=staff
    )
    assert changed.status_code == 200 and changed.json["meshAngle"] == 5.0
    moved = client.patch(
        f"{CORE}/grid-info/{grid['uuid']}", json={"dataCollectionGroupId": 77}, headers=staff
    )
    assert_refused(moved, 409, "CONFLICT", "dataCollectionGroupId")
    other_staff = tokens.user("grace", "staff", beamlines=["i04"])
    refused = client.patch(
        f"{CORE}/grid-info/{grid['uuid']}", json={"meshAngle": 1.0}, headers=other_staff
    )
    assert refused.status_code == 404
    reader = core_app.test_client()
    assert reader.get(f"{CORE}/grid-info", headers=tokens.user("member")).json["total"] == 2
    assert reader.get(f"{CORE}/grid-info", headers=tokens.user("outsider")).json["total"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "dataCollectionId"),
        ({"dataCollectionId": 987654}, "dataCollectionId"),
        ({"dataCollectionGroupId": 987654}, "dataCollectionGroupId"),
        ({"dataCollectionId": "SWEEP", "dataCollectionGroupId": 987654}, "dataCollectionGroupId"),
        ({"dataCollectionId": "SWEEP", "orientation": "diagonal"}, "orientation"),
        ({"dataCollectionId": "SWEEP", "steps_x": "thirty"}, "steps_x"),
        ({"dataCollectionId": "SWEEP", "gridInfoId": 3}, "gridInfoId"),
    ],
)
def test_bad_grids_are_refused(client, control, world, body, field):
    if body.get("dataCollectionId") == "SWEEP":
        body = {**body, "dataCollectionId": world["collection"].dataCollectionId}
    assert_refused(control.post(f"{CORE}/grid-info", json=body), 422, "VALIDATION_ERROR", field)
    assert client.get(f"{CORE}/grid-info").json["total"] == 0


def test_only_acquisition_writers_record_grids(client, core_app, tokens, world):
    caller = core_app.test_client()
    body = {**GRID, "dataCollectionId": world["collection"].dataCollectionId}
    for headers in (
        tokens.machine("pipeline", "core:read"),
        tokens.user("member"),
        tokens.user("grace", "staff", beamlines=["i04"]),
    ):
        assert caller.post(f"{CORE}/grid-info", json=body, headers=headers).status_code == 403
    assert client.get(f"{CORE}/grid-info").json["total"] == 0
