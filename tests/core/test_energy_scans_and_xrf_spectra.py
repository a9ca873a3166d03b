"""Energy scans and fluorescence spectra: rows of a session (and a sample) written by
beamline control, read by those who see the session."""

import pytest

from tests.support.checks import assert_refused

CORE = "/ispyb/api/v1/core"
RESOURCES = {
    "energy-scans": (
        "energyScanId",
        {
            "element": "Se",
            "edgeEnergy": "K",
            "startEnergy": 12.6,
            "endEnergy": 12.7,
            "peakEnergy": 12.6598,
            "peakFPrime": -8.1,
            "peakFDoublePrime": 4.9,
            "inflectionEnergy": 12.6576,
            "flux": 2.5e12,
            "startTime": "2026-03-01T09:00:00",
            "endTime": "2026-03-01T09:04:00",
        },
    ),
    "xrf-spectra": (
        "xfeFluorescenceSpectrumId",
        {
            "energy": 13.5,
            "exposureTime": 3.0,
            "beamTransmission": 5.0,
            "fittedDataFileFullPath": "/data/i03/mx1-1/xrf_1.fit",
            "flux": 1.1e12,
            "startTime": "2026-03-01T09:10:00",
            "endTime": "2026-03-01T09:11:00",
        },
    ),
}


@pytest.fixture(params=sorted(RESOURCES))
def resource(request):
    return request.param


@pytest.fixture
def world(factory):
    proposal = factory.proposal(proposalCode="mx", proposalNumber="1")
    session = factory.session(proposalId=proposal.proposalId, visit_number=1, beamLineName="i03")
    samples = factory.shipment_in_proposal(proposal, samples=2)["samples"]
    factory.session_member(session, factory.person(login="member"))
    return {"session": session, "samples": samples, "other": factory.session()}


@pytest.fixture
def control(core_app, tokens):
    test_client = core_app.test_client()
    test_client.environ_base["HTTP_AUTHORIZATION"] = tokens.machine(
        "mxcube", "core:acquisition:write"
    )["Authorization"]
    return test_client


def test_round_trip(client, control, core_app, tokens, world, resource):
    key, values = RESOURCES[resource]
    sample = world["samples"][0]
    made = control.post(
        f"{CORE}/{resource}", json={**values, "session": "mx1-1", "sample": sample.uuid}
    )
    assert made.status_code == 201, made.json
    row = made.json
    assert row["sessionId"] == world["session"].sessionId and row["visit"] == "mx1-1"
    assert row["blSampleId"] == sample.blSampleId
    for name, value in values.items():
        assert row[name] == value, name
    by_ids = control.post(
        f"{CORE}/{resource}",
        json={
            "sessionId": world["session"].sessionId,
            "blSampleId": world["samples"][1].blSampleId,
        },
    )
    assert by_ids.status_code == 201, by_ids.json
    for ref in (row[key], row["uuid"]):
        assert client.get(f"{CORE}/{resource}/{ref}").json["uuid"] == row["uuid"]
    listed = client.get(f"{CORE}/{resource}?blSampleId={sample.blSampleId}").json
    assert [found["uuid"] for found in listed["results"]] == [row["uuid"]]
    staff = tokens.user("frank", "staff", beamlines=["i03"])
    changed = client.patch(
        f"{CORE}/{resource}/{row['uuid']}", json={"comments": "weak signal"}, headers=staff
    )
    assert changed.status_code == 200 and changed.json["comments"] == "weak signal"
    moved = client.patch(
        f"{CORE}/{resource}/{row['uuid']}",
        json={"sessionId": world["other"].sessionId},
        headers=staff,
    )
    assert_refused(moved, 409, "CONFLICT", "sessionId")
    early = client.patch(
        f"{CORE}/{resource}/{row['uuid']}", json={"endTime": "2026-03-01T08:00:00"}, headers=staff
    )
    assert_refused(early, 422, "VALIDATION_ERROR", "endTime")
    other_staff = tokens.user("grace", "staff", beamlines=["i04"])
    refused = client.patch(
        f"{CORE}/{resource}/{row['uuid']}", json={"comments": "x"}, headers=other_staff
    )
    assert refused.status_code == 404  # not even visible to staff of another beamline
    reader = core_app.test_client()
    assert reader.get(f"{CORE}/{resource}", headers=tokens.user("member")).json["total"] == 2
    assert reader.get(f"{CORE}/{resource}", headers=tokens.user("outsider")).json["total"] == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"session": "mx1-7"}, "session"),
        ({"session": None}, "sessionId"),
        ({"sessionId": 1}, "session"),
        ({"sample": "nobody"}, "sample"),
        ({"sample": None, "blSampleId": "FOREIGN"}, "blSampleId"),
        ({"comments": "x" * 1025}, "comments"),
        ({"flux": "a lot"}, "flux"),
        ({"startTime": "2026-03-01T10:00:00", "endTime": "2026-03-01T09:00:00"}, "endTime"),
    ],
)
def test_bad_input_names_the_field(client, control, factory, world, resource, change, field):
    body = {"session": "mx1-1", "sample": world["samples"][0].name, **change}
    if body.get("blSampleId") == "FOREIGN":
        body["blSampleId"] = factory.sample().blSampleId
    body = {key: value for key, value in body.items() if value is not None}
    assert_refused(control.post(f"{CORE}/{resource}", json=body), 422, "VALIDATION_ERROR", field)
    assert client.get(f"{CORE}/{resource}").json["total"] == 0


def test_only_acquisition_writers_record(client, core_app, tokens, world, resource):
    caller = core_app.test_client()
    for headers in (
        tokens.machine("pipeline", "core:read", "core:processing:write"),
        tokens.user("member"),
        tokens.user("grace", "staff", beamlines=["i04"]),
    ):
        response = caller.post(f"{CORE}/{resource}", json={"session": "mx1-1"}, headers=headers)
        assert response.status_code == 403, response.json
    assert client.get(f"{CORE}/{resource}").json["total"] == 0
