"""The rules a facility relies on, through the single-row resources: positions, capacities,
barcodes, proposals never mixed; look-ups and filters."""

import pytest

from tests.core.test_bad_input import assert_refused, row_counts

CORE = "/ispyb/api/v1/core"


@pytest.fixture
def mx1(factory):
    proposal = factory.proposal(proposalCode="mx", proposalNumber="1")
    return {"proposal": proposal, **factory.shipment_in_proposal(proposal, samples=2)}


def new_sample(world, **changes):
    return {
        "containerId": world["container"].containerId,
        "crystalId": world["samples"][0].crystalId,
        "name": "new",
        "location": "3",
        **changes,
    }


def test_one_sample_per_position(client, core_db, mx1):
    before = row_counts(core_db)
    taken = client.post(f"{CORE}/samples", json=new_sample(mx1, location="1"))
    assert_refused(taken, 409, "CONFLICT", "location")
    assert "already holds sample" in taken.json["details"]["location"][0]
    moved = client.patch(f"{CORE}/samples/{mx1['samples'][1].blSampleId}", json={"location": "1"})
    assert_refused(moved, 409, "CONFLICT", "location")
    assert row_counts(core_db) == before
    # A free position, and a multi-sample pin's sub-positions, are fine.
    assert client.post(f"{CORE}/samples", json=new_sample(mx1, location="3")).status_code == 201
    for sub in (1, 2):
        pin = new_sample(mx1, location="4", subLocation=sub, name=f"pin{sub}")
        assert client.post(f"{CORE}/samples", json=pin).status_code == 201
    again = client.post(f"{CORE}/samples", json=new_sample(mx1, location="4", subLocation=2))
    assert_refused(again, 409, "CONFLICT", "location")
    moved = client.patch(f"{CORE}/samples/{mx1['samples'][1].blSampleId}", json={"location": "5"})
    assert moved.status_code == 200 and moved.json["location"] == "5"


@pytest.mark.parametrize("location", ["17", "0", "01", "A1", " 2", "1.5"])
def test_positions_are_whole_numbers_within_the_capacity(client, core_db, mx1, location):
    before = row_counts(core_db)
    response = client.post(f"{CORE}/samples", json=new_sample(mx1, location=location))
    assert_refused(response, 422, "VALIDATION_ERROR", "location")
    assert row_counts(core_db) == before


def test_capacity_comes_from_the_container_type_or_is_required(client, core_db, mx1):
    dewar_id = mx1["dewar"].dewarId
    spine = client.post(
        f"{CORE}/containers",
        json={"dewarId": dewar_id, "code": "s", "containerType": "Spinepuck"},
    )
    assert spine.status_code == 201 and spine.json["capacity"] == 10
    plate = {"dewarId": dewar_id, "code": "plate", "containerType": "Plate"}
    assert_refused(
        client.post(f"{CORE}/containers", json=plate), 422, "VALIDATION_ERROR", "capacity"
    )
    sized = client.post(f"{CORE}/containers", json={**plate, "capacity": 96})
    assert sized.status_code == 201 and sized.json["capacity"] == 96
    nowhere = client.post(f"{CORE}/containers", json={"code": "lost", "capacity": 4})
    assert_refused(nowhere, 422, "VALIDATION_ERROR", "dewarId")


def test_capacity_cannot_shrink_below_an_occupied_position(client, mx1):
    container = mx1["container"].containerId
    response = client.patch(f"{CORE}/containers/{container}", json={"capacity": 1})
    assert_refused(response, 409, "CONFLICT", "capacity")
    assert client.patch(f"{CORE}/containers/{container}", json={"capacity": 2}).status_code == 200


def test_dewar_and_container_barcodes_are_unique(client, factory, core_db, mx1):
    factory.dewar(barCode="DW-TAKEN")
    factory.container(barcode="PUCK-TAKEN")
    before = row_counts(core_db)
    dewar = {"shippingId": mx1["shipment"].shippingId, "code": "D", "barCode": "DW-TAKEN"}
    assert_refused(client.post(f"{CORE}/dewars", json=dewar), 409, "CONFLICT", "barCode")
    response = client.patch(f"{CORE}/dewars/{mx1['dewar'].dewarId}", json={"barCode": "DW-TAKEN"})
    assert_refused(response, 409, "CONFLICT", "barCode")
    container = {"dewarId": mx1["dewar"].dewarId, "code": "c", "capacity": 4}
    response = client.post(f"{CORE}/containers", json={**container, "barcode": "PUCK-TAKEN"})
    assert_refused(response, 409, "CONFLICT", "barcode")
    assert row_counts(core_db) == before


def test_a_proposals_items_cannot_go_into_another_proposals_shipment(client, factory, core_db, mx1):
    """Staff see both proposals, so the refusal says why; a user who sees only one gets
    'does not exist' (test_authorization)."""
    mx2 = factory.shipment_in_proposal(factory.proposal(), samples=1)
    mx2_session = factory.session(proposalId=mx2["shipment"].proposalId)
    mx2_contact = factory.lab_contact(proposalId=mx2["shipment"].proposalId)
    mx2_group = factory.sample_group(proposalId=mx2["shipment"].proposalId)
    before = row_counts(core_db)
    attempts = [
        (
            "post",
            "/samples",
            new_sample(mx1, containerId=mx2["container"].containerId),
            "containerId",
        ),
        ("post", "/samples", new_sample(mx1, crystalId=mx2["samples"][0].crystalId), "containerId"),
        (
            "patch",
            f"/samples/{mx1['samples'][0].blSampleId}",
            {"containerId": mx2["container"].containerId, "location": "9"},
            "containerId",
        ),
        (
            "patch",
            f"/samples/{mx1['samples'][0].blSampleId}",
            {"crystalId": mx2["samples"][0].crystalId},
            "crystalId",
        ),
        (
            "patch",
            f"/containers/{mx1['container'].containerId}",
            {"dewarId": mx2["dewar"].dewarId},
            "dewarId",
        ),
        (
            "post",
            "/containers",
            {
                "dewarId": mx1["dewar"].dewarId,
                "sessionId": mx2_session.sessionId,
                "code": "c",
                "capacity": 4,
            },
            "sessionId",
        ),
        (
            "patch",
            f"/dewars/{mx1['dewar'].dewarId}",
            {"shippingId": mx2["shipment"].shippingId},
            "shippingId",
        ),
        (
            "patch",
            f"/dewars/{mx1['dewar'].dewarId}",
            {"firstExperimentId": mx2_session.sessionId},
            "firstExperimentId",
        ),
        (
            "patch",
            f"/crystals/{mx1['samples'][0].crystalId}",
            {"proteinId": mx2["protein"].proteinId},
            "proteinId",
        ),
        (
            "patch",
            f"/shipments/{mx1['shipment'].shippingId}",
            {"sendingLabContactId": mx2_contact.labContactId},
            "sendingLabContactId",
        ),
        (
            "post",
            f"/shipments/{mx1['shipment'].shippingId}/sessions",
            {"sessionId": mx2_session.sessionId},
            "sessionId",
        ),
        (
            "post",
            f"/sample-groups/{mx2_group.blSampleGroupId}/samples",
            {"blSampleId": mx1["samples"][0].blSampleId},
            "blSampleId",
        ),
    ]
    for method, path, body, field in attempts:
        response = getattr(client, method)(CORE + path, json=body)
        assert_refused(response, 422, "VALIDATION_ERROR", field)
        assert "Belongs to proposal" in response.json["details"][field][0], (path, response.json)
    assert row_counts(core_db) == before


def test_look_ups_by_id_uuid_barcode_and_facility_code(client, factory, mx1):
    dewar, container = mx1["dewar"], mx1["container"]
    for ref in (dewar.dewarId, dewar.uuid, dewar.barCode):
        assert client.get(f"{CORE}/dewars/{ref}").json["dewarId"] == dewar.dewarId
    factory.container(barcode="PUCK-7", dewarId=dewar.dewarId)
    assert client.get(f"{CORE}/containers/PUCK-7").json["barcode"] == "PUCK-7"
    assert client.get(f"{CORE}/containers/{container.uuid}").status_code == 200
    assert client.get(f"{CORE}/dewars/NO-SUCH-CODE").status_code == 404
    registered = factory.registered_dewar(facilityCode="DLS-MX-0007")
    for ref in (registered.dewarRegistryId, registered.uuid, "DLS-MX-0007"):
        response = client.get(f"{CORE}/dewar-registry/{ref}")
        assert response.json["dewarRegistryId"] == registered.dewarRegistryId
    for path, model in (
        ("/samples", mx1["samples"][0]),
        ("/proteins", mx1["protein"]),
        ("/shipments", mx1["shipment"]),
    ):
        assert client.get(f"{CORE}{path}/{model.uuid}").status_code == 200


def test_filters(client, factory, mx1):
    other = factory.shipment_in_proposal(factory.proposal(), samples=3)

    def total(query):
        response = client.get(f"{CORE}{query}")
        assert response.status_code == 200, response.json
        return response.json["total"]

    assert total("/samples") == 5
    assert total(f"/samples?shippingId={mx1['shipment'].shippingId}") == 2
    assert total(f"/samples?dewarId={other['dewar'].dewarId}") == 3
    assert total(f"/samples?containerId={mx1['container'].containerId}&location=2") == 1
    assert total(f"/samples?acronym={mx1['protein'].acronym}") == 2
    assert total("/samples?proposal=mx1") == 2
    assert total(f"/containers?shippingId={other['shipment'].shippingId}") == 1
    assert total("/containers?proposal=mx1") == 1
    assert total(f"/dewars?barCode={mx1['dewar'].barCode}") == 1
    assert total("/shipments?shippingStatus=opened&proposal=mx1") == 1
    assert total(f"/crystals?proteinId={other['protein'].proteinId}") == 3
    assert total("/proteins?proposal=mx1") == 1
    response = client.get(f"{CORE}/samples?shippingId=x")
    assert_refused(response, 400, "INVALID_PARAMETER", "shippingId")


def test_protein_acronyms_are_unique_within_a_proposal(client, factory, mx1):
    proposal_id = mx1["proposal"].proposalId
    body = {"proposalId": proposal_id, "acronym": mx1["protein"].acronym}
    assert_refused(client.post(f"{CORE}/proteins", json=body), 409, "CONFLICT", "acronym")
    other = factory.protein(proposalId=proposal_id, acronym="other")
    renamed = client.patch(f"{CORE}/proteins/{other.proteinId}", json={"acronym": body["acronym"]})
    assert_refused(renamed, 409, "CONFLICT", "acronym")
    elsewhere = factory.proposal()
    assert (
        client.post(
            f"{CORE}/proteins", json={**body, "proposalId": elsewhere.proposalId}
        ).status_code
        == 201
    )
    bad = client.post(f"{CORE}/proteins", json={**body, "acronym": "has space"})
    assert_refused(bad, 422, "VALIDATION_ERROR", "acronym")
    level = client.post(f"{CORE}/proteins", json={**body, "acronym": "z", "hazardGroup": 5})
    assert_refused(level, 422, "VALIDATION_ERROR", "hazardGroup")


def test_sample_groups_keep_their_order(client, factory, mx1):
    proposal_id = mx1["proposal"].proposalId
    group = client.post(f"{CORE}/sample-groups", json={"proposalId": proposal_id, "name": "series"})
    assert group.status_code == 201 and group.json["members"] == []
    url = f"{CORE}/sample-groups/{group.json['uuid']}/samples"
    first, second = mx1["samples"]
    added = client.post(url, json={"blSampleId": second.blSampleId, "type": "background"})
    assert added.status_code == 201 and added.json["groupOrder"] == 1
    added = client.post(url, json={"blSampleId": first.blSampleId})
    assert added.json["groupOrder"] == 2 and added.json["blSample"]["name"] == first.name
    twice = client.post(url, json={"blSampleId": first.blSampleId})
    assert_refused(twice, 409, "CONFLICT", "blSampleId")
    assert client.patch(f"{url}/{second.blSampleId}", json={"groupOrder": 3}).status_code == 200
    read = client.get(f"{CORE}/sample-groups/{group.json['blSampleGroupId']}").json
    assert [m["blSampleId"] for m in read["members"]] == [first.blSampleId, second.blSampleId]
    assert read["members"][1]["type"] == "background"
    assert client.delete(f"{url}/{first.blSampleId}").status_code == 204
    assert client.delete(f"{url}/{first.blSampleId}").status_code == 404
    assert (
        client.get(f"{CORE}/sample-groups/{group.json['uuid']}").json["members"][0]["blSampleId"]
        == second.blSampleId
    )


def test_a_registered_dewar_shared_by_proposals(client, factory, core_app, tokens, mx1):
    owner, guest, stranger = (factory.proposal() for _ in range(3))
    member = factory.person(login="guest-member")
    factory.proposal_member(guest, member)
    registered = factory.registered_dewar(facilityCode="DLS-MX-0100", proposalId=owner.proposalId)
    factory.share_registered_dewar(registered, stranger)
    shared = client.post(
        f"{CORE}/dewar-registry/DLS-MX-0100/proposals", json={"proposalId": guest.proposalId}
    )
    assert shared.status_code == 201
    again = client.post(
        f"{CORE}/dewar-registry/DLS-MX-0100/proposals", json={"proposalId": guest.proposalId}
    )
    assert_refused(again, 409, "CONFLICT", "proposalId")
    user = core_app.test_client()
    seen = user.get(f"{CORE}/dewar-registry/DLS-MX-0100", headers=tokens.user("guest-member"))
    assert seen.status_code == 200
    # The guest sees its own link, not the other proposals using the dewar.
    assert [link["proposalId"] for link in seen.json["proposals"]] == [guest.proposalId]
    # A dewar of the guest's shipment may now name the dewar by its facility code.
    shipment = factory.shipment(proposalId=guest.proposalId)
    dewar = client.post(
        f"{CORE}/dewars",
        json={"shippingId": shipment.shippingId, "code": "D", "facilityCode": "DLS-MX-0100"},
    )
    assert dewar.status_code == 201 and dewar.json["dewarRegistryId"] == registered.dewarRegistryId
    unregistered = client.post(
        f"{CORE}/dewars",
        json={"shippingId": mx1["shipment"].shippingId, "code": "D", "facilityCode": "DLS-MX-0100"},
    )
    assert_refused(unregistered, 422, "VALIDATION_ERROR", "facilityCode")
    assert (
        client.delete(f"{CORE}/dewar-registry/DLS-MX-0100/proposals/{guest.proposalId}").status_code
        == 204
    )
    gone = user.get(f"{CORE}/dewar-registry/DLS-MX-0100", headers=tokens.user("guest-member"))
    assert gone.status_code == 404


def test_diffraction_plans_are_seen_through_their_samples(client, factory, core_app, tokens, mx1):
    member = factory.person(login="plan-member")
    factory.proposal_member(mx1["proposal"], member)
    plan = factory.diffraction_plan(userPath="collect/here")
    orphan = factory.diffraction_plan()
    attached = client.patch(
        f"{CORE}/samples/{mx1['samples'][0].blSampleId}?expand=diffractionPlan",
        json={"diffractionPlanId": plan.diffractionPlanId},
    )
    assert attached.status_code == 200
    assert attached.json["diffractionPlan"]["userPath"] == "collect/here"
    user = core_app.test_client()
    headers = tokens.user("plan-member")
    assert user.get(f"{CORE}/diffraction-plans/{plan.uuid}", headers=headers).status_code == 200
    assert user.get(f"{CORE}/diffraction-plans/{orphan.uuid}", headers=headers).status_code == 404
    listed = user.get(f"{CORE}/diffraction-plans", headers=headers).json
    assert [p["diffractionPlanId"] for p in listed["results"]] == [plan.diffractionPlanId]
    for path in ("../up", "/abs", "a/../b", "sp ace"):
        response = client.patch(
            f"{CORE}/diffraction-plans/{plan.diffractionPlanId}", json={"userPath": path}
        )
        assert_refused(response, 422, "VALIDATION_ERROR", "userPath")


def test_shipment_sessions(client, factory, mx1):
    session = factory.session(proposalId=mx1["proposal"].proposalId)
    url = f"{CORE}/shipments/{mx1['shipment'].shippingId}/sessions"
    linked = client.post(url, json={"sessionId": session.sessionId})
    assert linked.status_code == 201 and linked.json["sessionId"] == session.sessionId
    assert_refused(
        client.post(url, json={"sessionId": session.sessionId}), 409, "CONFLICT", "sessionId"
    )
    read = client.get(f"{CORE}/shipments/{mx1['shipment'].shippingId}").json
    assert [s["visit"] for s in read["sessions"]] == [linked.json["visit"]]
    assert client.delete(f"{url}/{session.uuid}").status_code == 204
    assert client.delete(f"{url}/{session.uuid}").status_code == 404


def test_beamline_staff_register_dewars_of_proposals_they_see(core_app, factory, tokens):
    proposal = factory.proposal(proposalCode="mx", proposalNumber="4")
    factory.session(proposalId=proposal.proposalId, beamLineName="i04")
    client = core_app.test_client()
    headers = tokens.user("grace", "staff", beamlines=["i04"])
    body = {"facilityCode": "DLS-MX-0400"}
    refused = client.post(f"{CORE}/dewar-registry", json=body, headers=headers)
    assert refused.status_code == 403
    created = client.post(
        f"{CORE}/dewar-registry", json={**body, "proposalId": proposal.proposalId}, headers=headers
    )
    assert created.status_code == 201, created.json


def test_a_sample_nothing_refers_to_is_deleted(client, core_db, factory, mx1):
    sample = mx1["samples"][1]
    before = row_counts(core_db)
    assert client.delete(f"{CORE}/samples/{sample.uuid}").status_code == 204
    after = row_counts(core_db)
    assert after["BLSample"] == before["BLSample"] - 1
    assert {table: n for table, n in after.items() if table != "BLSample"} == {
        table: n for table, n in before.items() if table != "BLSample"
    }
    assert client.get(f"{CORE}/samples/{sample.blSampleId}").status_code == 404
    assert client.delete(f"{CORE}/samples/{sample.blSampleId}").status_code == 404
    # its position is free again
    freed = new_sample(mx1, location=sample.location, name="again")
    assert client.post(f"{CORE}/samples", json=freed).status_code == 201


@pytest.mark.parametrize("dependent", ["data collection group", "robot action", "sample group"])
def test_a_sample_something_refers_to_is_kept_with_409(client, core_db, factory, mx1, dependent):
    sample = mx1["samples"][0]
    if dependent == "data collection group":
        session = factory.session(proposalId=mx1["proposal"].proposalId)
        factory.data_collection(
            factory.data_collection_group(session, blSampleId=sample.blSampleId)
        )
        table = "DataCollectionGroup"
    elif dependent == "robot action":
        session = factory.session(proposalId=mx1["proposal"].proposalId)
        stored = client.post(
            f"{CORE}/robot-actions",
            json={
                "blsessionId": session.sessionId,
                "blsampleId": sample.blSampleId,
                "actionType": "LOAD",
                "startTimestamp": "2026-03-01T10:00:00",
            },
        )
        assert stored.status_code == 201, stored.json
        table = "RobotAction"
    else:
        group = factory.sample_group(proposalId=mx1["proposal"].proposalId)
        factory.sample_group_member(group, sample)
        table = "BLSampleGroup_has_BLSample"
    before = row_counts(core_db)
    refused = client.delete(f"{CORE}/samples/{sample.blSampleId}")
    assert_refused(refused, 409, "CONFLICT", "blSampleId")
    assert table in refused.json["message"]
    assert row_counts(core_db) == before


def test_only_those_who_may_change_a_sample_delete_it(core_app, factory, tokens, mx1):
    sample = mx1["samples"][1]
    member = factory.person(login="sample-owner")
    factory.proposal_member(mx1["proposal"], member)
    factory.person(login="stranger")
    client = core_app.test_client()
    url = f"{CORE}/samples/{sample.blSampleId}"
    assert client.delete(url).status_code == 401
    assert client.delete(url, headers=tokens.user("stranger")).status_code == 404
    refused = client.delete(url, headers=tokens.machine("reader", "core:read"))
    assert refused.status_code == 403
    assert client.delete(url, headers=tokens.user("sample-owner")).status_code == 204
