"""Idempotency-Key on core's creates (POST /proposals, POST /proposals/{ref}/members):
replay, reuse refused, per caller, racing duplicates, a retry waiting for the first."""

from __future__ import annotations

import threading
import time

from sqlalchemy import func, select

from ispyb_core.models import IdempotencyRecord, Proposal, ProposalHasPerson

CORE = "/ispyb/api/v1/core"
KEY = {"Idempotency-Key": "lims-proposal-4321"}
RECORDS = IdempotencyRecord.__table__


def _proposal_body(factory) -> dict:
    owner = factory.person()
    return {
        "proposalCode": "mx",
        "proposalNumber": "4321",
        "personId": owner.personId,
        "title": "Lysozyme",
        "state": "Open",
    }


def _count(core_db, model) -> int:
    with core_db.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model.__table__)).scalar()


def test_a_retried_proposal_is_the_first_one(client, factory, core_db):
    body = _proposal_body(factory)
    created = client.post(f"{CORE}/proposals", json=body, headers=KEY)
    assert created.status_code == 201, created.json
    replayed = client.post(f"{CORE}/proposals", json=body, headers=KEY)
    assert replayed.status_code == 200
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json == created.json
    assert _count(core_db, Proposal) == 1
    # Without the key, the duplicate is the conflict it always was.
    assert client.post(f"{CORE}/proposals", json=body).status_code == 409


def test_the_same_key_for_another_proposal_is_refused(client, factory, core_db):
    body = _proposal_body(factory)
    assert client.post(f"{CORE}/proposals", json=body, headers=KEY).status_code == 201
    other = client.post(f"{CORE}/proposals", json={**body, "proposalNumber": "9"}, headers=KEY)
    assert other.status_code == 422
    assert other.json["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert list(other.json["details"]) == ["Idempotency-Key"]
    assert _count(core_db, Proposal) == 1


def test_keys_are_per_caller(client, factory, core_db, tokens):
    body = _proposal_body(factory)
    assert client.post(f"{CORE}/proposals", json=body, headers=KEY).status_code == 201
    other_admin = {**KEY, **tokens.user("other-admin", "admin")}
    # Another caller's key is another key: its create runs (and meets the duplicate).
    again = client.post(f"{CORE}/proposals", json=body, headers=other_admin)
    assert again.status_code == 409
    assert again.json["code"] == "CONFLICT"
    fresh = client.post(
        f"{CORE}/proposals", json={**body, "proposalNumber": "5"}, headers=other_admin
    )
    assert fresh.status_code == 201
    assert _count(core_db, Proposal) == 2
    assert _count(core_db, IdempotencyRecord) == 2


def test_a_retried_member_is_added_once(client, factory, core_db):
    proposal = factory.proposal()
    person = factory.person(login="zoe")
    url = f"{CORE}/proposals/{proposal.name}/members"
    member = {"personId": person.personId, "role": "Co-Investigator"}
    added = client.post(url, json=member, headers=KEY)
    assert added.status_code == 201, added.json
    replayed = client.post(url, json=member, headers=KEY)
    assert replayed.status_code == 200
    assert replayed.json == added.json
    # The same body to another proposal is another request.
    other = factory.proposal()
    elsewhere = client.post(f"{CORE}/proposals/{other.name}/members", json=member, headers=KEY)
    assert elsewhere.status_code == 422
    assert elsewhere.json["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert _count(core_db, ProposalHasPerson) == 1


def test_a_refused_create_leaves_the_key_free(client, factory, core_db):
    body = _proposal_body(factory)
    unknown_owner = client.post(f"{CORE}/proposals", json={**body, "personId": 999999}, headers=KEY)
    assert unknown_owner.status_code == 422
    assert _count(core_db, IdempotencyRecord) == 0
    assert client.post(f"{CORE}/proposals", json=body, headers=KEY).status_code == 201


def test_racing_duplicates_create_one_proposal(core_app, client, factory, core_db, tokens):
    body = _proposal_body(factory)
    headers = {**KEY, **tokens.admin()}
    start = threading.Barrier(5)
    answers = []

    def post():
        racer = core_app.test_client()
        start.wait()
        response = racer.post(f"{CORE}/proposals", json=body, headers=headers)
        answers.append((response.status_code, response.json))

    threads = [threading.Thread(target=post) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = [status for status, _ in answers]
    assert statuses.count(201) == 1, answers
    assert set(statuses) <= {200, 201, 409}, answers
    created = next(answer for status, answer in answers if status == 201)
    assert all(answer == created for status, answer in answers if status == 200)
    assert _count(core_db, Proposal) == 1
    assert _count(core_db, IdempotencyRecord) == 1


def test_a_retry_waits_for_the_first_request_and_replays_it(client, factory, core_db):
    """The first request's transaction still open (here: held by the test, holding the
    record the first request would commit): the retry waits, then answers the replay."""
    body = _proposal_body(factory)
    assert client.post(f"{CORE}/proposals", json=body, headers=KEY).status_code == 201
    with core_db.engine.begin() as connection:
        [record] = connection.execute(select(RECORDS)).mappings().all()
        connection.execute(RECORDS.delete())
    held = core_db.engine.connect()
    transaction = held.begin()
    held.execute(
        RECORDS.insert().values(
            {key: value for key, value in record.items() if key != "idempotencyRecordId"}
        )
    )
    answers = []
    retry = threading.Thread(
        target=lambda: answers.append(client.post(f"{CORE}/proposals", json=body, headers=KEY))
    )
    retry.start()
    time.sleep(1)
    assert retry.is_alive(), "the retry did not wait for the first request"
    transaction.commit()
    held.close()
    retry.join(timeout=30)
    [answer] = answers
    assert answer.status_code == 200, answer.json
    assert answer.headers["Idempotent-Replayed"] == "true"
    assert answer.json["name"] == "mx4321"
    assert _count(core_db, Proposal) == 1


def test_a_key_whose_first_request_is_unfinished_is_a_409(client, factory, core_db):
    body = _proposal_body(factory)
    assert client.post(f"{CORE}/proposals", json=body, headers=KEY).status_code == 201
    with core_db.engine.begin() as connection:
        connection.execute(RECORDS.update().values(responseStatus=None, responseBody=None))
    in_use = client.post(f"{CORE}/proposals", json=body, headers=KEY)
    assert in_use.status_code == 409
    assert in_use.json["code"] == "IDEMPOTENCY_KEY_IN_USE"
    assert "Idempotency-Key" in in_use.json["details"]


def test_core_documents_the_header_on_its_creates(client):
    document = client.get(f"{CORE}/swagger.json").json
    for path in ("/proposals", "/proposals/{ref}/members"):
        post = document["paths"][path]["post"]
        assert "Idempotency-Key" in {p["name"] for p in post["parameters"]}, path
        assert "200" in post["responses"], path
