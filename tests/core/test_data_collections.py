"""Data collection groups and data collections: writes by beamline control, reads by
members, filters, multi-sweep groups, compensation deletes, bad input."""

import pytest

CORE = "/ispyb/api/v1/core"
BEAMLINE_CONTROL = ("core:acquisition:write", "core:read")


@pytest.fixture
def session(factory):
    proposal = factory.proposal(proposalCode="mx", proposalNumber="1")
    return factory.session(proposalId=proposal.proposalId, visit_number=1, beamLineName="i03")


def make_group(client, session, **values):
    body = {"sessionId": session.sessionId, "experimentType": "OSC", **values}
    response = client.post(f"{CORE}/data-collection-groups", json=body)
    assert response.status_code == 201, response.json
    return response.json


def make_sweep(client, group, **values):
    body = {
        "dataCollectionGroupId": group["dataCollectionGroupId"],
        "startTime": "2026-03-01T10:00:00",
        "numberOfImages": 3600,
        "axisStart": 0.0,
        "axisRange": 0.1,
        "exposureTime": 0.01,
        "wavelength": 0.9763,
        "detectorDistance": 250.0,
        "imageDirectory": "/dls/i03/data/2026/mx1-1/",
        "imagePrefix": "lyso",
        "fileTemplate": "lyso_1_master.h5",
        "runStatus": "DataCollection Successful",
        **values,
    }
    response = client.post(f"{CORE}/data-collections", json=body)
    assert response.status_code == 201, response.json
    return response.json


def test_group_and_sweeps_round_trip(client, session):
    group = make_group(client, session, experimentType="Helical", comments="three sweeps")
    assert group["visit"] == "mx1-1" and group["sessionUUID"] == session.uuid
    sweeps = [make_sweep(client, group, dataCollectionNumber=n) for n in (1, 2, 3)]
    first = sweeps[0]
    assert first["visit"] == "mx1-1"
    assert first["dataCollectionGroupUUID"] == group["uuid"]
    assert first["sessionUUID"] == session.uuid
    assert first["experimentType"] == "Helical"
    assert "SESSIONID" not in first and "BLSAMPLEID" not in first  # legacy copies hidden
    for ref in (first["dataCollectionId"], first["uuid"]):
        assert client.get(f"{CORE}/data-collections/{ref}").json["uuid"] == first["uuid"]
    listed = client.get(
        f"{CORE}/data-collections?dataCollectionGroupId={group['dataCollectionGroupId']}"
    ).json
    assert listed["total"] == 3
    ended = client.patch(
        f"{CORE}/data-collections/{first['uuid']}",
        json={"endTime": "2026-03-01T10:06:00", "runStatus": "DataCollection Stopped"},
    )
    assert ended.status_code == 200 and ended.json["runStatus"] == "DataCollection Stopped"


def test_filters(client, factory, session):
    other = factory.session(beamLineName="i04")
    osc = make_group(client, session, experimentType="OSC")
    ssx = make_group(client, other, experimentType="SSX-Chip")
    early = make_sweep(client, osc, startTime="2026-01-01T08:00:00")
    late = make_sweep(
        client, osc, startTime="2026-02-01T08:00:00", runStatus="DataCollection Failed"
    )
    chip = make_sweep(client, ssx, startTime="2026-02-02T08:00:00")

    def uuids(query):
        response = client.get(f"{CORE}/data-collections?{query}")
        assert response.status_code == 200, response.json
        return {dc["uuid"] for dc in response.json["results"]}

    assert uuids(f"sessionId={session.sessionId}") == {early["uuid"], late["uuid"]}
    assert uuids(f"proposalId={session.proposalId}") == {early["uuid"], late["uuid"]}
    assert uuids("experimentType=SSX-Chip") == {chip["uuid"]}
    assert uuids("startTime.gte=2026-02-01") == {late["uuid"], chip["uuid"]}
    assert uuids("runStatus.contains=Failed") == {late["uuid"]}
    assert uuids(f"uuid.in={early['uuid']},{chip['uuid']}") == {early["uuid"], chip["uuid"]}
    groups = client.get(f"{CORE}/data-collection-groups?experimentType=OSC").json
    assert [g["uuid"] for g in groups["results"]] == [osc["uuid"]]


def test_beamline_control_writes_members_read(core_app, factory, tokens, session):
    member = factory.person(login="member")
    factory.session_member(session, member)
    control = core_app.test_client()
    control.environ_base["HTTP_AUTHORIZATION"] = tokens.machine("mxcube", *BEAMLINE_CONTROL)[
        "Authorization"
    ]
    group = make_group(control, session)
    sweep = make_sweep(control, group)

    reader = core_app.test_client()
    as_member = tokens.user("member")
    assert (
        reader.get(f"{CORE}/data-collections/{sweep['uuid']}", headers=as_member).status_code == 200
    )
    refused = reader.post(
        f"{CORE}/data-collections",
        json={"dataCollectionGroupId": group["dataCollectionGroupId"]},
        headers=as_member,
    )
    assert refused.status_code == 403
    no_scope = reader.post(
        f"{CORE}/data-collection-groups",
        json={"sessionId": session.sessionId, "experimentType": "OSC"},
        headers=tokens.machine("pipeline", "core:read"),
    )
    assert no_scope.status_code == 403
    outsider = reader.get(
        f"{CORE}/data-collections/{sweep['uuid']}", headers=tokens.user("outsider")
    )
    assert outsider.status_code == 404


def test_compensating_deletes(client, session):
    group = make_group(client, session)
    sweep = make_sweep(client, group)
    assert client.delete(f"{CORE}/data-collection-groups/{group['uuid']}").status_code == 409
    assert client.delete(f"{CORE}/data-collections/{sweep['uuid']}").status_code == 204
    assert client.get(f"{CORE}/data-collections/{sweep['uuid']}").status_code == 404
    assert client.delete(f"{CORE}/data-collection-groups/{group['uuid']}").status_code == 204


@pytest.mark.parametrize(
    "field, value",
    [
        ("wavelength", -1.0),
        ("wavelength", 0),
        ("transmission", 150),
        ("exposureTime", -0.1),
        ("numberOfImages", -5),
        ("detectorDistance", "far"),
        ("startTime", "yesterday"),
        ("dataCollectionGroupId", 987654),
        ("imagePrefix", "x" * 46),
        ("notAColumn", 1),
    ],
)
def test_bad_sweeps_are_refused_naming_the_field(client, session, field, value):
    group = make_group(client, session)
    body = {"dataCollectionGroupId": group["dataCollectionGroupId"], field: value}
    response = client.post(f"{CORE}/data-collections", json=body)
    assert response.status_code == 422, response.json
    assert field in response.json["details"]
    listed = client.get(f"{CORE}/data-collections?sessionId={session.sessionId}").json
    assert listed["total"] == 0


def test_end_before_start_and_moving_are_refused(client, session, factory):
    group = make_group(client, session)
    response = client.post(
        f"{CORE}/data-collections",
        json={
            "dataCollectionGroupId": group["dataCollectionGroupId"],
            "startTime": "2026-03-01T10:00:00",
            "endTime": "2026-03-01T09:00:00",
        },
    )
    assert response.status_code == 422 and "endTime" in response.json["details"]
    sweep = make_sweep(client, group)
    other = make_group(client, factory.session())
    moved = client.patch(
        f"{CORE}/data-collections/{sweep['uuid']}",
        json={"dataCollectionGroupId": other["dataCollectionGroupId"]},
    )
    assert moved.status_code == 409
    bad_group = client.post(
        f"{CORE}/data-collection-groups", json={"sessionId": 987654, "experimentType": "OSC"}
    )
    assert bad_group.status_code == 422 and "sessionId" in bad_group.json["details"]
    bad_type = client.post(
        f"{CORE}/data-collection-groups",
        json={"sessionId": session.sessionId, "experimentType": "Interpretive dance"},
    )
    assert bad_type.status_code == 422 and "experimentType" in bad_type.json["details"]
