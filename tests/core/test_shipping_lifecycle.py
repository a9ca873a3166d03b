"""Shipment and dewar statuses follow the documented lifecycle (docs/shipments.md); every
change is timestamped."""

import pytest

from tests.core.test_bad_input import row_counts

CORE = "/ispyb/api/v1/core"


@pytest.fixture
def shipped(factory, core_app, tokens):
    """A shipment of mx1 with two dewars; its member and a staff member."""
    proposal = factory.proposal(proposalCode="mx", proposalNumber="1")
    member = factory.person(login="member")
    factory.proposal_member(proposal, member)
    shipment = factory.shipment(proposalId=proposal.proposalId)
    dewars = [factory.dewar(shippingId=shipment.shippingId) for _ in range(2)]
    client = core_app.test_client()
    return {
        "shipment": shipment,
        "dewars": dewars,
        "client": client,
        "member": tokens.user("member"),
        "staff": tokens.user("frank", "staff"),
    }


def set_status(world, who, status, *, dewar=None):
    if dewar is None:
        url, body = f"{CORE}/shipments/{world['shipment'].shippingId}", {"shippingStatus": status}
    else:
        url, body = f"{CORE}/dewars/{dewar.dewarId}", {"dewarStatus": status}
    return world["client"].patch(url, json=body, headers=world[who])


def test_a_shipment_goes_through_its_lifecycle_with_its_dewars(shipped):
    steps = [
        ("member", "ready"),
        ("member", "opened"),
        ("member", "ready"),
        ("member", "sent to facility"),
        ("staff", "at facility"),
        ("staff", "returned"),
    ]
    for who, status in steps:
        response = set_status(shipped, who, status)
        assert response.status_code == 200, (status, response.json)
        assert response.json["shippingStatus"] == status
        assert {d["dewarStatus"] for d in response.json["dewars"]} == {status}
    assert response.json["dateOfShippingToUser"] is not None

    client, headers = shipped["client"], shipped["member"]
    shipment_id = shipped["shipment"].shippingId
    history = client.get(f"{CORE}/shipments/{shipment_id}/history", headers=headers).json
    assert [h["shippingStatus"] for h in history["results"]] == [s for _w, s in steps]
    assert all(h["recordTimeStamp"] for h in history["results"])
    assert [h["changedBy"] for h in history["results"]][-2:] == ["frank", "frank"]
    dewar_id = shipped["dewars"][0].dewarId
    journey = client.get(f"{CORE}/dewars/{dewar_id}/history", headers=headers).json["results"]
    assert [h["dewarStatus"] for h in journey] == [s for _w, s in steps]
    assert all(h["arrivalDate"] for h in journey)


@pytest.mark.parametrize(
    "path, status",
    [
        ([], "at facility"),
        ([], "returned"),
        (["ready"], "at facility"),
        (["ready", "sent to facility"], "opened"),
        (["ready", "sent to facility", "at facility", "returned"], "opened"),
    ],
)
def test_invalid_transitions_are_refused_naming_the_status(shipped, core_db, path, status):
    for step in path:
        assert set_status(shipped, "staff", step).status_code == 200
    before = row_counts(core_db)
    for target in (None, shipped["dewars"][0]):
        response = set_status(shipped, "staff", status, dewar=target)
        assert response.status_code == 409, response.json
        assert response.json["code"] == "CONFLICT"
        field = "shippingStatus" if target is None else "dewarStatus"
        assert "may change to" in response.json["details"][field][0]
    assert row_counts(core_db) == before


def test_facility_steps_are_for_staff(shipped):
    for step in ("ready", "sent to facility"):
        assert set_status(shipped, "member", step).status_code == 200
    for target in (None, shipped["dewars"][1]):
        response = set_status(shipped, "member", "at facility", dewar=target)
        assert response.status_code == 403
        field = "shippingStatus" if target is None else "dewarStatus"
        assert field in response.json["details"]
    # Staff may step back to correct a mistaken scan; users never.
    assert set_status(shipped, "staff", "at facility").status_code == 200
    assert set_status(shipped, "staff", "sent to facility").status_code == 200


def test_a_dewar_received_on_its_own_stays_when_the_shipment_moves(shipped):
    first, second = shipped["dewars"]
    for step in ("ready", "sent to facility"):
        set_status(shipped, "member", step)
    received = set_status(shipped, "staff", "at facility", dewar=first)
    assert received.json["dewarStatus"] == "at facility"
    assert set_status(shipped, "staff", "at facility", dewar=second).status_code == 200
    assert set_status(shipped, "staff", "returned", dewar=first).status_code == 200
    moved = set_status(shipped, "staff", "at facility")
    statuses = {d["dewarId"]: d["dewarStatus"] for d in moved.json["dewars"]}
    assert statuses == {first.dewarId: "returned", second.dewarId: "at facility"}


def test_storage_moves_are_kept_in_the_dewar_history(shipped):
    dewar = shipped["dewars"][0]
    client = shipped["client"]
    for location in ("rack 3", "rack 3", "rack 7"):
        response = client.patch(
            f"{CORE}/dewars/{dewar.dewarId}",
            json={"storageLocation": location},
            headers=shipped["staff"],
        )
        assert response.status_code == 200
    journey = client.get(f"{CORE}/dewars/{dewar.dewarId}/history", headers=shipped["staff"])
    assert [h["storageLocation"] for h in journey.json["results"]] == ["rack 3", "rack 7"]


def test_statuses_written_by_other_programs(factory, client, core_app, tokens):
    """NULL is a shipment being prepared; a status core does not know (SynchWeb's 'at DLS')
    is left to staff to bring into the lifecycle."""
    proposal = factory.proposal()
    member = factory.person(login="legacy-member")
    factory.proposal_member(proposal, member)
    fresh = factory.shipment(proposalId=proposal.proposalId, shippingStatus=None)
    odd = factory.shipment(proposalId=proposal.proposalId, shippingStatus="at DLS")
    user = core_app.test_client()
    headers = tokens.user("legacy-member")
    ready = user.patch(
        f"{CORE}/shipments/{fresh.shippingId}", json={"shippingStatus": "ready"}, headers=headers
    )
    assert ready.status_code == 200
    refused = user.patch(
        f"{CORE}/shipments/{odd.shippingId}", json={"shippingStatus": "ready"}, headers=headers
    )
    assert refused.status_code == 403
    moved = client.patch(f"{CORE}/shipments/{odd.shippingId}", json={"shippingStatus": "returned"})
    assert moved.status_code == 200


def test_status_is_not_chosen_on_creation_and_only_lifecycle_words_are_accepted(client, factory):
    proposal = factory.proposal()
    body = {"proposalId": proposal.proposalId, "shippingName": "new"}
    created = client.post(f"{CORE}/shipments", json=body)
    assert created.status_code == 201 and created.json["shippingStatus"] == "opened"
    refused = client.post(f"{CORE}/shipments", json={**body, "shippingStatus": "returned"})
    assert refused.status_code == 422 and "shippingStatus" in refused.json["details"]
    for status in ("at DLS", None):
        response = client.patch(
            f"{CORE}/shipments/{created.json['shippingId']}", json={"shippingStatus": status}
        )
        assert response.status_code == 422 and "shippingStatus" in response.json["details"]
    dewar = client.post(
        f"{CORE}/dewars", json={"shippingId": created.json["shippingId"], "code": "D"}
    )
    assert dewar.status_code == 201 and dewar.json["dewarStatus"] == "opened"
