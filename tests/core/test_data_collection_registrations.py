"""A group and its data collection in one idempotent call keyed by the caller's key: a
retry returns the same rows, an undo by key removes them and keeps the key cancelled, so a
registration delayed in the network and arriving after its undo creates nothing."""

from __future__ import annotations

import pytest

from tests.support.checks import names_field

CORE = "/ispyb/api/v1/core"


@pytest.fixture
def i03(factory):
    return factory.session(beamLineName="i03")


def body(session, **collection):
    return {
        "dataCollectionGroup": {
            "sessionId": session.sessionId,
            "experimentType": "SSX-Chip",
            "startTime": "2026-01-01T10:00:00",
        },
        "dataCollection": {
            "startTime": "2026-01-01T10:00:00",
            "numberOfImages": 100,
            "imagePrefix": "chip",
            **collection,
        },
    }


def counts(client) -> tuple[int, int]:
    groups = client.get(f"{CORE}/data-collection-groups").json["total"]
    collections = client.get(f"{CORE}/data-collections").json["total"]
    return groups, collections


def test_a_registration_and_its_retry(client, i03):
    first = client.put(f"{CORE}/data-collection-registrations/run-1", json=body(i03))
    assert first.status_code == 201, first.json
    registered = first.json
    assert registered["status"] == "registered"
    assert registered["registrationKey"] == "run-1"
    assert registered["dataCollection"]["imagePrefix"] == "chip"
    assert registered["dataCollection"]["experimentType"] == "SSX-Chip"
    assert registered["dataCollectionGroup"]["sessionUUID"] == i03.uuid
    assert registered["dataCollectionId"] == registered["dataCollection"]["dataCollectionId"]
    # The same body again, written differently (a zone on the time): the same rows.
    again = body(i03)
    again["dataCollection"]["startTime"] = "2026-01-01T10:00:00+00:00"
    retry = client.put(f"{CORE}/data-collection-registrations/run-1", json=again)
    assert retry.status_code == 200, retry.json
    assert retry.json == registered
    assert counts(client) == (1, 1)


def test_the_same_key_with_another_body_is_refused(client, i03):
    assert client.put(f"{CORE}/data-collection-registrations/k", json=body(i03)).status_code == 201
    other = client.put(f"{CORE}/data-collection-registrations/k", json=body(i03, numberOfImages=5))
    assert other.status_code == 422
    assert other.json["details"] == {"key": ["Already used for another data collection."]}
    assert counts(client) == (1, 1)


def test_an_undo_removes_the_rows_and_the_key_stays_cancelled(client, i03):
    client.put(f"{CORE}/data-collection-registrations/k", json=body(i03))
    undone = client.delete(f"{CORE}/data-collection-registrations/k")
    assert undone.status_code == 200, undone.json
    assert undone.json["status"] == "cancelled"
    assert undone.json["dataCollection"] is None and undone.json["dataCollectionId"] is None
    assert undone.json["cancelledAt"]
    assert counts(client) == (0, 0)
    assert client.delete(f"{CORE}/data-collection-registrations/k").status_code == 200
    late = client.put(f"{CORE}/data-collection-registrations/k", json=body(i03))
    assert late.status_code == 409
    assert late.json["code"] == "CONFLICT"
    assert counts(client) == (0, 0)


def test_an_undo_arriving_before_the_registration_wins(client, i03):
    """The registration was delayed in the network; its undo got there first."""
    early = client.delete(f"{CORE}/data-collection-registrations/k")
    assert early.status_code == 200
    assert early.json["status"] == "cancelled"
    late = client.put(f"{CORE}/data-collection-registrations/k", json=body(i03))
    assert late.status_code == 409
    assert counts(client) == (0, 0)


def test_an_undo_keeps_other_sweeps_of_the_group(client, i03, factory):
    registered = client.put(f"{CORE}/data-collection-registrations/k", json=body(i03)).json
    group_id = registered["dataCollectionGroupId"]
    added = client.post(
        f"{CORE}/data-collections", json={"dataCollectionGroupId": group_id, "imagePrefix": "x"}
    )
    assert added.status_code == 201
    assert client.delete(f"{CORE}/data-collection-registrations/k").status_code == 200
    assert counts(client) == (1, 1)


def test_a_processed_data_collection_cannot_be_undone(client, i03, factory):
    from ispyb_core.data_collections.models import DataCollection

    registered = client.put(f"{CORE}/data-collection-registrations/k", json=body(i03)).json
    collection = DataCollection(dataCollectionId=registered["dataCollectionId"])
    factory.processing_run(collection)
    refused = client.delete(f"{CORE}/data-collection-registrations/k")
    assert refused.status_code == 409
    assert counts(client) == (1, 1)
    retry = client.put(f"{CORE}/data-collection-registrations/k", json=body(i03))
    assert retry.status_code == 200


@pytest.mark.parametrize(
    ("key", "sent", "field"),
    [
        ("bad key!", None, "key"),
        ("x" * 65, None, "key"),
        ("k", {"dataCollectionGroup": {"experimentType": "OSC"}}, "dataCollection"),
        ("k", {"dataCollection": {}}, "dataCollectionGroup"),
        ("k", "no-session", "dataCollectionGroup.sessionId"),
        ("k", "bad-type", "dataCollectionGroup"),
        ("k", "negative", "dataCollection"),
        ("k", "group-id", "dataCollection"),
        ("k", "extra", "comment"),
    ],
)
def test_bad_registrations_write_nothing(client, i03, key, sent, field):
    sent_body = body(i03)
    if sent == "no-session":
        sent_body["dataCollectionGroup"]["sessionId"] = 999999
    elif sent == "bad-type":
        sent_body["dataCollectionGroup"]["experimentType"] = "Explosion"
    elif sent == "negative":
        sent_body["dataCollection"]["wavelength"] = -1.0
    elif sent == "group-id":
        sent_body["dataCollection"]["dataCollectionGroupId"] = 1
    elif sent == "extra":
        sent_body["comment"] = "x"
    elif sent is not None:
        sent_body = sent
    answer = client.put(f"{CORE}/data-collection-registrations/{key}", json=sent_body)
    assert answer.status_code == 422, answer.json
    assert names_field(answer.json["details"], field), answer.json
    assert counts(client) == (0, 0)
    # Nothing was recorded under the key either: a good body is still accepted.
    if key == "k":
        assert (
            client.put(f"{CORE}/data-collection-registrations/k", json=body(i03)).status_code == 201
        )


def test_staff_of_another_beamline_can_neither_register_nor_undo(core_app, client, i03, tokens):
    other = core_app.test_client()
    i04 = tokens.user("grace", "staff", beamlines=["i04"])
    refused = other.put(f"{CORE}/data-collection-registrations/k", json=body(i03), headers=i04)
    assert refused.status_code == 403
    assert client.put(f"{CORE}/data-collection-registrations/k", json=body(i03)).status_code == 201
    assert (
        other.put(
            f"{CORE}/data-collection-registrations/k", json=body(i03), headers=i04
        ).status_code
        == 403
    )
    assert other.delete(f"{CORE}/data-collection-registrations/k", headers=i04).status_code == 403
    assert counts(client) == (1, 1)
    beamline = tokens.machine("beamline", "core:acquisition:write")
    assert (
        other.delete(f"{CORE}/data-collection-registrations/k", headers=beamline).status_code == 200
    )
    assert counts(client) == (0, 0)


def test_the_operations_are_documented(client):
    swagger = client.get(f"{CORE}/swagger.json").json
    operations = swagger["paths"]["/data-collection-registrations/{key}"]
    assert set(operations) >= {"put", "delete"}
    assert "schema" in operations["put"]["responses"]["201"]
    assert "schema" in operations["delete"]["responses"]["200"]
