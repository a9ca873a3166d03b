"""Screenings: one document (outputs, lattices, strategies, wedges, sub-wedges) written in
one transaction by beamline control, read back whole by those who see the session."""

import pytest

from tests.support.checks import assert_refused

CORE = "/ispyb/api/v1/core"


def document(**values):
    return {
        "programVersion": "EDNA 2.1",
        "shortComments": "default",
        "outputs": [
            {
                "indexingSuccess": True,
                "strategySuccess": True,
                "numSpotsFound": 812,
                "mosaicity": 0.21,
                "rankingResolution": 1.62,
                "program": "BEST",
                "lattices": [
                    {
                        "spaceGroup": "P 43 21 2",
                        "bravaisLattice": "tP",
                        "unitCell_a": 78.9,
                        "unitCell_b": 78.9,
                        "unitCell_c": 37.1,
                        "unitCell_alpha": 90.0,
                        "unitCell_beta": 90.0,
                        "unitCell_gamma": 90.0,
                    }
                ],
                "strategies": [
                    {
                        "program": "BEST",
                        "anomalous": False,
                        "resolution": 1.6,
                        "completeness": 99.5,
                        "wedges": [
                            {
                                "wedgeNumber": 1,
                                "numberOfImages": 900,
                                "wavelength": 0.9763,
                                "subWedges": [
                                    {
                                        "subWedgeNumber": 1,
                                        "rotationAxis": "omega",
                                        "axisStart": 0.0,
                                        "axisEnd": 90.0,
                                        "oscillationRange": 0.1,
                                        "exposureTime": 0.02,
                                        "transmission": 12.5,
                                        "RESOLUTION": 1.6,
                                    }
                                ],
                            }
                        ],
                    }
                ],
            }
        ],
        **values,
    }


@pytest.fixture
def world(factory):
    proposal = factory.proposal(proposalCode="mx", proposalNumber="1")
    session = factory.session(proposalId=proposal.proposalId, visit_number=1, beamLineName="i03")
    factory.session_member(session, factory.person(login="member"))
    group = factory.data_collection_group(session, experimentType="Characterization")
    return {"session": session, "group": group, "collection": factory.data_collection(group)}


@pytest.fixture
def control(core_app, tokens):
    test_client = core_app.test_client()
    test_client.environ_base["HTTP_AUTHORIZATION"] = tokens.machine(
        "mxcube", "core:acquisition:write"
    )["Authorization"]
    return test_client


def test_a_screening_document_round_trips(client, control, core_app, tokens, world):
    collection = world["collection"]
    made = control.post(
        f"{CORE}/screenings", json=document(dataCollectionId=collection.dataCollectionId)
    )
    assert made.status_code == 201, made.json
    screening = made.json
    assert screening["dataCollectionGroupId"] == collection.dataCollectionGroupId
    assert screening["bltimeStamp"] is not None
    output = screening["outputs"][0]
    assert output["screeningId"] == screening["screeningId"] and output["numSpotsFound"] == 812
    assert output["mosaicityEstimated"] is False  # the database's default
    assert output["lattices"][0]["spaceGroup"] == "P 43 21 2"
    sub_wedge = output["strategies"][0]["wedges"][0]["subWedges"][0]
    assert sub_wedge["transmission"] == 12.5 and sub_wedge["RESOLUTION"] == 1.6
    assert all(
        row["uuid"] for row in (output, output["lattices"][0], output["strategies"][0], sub_wedge)
    )
    for ref in (screening["screeningId"], screening["uuid"]):
        assert client.get(f"{CORE}/screenings/{ref}").json == screening
    by_group = control.post(
        f"{CORE}/screenings", json={"dataCollectionGroupId": world["group"].dataCollectionGroupId}
    )
    assert by_group.status_code == 201, by_group.json
    assert by_group.json["outputs"] == []
    query = f"sessionId={world['session'].sessionId}&programVersion.contains=EDNA"
    listed = client.get(f"{CORE}/screenings?{query}").json
    assert [row["uuid"] for row in listed["results"]] == [screening["uuid"]]
    assert listed["results"][0]["outputs"][0]["strategies"][0]["wedges"][0]["subWedges"]

    staff = tokens.user("frank", "staff", beamlines=["i03"])
    changed = client.patch(
        f"{CORE}/screenings/{screening['uuid']}", json={"comments": "twinned?"}, headers=staff
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["comments"] == "twinned?"
    assert changed.json["bltimeStamp"] == screening["bltimeStamp"]
    moved = client.patch(
        f"{CORE}/screenings/{screening['uuid']}", json={"dataCollectionId": 999}, headers=staff
    )
    assert_refused(moved, 409, "CONFLICT", "dataCollectionId")
    reader = core_app.test_client()
    assert reader.get(f"{CORE}/screenings", headers=tokens.user("member")).json["total"] == 2
    assert reader.get(f"{CORE}/screenings", headers=tokens.user("outsider")).json["total"] == 0
    other_staff = tokens.user("grace", "staff", beamlines=["i04"])
    assert (
        reader.get(f"{CORE}/screenings/{screening['uuid']}", headers=other_staff).status_code == 404
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({}, "dataCollectionId"),
        ({"dataCollectionId": 987654}, "dataCollectionId"),
        ({"dataCollectionGroupId": 987654}, "dataCollectionGroupId"),
        ({"dataCollectionId": "SWEEP", "dataCollectionGroupId": 987654}, "dataCollectionGroupId"),
        ({"dataCollectionId": "SWEEP", "shortComments": "x" * 21}, "shortComments"),
        ({"dataCollectionId": "SWEEP", "outputs": [{"numSpotsFound": "many"}]}, "outputs"),
        (
            {"dataCollectionId": "SWEEP", "outputs": [{"lattices": [{"spaceGroup": "x" * 46}]}]},
            "outputs",
        ),
        ({"dataCollectionId": "SWEEP", "outputs": [{"screeningId": 4}]}, "outputs"),
    ],
)
def test_bad_documents_are_refused_whole(client, control, world, change, field):
    body = {"programVersion": "EDNA", **change}
    if body.get("dataCollectionId") == "SWEEP":
        body["dataCollectionId"] = world["collection"].dataCollectionId
    response = control.post(f"{CORE}/screenings", json=body)
    assert_refused(response, 422, "VALIDATION_ERROR", field)
    assert client.get(f"{CORE}/screenings").json["total"] == 0


def test_only_acquisition_writers_record_screenings(client, core_app, tokens, world):
    caller = core_app.test_client()
    body = document(dataCollectionId=world["collection"].dataCollectionId)
    for headers in (
        tokens.machine("pipeline", "core:read"),
        tokens.user("member"),
        tokens.user("grace", "staff", beamlines=["i04"]),
    ):
        assert caller.post(f"{CORE}/screenings", json=body, headers=headers).status_code == 403
    assert client.get(f"{CORE}/screenings").json["total"] == 0
