"""The naming rule of the JSON (docs/migration-notes.md): legacy duplicates not served and
refused in bodies with their replacement named, nested objects in lowerCamelCase (former
names still read in bodies), FLOAT columns served at single precision."""

import struct

import pytest

from ispyb_shared.schemas import single_precision
from tests.core.test_data_collections import make_group, make_sweep
from tests.core.test_shipment_documents import realistic_document

CORE = "/ispyb/api/v1/core"
# the item answers its samples' plans on request (expand=)
PLANS = "dewars.containers.samples.diffractionPlan"


@pytest.fixture
def session(factory):
    proposal = factory.proposal(proposalCode="mx", proposalNumber="1")
    return factory.session(proposalId=proposal.proposalId, visit_number=1, beamLineName="i03")


def test_data_collections_serve_no_legacy_copies_and_refuse_them_with_other_problems(
    client, session
):
    group = make_group(client, session)
    sweep = make_sweep(client, group)
    for read in (
        sweep,
        client.get(f"{CORE}/data-collections/{sweep['uuid']}").json,
        client.get(f"{CORE}/data-collections").json["results"][0],
        client.get(f"{CORE}/sessions/{session.sessionId}/data-collections").json["results"][0],
    ):
        assert "BLSAMPLEID" not in read and "SESSIONID" not in read
        assert read["sessionId"] == session.sessionId
    answer = client.post(
        f"{CORE}/data-collections",
        json={
            "dataCollectionGroupId": group["dataCollectionGroupId"],
            "SESSIONID": session.sessionId,
            "BLSAMPLEID": 1,
            "wavelength": -1,
        },
    )
    assert answer.status_code == 422, answer.json
    details = answer.json["details"]
    assert set(details) == {"SESSIONID", "BLSAMPLEID", "wavelength"}  # all in one answer
    assert "sessionId" in details["SESSIONID"][0] and "Removed" in details["BLSAMPLEID"][0]
    changed = client.patch(f"{CORE}/data-collections/{sweep['uuid']}", json={"SESSIONID": 2})
    assert changed.status_code == 422 and set(changed.json["details"]) == {"SESSIONID"}


@pytest.mark.parametrize(
    ("route", "legacy", "body"),
    [
        ("persons", "personUUID", {"familyName": "Doe"}),
        ("diffraction-plans", "DIFFRACTIONPLANUUID", {"experimentKind": "OSC"}),
    ],
)
def test_second_identifiers_are_not_served_and_refused(client, factory, route, legacy, body):
    if route == "diffraction-plans":
        body = {**body, "presetForProposalId": factory.proposal().proposalId}
    created = client.post(f"{CORE}/{route}", json=body)
    assert created.status_code == 201, created.json
    assert legacy not in created.json and "uuid" in created.json
    refused = client.post(f"{CORE}/{route}", json={**body, legacy: "x"})
    assert refused.status_code == 422
    assert list(refused.json["details"]) == [legacy]
    assert "uuid" in refused.json["details"][legacy][0]


def test_crystals_and_samples_nest_in_lower_camel_case(client, factory):
    sample = factory.sample()
    crystal = client.get(f"{CORE}/crystals/{sample.crystalId}").json
    assert "crystalUUID" not in crystal and "Protein" not in crystal
    assert crystal["protein"]["proteinId"]
    read = client.get(f"{CORE}/samples/{sample.blSampleId}?expand=protein,diffractionPlan").json
    assert {"crystal", "diffractionPlan"} <= set(read) and "Crystal" not in read
    assert read["crystal"]["protein"]["acronym"]
    sparse = client.get(f"{CORE}/samples/{sample.blSampleId}?fields=name,crystal&expand=crystal")
    sparse = sparse.json
    assert set(sparse) == {"name", "crystal"}
    assert client.get(f"{CORE}/crystals?crystalUUID=x").status_code == 400


def test_documents_still_read_the_former_nested_names(client, factory):
    proposal = factory.proposal(proposalCode="mx", proposalNumber="78")
    existing = factory.protein(proposalId=proposal.proposalId, acronym="prot-b")
    document = realistic_document(proposal, existing)
    first = document["dewars"][0]["containers"][0]["samples"][0]
    first["Crystal"] = first.pop("crystal")
    first["Crystal"]["Protein"] = first["Crystal"].pop("protein")
    first["DiffractionPlan"] = first.pop("diffractionPlan")
    created = client.post(f"{CORE}/shipment-documents?expand={PLANS}", json=document)
    assert created.status_code == 201, created.json
    read = created.json["dewars"][0]["containers"][0]["samples"][0]
    assert read["crystal"]["protein"]["acronym"] == "lyso"
    assert read["diffractionPlan"]["userPath"] == "fragments/x00"

    other = factory.proposal(proposalCode="mx", proposalNumber="79")
    twice = realistic_document(other, existing, external_id="lims-43")
    sample = twice["dewars"][0]["containers"][0]["samples"][1]
    sample["Crystal"] = dict(sample["crystal"])
    answer = client.post(f"{CORE}/shipment-documents", json=twice)
    assert answer.status_code == 422
    assert answer.json["details"]["dewars[0].containers[0].samples[1].Crystal"] == [
        "Sent twice: Crystal is the former name of crystal."
    ]


def test_float_columns_are_served_at_single_precision(client, session):
    """A FLOAT holds about 7 digits; MariaDB answers it with 6 significant digits (its text
    protocol), SQLite with the double it was given: 6 digits read the same on both."""
    group = make_group(client, session)
    sweep = make_sweep(client, group, phiStart=1.64, kappaStart=12.3602, omegaStart=-0.1)
    for read in (sweep, client.get(f"{CORE}/data-collections/{sweep['uuid']}").json):
        assert (read["phiStart"], read["kappaStart"], read["omegaStart"]) == (1.64, 12.3602, -0.1)
        assert read["wavelength"] == 0.9763  # a DOUBLE column, as stored
    assert '"phiStart":1.64,' in client.get(f"{CORE}/data-collections/{sweep['uuid']}").get_data(
        as_text=True
    ).replace(" ", "")


@pytest.mark.parametrize("value", [1.64, 12.36021, 3.4e38, 1e-30, 0.1, 78.9, 123456.7])
def test_single_precision_is_the_shortest_decimal_of_the_single(value):
    single = struct.unpack("f", struct.pack("f", value))[0]
    assert single_precision(single) == value
    assert single_precision(value) == value
    assert single_precision(float("inf")) == float("inf")
    assert single_precision(1.6400000000000001) == 1.64  # a double artefact, issue 18
