"""One-shot shipment entry (POST /shipment-documents): everything or nothing, every problem
at once by JSON path, idempotent with an externalId."""

import copy

from ispyb_shared.testing import count_queries
from tests.core.test_bad_input import row_counts

CORE = "/ispyb/api/v1/core"
# the item answers its samples' plans on request (expand=)
PLANS = "dewars.containers.samples.diffractionPlan"


def realistic_document(proposal, existing_protein, *, external_id="lims-42"):
    """2 dewars, 6 containers (3 Unipucks each), 60 samples (10 per puck); two new
    proteins and one existing; every third sample with its own diffraction plan."""
    dewars = []
    for d in range(2):
        containers = []
        for c in range(3):
            samples = []
            for s in range(10):
                n = (d * 3 + c) * 10 + s
                acronym = ["lyso", "thau", existing_protein.acronym][n % 3]
                sample = {
                    "name": f"x{n:02d}",
                    "location": str(s + 1),
                    "code": f"PIN-{n:04d}",
                    "comments": "soaked 2h" if n % 5 == 0 else None,
                    "crystal": {
                        "spaceGroup": "P43212",
                        "cell_a": 78.5,
                        "cell_b": 78.5,
                        "cell_c": 37.2,
                        "cell_alpha": 90,
                        "cell_beta": 90,
                        "cell_gamma": 90,
                        "protein": {"acronym": acronym},
                    },
                }
                if n % 3 == 0:
                    sample["diffractionPlan"] = {
                        "experimentKind": "OSC",
                        "requiredResolution": 1.6,
                        "userPath": f"fragments/x{n:02d}",
                    }
                samples.append(sample)
            containers.append(
                {
                    "code": f"puck-{d}{c}",
                    "barcode": f"UNI-{proposal.proposalId}-{d}{c}",
                    "containerType": "Unipuck",
                    "samples": samples,
                }
            )
        dewars.append(
            {
                "code": f"DW{d + 1}",
                "barCode": f"{proposal.proposalCode}{proposal.proposalNumber}-DW{d + 1}",
                "containers": containers,
            }
        )
    return {
        "externalId": external_id,
        "proposalId": proposal.proposalId,
        "shippingName": "Fragment screen, run 1",
        "comments": "From the crystal-imaging LIMS",
        "proteins": [
            {"acronym": "lyso", "name": "Lysozyme", "hazardGroup": 1},
            {"acronym": "thau", "name": "Thaumatin", "sequence": "ATFEIVNRCSYTVWAAASKG"},
        ],
        "dewars": dewars,
    }


def test_realistic_document_is_created_in_one_request_and_read_back_nested(
    client, factory, core_db
):
    proposal = factory.proposal(proposalCode="mx", proposalNumber="77")
    existing = factory.protein(proposalId=proposal.proposalId, acronym="prot-a")
    document = realistic_document(proposal, existing)

    with count_queries(core_db.engine) as counter:
        response = client.post(f"{CORE}/shipment-documents?expand={PLANS}", json=document)
    assert response.status_code == 201, response.json
    inserts = [s for s in counter.statements if s.lstrip().upper().startswith("INSERT")]
    if core_db.dialect == "mysql":
        # Batched on MariaDB: one INSERT per table (two for proteins with different
        # fields), not one per row. SQLite cannot return the ids of a multi-row INSERT in
        # order, so SQLAlchemy inserts row by row there (in-process, no round trips).
        assert len(inserts) <= 12, inserts

    created = response.json
    assert created["shippingStatus"] == "opened"
    assert [d["code"] for d in created["dewars"]] == ["DW1", "DW2"]
    assert [len(d["containers"]) for d in created["dewars"]] == [3, 3]
    samples = [s for d in created["dewars"] for c in d["containers"] for s in c["samples"]]
    assert len(samples) == 60
    assert {s["crystal"]["protein"]["acronym"] for s in samples} == {"lyso", "thau", "prot-a"}
    assert {s["crystal"]["protein"]["proteinId"] for s in samples if s["name"] == "x02"} == {
        existing.proteinId
    }
    with_plans = [s for s in samples if s["diffractionPlan"]]
    assert len(with_plans) == 20
    assert with_plans[0]["diffractionPlan"]["userPath"] == "fragments/x00"
    assert created["dewars"][1]["containers"][2]["samples"][9]["location"] == "10"

    read = client.get(f"{CORE}/shipments/{created['uuid']}?expand={PLANS}").json
    assert read == created
    proteins = client.get(f"{CORE}/proteins?proposalId={proposal.proposalId}").json
    assert proteins["total"] == 3
    new = [p for p in proteins["results"] if p["acronym"] in {"lyso", "thau"}]
    assert all(p["isCreatedBySampleSheet"] for p in new)
    dewar_history = client.get(f"{CORE}/dewars/{created['dewars'][0]['dewarId']}/history").json
    assert [h["dewarStatus"] for h in dewar_history["results"]] == ["opened"]
    history = client.get(f"{CORE}/shipments/{created['shippingId']}/history").json
    assert [h["shippingStatus"] for h in history["results"]] == ["opened"]


def test_the_same_document_twice_creates_nothing_the_second_time(client, factory, core_db):
    proposal = factory.proposal()
    document = realistic_document(proposal, factory.protein(proposalId=proposal.proposalId))
    first = client.post(f"{CORE}/shipment-documents", json=document)
    assert first.status_code == 201, first.json
    before = row_counts(core_db)

    again = client.post(f"{CORE}/shipment-documents", json=copy.deepcopy(document))
    assert again.status_code == 200, again.json
    assert again.json == first.json
    assert row_counts(core_db) == before


def test_the_same_external_id_with_another_document_is_a_conflict(client, factory, core_db):
    proposal = factory.proposal()
    document = realistic_document(proposal, factory.protein(proposalId=proposal.proposalId))
    assert client.post(f"{CORE}/shipment-documents", json=document).status_code == 201
    before = row_counts(core_db)
    changed = {**document, "shippingName": "Another name"}
    response = client.post(f"{CORE}/shipment-documents", json=changed)
    assert response.status_code == 409
    assert response.json["code"] == "CONFLICT"
    assert "externalId" in response.json["details"]
    assert row_counts(core_db) == before
    # The external id is the client's per proposal: another proposal may use it too.
    other = factory.proposal()
    reused = realistic_document(other, factory.protein(proposalId=other.proposalId))
    for dewar in reused["dewars"]:
        dewar["barCode"] += "-other"
        for container in dewar["containers"]:
            container["barcode"] += "-other"
    assert client.post(f"{CORE}/shipment-documents", json=reused).status_code == 201


def test_a_document_with_three_errors_gets_all_three_and_nothing_is_written(
    client, factory, core_db
):
    proposal = factory.proposal()
    document = realistic_document(proposal, factory.protein(proposalId=proposal.proposalId))
    document["dewars"][1]["containers"][0]["samples"][3]["location"] = "17"  # Unipuck: 16
    document["dewars"][0]["containers"][2]["samples"][5]["crystal"]["protein"] = {"acronym": "nope"}
    document["dewars"][0]["containers"][1]["barcode"] = "x" * 46
    before = row_counts(core_db)

    response = client.post(f"{CORE}/shipment-documents", json=document)
    assert response.status_code == 422
    assert response.json["code"] == "VALIDATION_ERROR"
    assert "3 errors" in response.json["message"]
    assert set(response.json["details"]) == {
        "dewars[1].containers[0].samples[3].location",
        "dewars[0].containers[2].samples[5].crystal.protein",
        "dewars[0].containers[1].barcode",
    }
    assert row_counts(core_db) == before


def small_document(proposal, **changes):
    document = {
        "proposalId": proposal.proposalId,
        "shippingName": "small",
        "proteins": [{"acronym": "lyso"}],
        "dewars": [
            {
                "code": "DW1",
                "containers": [
                    {
                        "code": "p1",
                        "containerType": "Spinepuck",
                        "samples": [
                            {
                                "name": "a",
                                "location": "1",
                                "crystal": {"protein": {"acronym": "lyso"}},
                            }
                        ],
                    }
                ],
            }
        ],
    }
    document.update(changes)
    return document


def refused_paths(client, document) -> dict:
    response = client.post(f"{CORE}/shipment-documents", json=document)
    assert response.status_code == 422, response.json
    return response.json["details"]


def test_rules_within_the_document_and_against_the_database(client, factory, core_db):
    proposal = factory.proposal()
    factory.protein(proposalId=proposal.proposalId, acronym="old")
    other = factory.shipment_in_proposal(factory.proposal())
    factory.dewar(barCode="TAKEN-DW")
    factory.container(barcode="TAKEN-PUCK")
    sample = {"name": "a", "location": "1", "crystal": {"protein": {"acronym": "lyso"}}}
    document = small_document(
        proposal,
        proteins=[{"acronym": "lyso"}, {"acronym": "lyso"}, {"acronym": "old"}],
        dewars=[
            {
                "code": "DW1",
                "barCode": "TAKEN-DW",
                "facilityCode": "NOT-REGISTERED",
                "containers": [
                    {
                        "code": "p1",
                        "containerType": "Spinepuck",
                        "barcode": "SAME",
                        "samples": [
                            sample,
                            {**sample, "name": "b"},  # same position
                            {**sample, "name": "c", "location": "11"},  # Spinepuck: 10
                            {"name": "d", "location": "2", "crystalId": 987654},
                            {
                                "name": "e",
                                "location": "3",
                                "crystalId": other["samples"][0].crystalId,
                            },
                            {
                                "name": "f",
                                "location": "4",
                                "crystal": {"protein": {"proteinId": other["protein"].proteinId}},
                            },
                            {"name": "g", "location": "5"},  # no crystal at all
                            {
                                "name": "h",
                                "location": "6",
                                "crystalId": other["samples"][0].crystalId,
                                "crystal": {"protein": {"acronym": "lyso"}},
                            },
                        ],
                    },
                    {"code": "p1", "containerType": "Mystery", "barcode": "SAME"},
                    {"code": "p3", "containerType": "Unipuck", "barcode": "TAKEN-PUCK"},
                ],
            },
            {"code": "DW1"},
        ],
    )
    before = row_counts(core_db)
    details = refused_paths(client, document)
    container = "dewars[0].containers[0]"
    expected = {
        "proteins[1].acronym": "already listed",
        "proteins[2].acronym": "already has a protein",
        "dewars[0].barCode": "already has barcode",
        "dewars[0].facilityCode": "registered",
        "dewars[1].code": "also used",
        f"{container}.samples[1].location": "already given",
        f"{container}.samples[2].location": "capacity",
        f"{container}.samples[3].crystalId": "No Crystal",
        f"{container}.samples[4].crystalId": "Belongs to proposal",
        f"{container}.samples[5].crystal.protein": "No protein",
        f"{container}.samples[6]": "Give crystalId",
        f"{container}.samples[7]": "Give crystalId",
        "dewars[0].containers[1].code": "also used",
        "dewars[0].containers[1].barcode": "also used",
        "dewars[0].containers[1].capacity": "number of positions",
        "dewars[0].containers[2].barcode": "already has barcode",
    }
    assert set(details) == set(expected), details
    for path, words in expected.items():
        assert any(words in message for message in details[path]), (path, details[path])
    assert row_counts(core_db) == before


def test_existing_proteins_by_id_uuid_or_acronym_and_existing_crystals(client, factory):
    proposal = factory.proposal()
    by_id = factory.protein(proposalId=proposal.proposalId)
    by_uuid = factory.protein(proposalId=proposal.proposalId)
    by_acronym = factory.protein(proposalId=proposal.proposalId, acronym="named")
    crystal = factory.crystal(proteinId=by_id.proteinId)
    samples = [
        {"name": "a", "location": "1", "crystal": {"protein": {"proteinId": by_id.proteinId}}},
        {"name": "b", "location": "2", "crystal": {"protein": {"uuid": by_uuid.uuid.upper()}}},
        {"name": "c", "location": "3", "crystal": {"protein": {"acronym": "named"}}},
        {"name": "d", "location": "4", "crystalId": crystal.crystalId},
    ]
    document = small_document(proposal, proteins=[])
    document["dewars"][0]["containers"][0]["samples"] = samples
    response = client.post(f"{CORE}/shipment-documents", json=document)
    assert response.status_code == 201, response.json
    read = response.json["dewars"][0]["containers"][0]["samples"]
    assert [s["crystal"]["protein"]["proteinId"] for s in read] == [
        by_id.proteinId,
        by_uuid.proteinId,
        by_acronym.proteinId,
        by_id.proteinId,
    ]
    assert read[3]["crystalId"] == crystal.crystalId


def test_a_registered_dewar_is_recognised_by_its_facility_code(client, factory):
    proposal = factory.proposal()
    owner = factory.proposal()
    registered = factory.registered_dewar(facilityCode="DLS-MX-0042", proposalId=owner.proposalId)
    factory.share_registered_dewar(registered, proposal)
    document = small_document(proposal)
    document["dewars"][0]["facilityCode"] = "DLS-MX-0042"
    response = client.post(f"{CORE}/shipment-documents", json=document)
    assert response.status_code == 201, response.json
    assert response.json["dewars"][0]["dewarRegistryId"] == registered.dewarRegistryId


def test_references_to_invisible_or_missing_rows(client, factory, core_db, tokens, core_app):
    mine = factory.proposal()
    member = factory.person(login="doc-member")
    factory.proposal_member(mine, member)
    theirs = factory.proposal()
    their_contact = factory.lab_contact(proposalId=theirs.proposalId)
    their_session = factory.session(proposalId=theirs.proposalId)
    before = row_counts(core_db)
    document = small_document(mine, sendingLabContactId=their_contact.labContactId)
    document["dewars"][0]["firstExperimentId"] = their_session.sessionId
    response = core_app.test_client().post(
        f"{CORE}/shipment-documents", json=document, headers=tokens.user("doc-member")
    )
    assert response.status_code == 422
    assert set(response.json["details"]) == {"sendingLabContactId", "dewars[0].firstExperimentId"}
    # A proposal the caller cannot see is a proposal that does not exist.
    response = core_app.test_client().post(
        f"{CORE}/shipment-documents", json=small_document(theirs), headers=tokens.user("doc-member")
    )
    assert response.status_code == 422
    assert "proposalId" in response.json["details"]
    assert row_counts(core_db) == before


def test_schema_problems_are_reported_by_json_path(client, factory):
    proposal = factory.proposal()
    document = small_document(proposal, shippingName=None, bogus=1)
    document["dewars"][0]["containers"][0]["samples"][0]["location"] = "01"
    document["dewars"][0]["containers"][0]["samples"][0]["subLocation"] = "first"
    document["dewars"][0]["containers"].append("not an object")
    details = refused_paths(client, document)
    assert set(details) == {
        "shippingName",
        "bogus",
        "dewars[0].containers[0].samples[0].location",
        "dewars[0].containers[0].samples[0].subLocation",
        "dewars[0].containers[1]",
    }
    assert set(refused_paths(client, small_document(proposal, dewars=[]))) == {"dewars"}


def test_schema_and_rule_problems_of_one_sample_are_reported_together(client, factory):
    proposal = factory.proposal()
    document = small_document(proposal)
    sample = document["dewars"][0]["containers"][0]["samples"][0]
    sample["comments"] = "x" * 1025
    sample["crystal"]["protein"] = {"acronym": "unknown"}
    sample["location"] = "11"
    details = refused_paths(client, document)
    path = "dewars[0].containers[0].samples[0]"
    assert set(details) == {f"{path}.comments", f"{path}.crystal.protein", f"{path}.location"}


def test_nulls_beside_values_in_a_document_are_answered_not_crashed_on(client, factory, core_db):
    """crystalId null on one sample and set on another, an acronym null beside a real one:
    the look-ups skip the nulls (they used to be sorted with the values: a 500)."""
    proposal = factory.proposal(proposalCode="mx", proposalNumber="78")
    existing = factory.protein(proposalId=proposal.proposalId, acronym="prot-b")
    crystal = factory.crystal(proteinId=existing.proteinId)
    document = realistic_document(proposal, existing, external_id="lims-nulls")
    samples = document["dewars"][0]["containers"][0]["samples"]
    del samples[0]["crystal"]
    samples[0]["crystalId"] = None
    del samples[1]["crystal"]
    samples[1]["crystalId"] = crystal.crystalId
    samples[2]["crystal"]["protein"] = {"acronym": None}
    before = row_counts(core_db)
    response = client.post(f"{CORE}/shipment-documents", json=document)
    assert response.status_code in (201, 422), response.json
    if response.status_code == 422:
        assert set(response.json) == {"code", "message", "details", "requestId"}
        assert row_counts(core_db) == before
