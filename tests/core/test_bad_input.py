"""Every kind of bad input gets a 4xx in the envelope naming the field; nothing is written."""

import pytest
from sqlalchemy import func, select

from ispyb_core.models import Base

CORE = "/ispyb/api/v1/core"


def row_counts(core_db):
    with core_db.engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
        }


@pytest.fixture
def targets(factory):
    """(method, url, a valid body) for every endpoint that takes a body."""
    proposal = factory.proposal()
    person = factory.person()
    session = factory.session(proposalId=proposal.proposalId)
    contact = factory.lab_contact(proposalId=proposal.proposalId, personId=person.personId)
    lab = factory.laboratory()
    member_person = factory.person()
    factory.proposal_member(proposal, person)
    factory.session_member(session, person)
    return {
        "create proposal": (
            "post",
            f"{CORE}/proposals",
            {"proposalCode": "mx", "proposalNumber": "1", "personId": person.personId},
        ),
        "update proposal": ("patch", f"{CORE}/proposals/{proposal.proposalId}", {"title": "x"}),
        "create session": (
            "post",
            f"{CORE}/sessions",
            {
                "proposalId": proposal.proposalId,
                "beamLineName": "i03",
                "startDate": "2026-01-01T00:00:00",
                "endDate": "2026-01-02T00:00:00",
            },
        ),
        "update session": ("patch", f"{CORE}/sessions/{session.sessionId}", {"comments": "x"}),
        "create person": ("post", f"{CORE}/persons", {"familyName": "X", "login": "newlogin"}),
        "update person": ("patch", f"{CORE}/persons/{person.personId}", {"givenName": "Y"}),
        "create laboratory": ("post", f"{CORE}/laboratories", {"name": "L"}),
        "update laboratory": ("patch", f"{CORE}/laboratories/{lab.laboratoryId}", {"city": "C"}),
        "create lab contact": (
            "post",
            f"{CORE}/lab-contacts",
            {
                "proposalId": proposal.proposalId,
                "personId": member_person.personId,
                "cardName": "new card",
            },
        ),
        "update lab contact": (
            "patch",
            f"{CORE}/lab-contacts/{contact.labContactId}",
            {"courierAccount": "1"},
        ),
        "add proposal member": (
            "post",
            f"{CORE}/proposals/{proposal.proposalId}/members",
            {"personId": member_person.personId, "role": "Associate"},
        ),
        "change proposal member": (
            "patch",
            f"{CORE}/proposals/{proposal.proposalId}/members/{person.personId}",
            {"role": "Associate"},
        ),
        "add session member": (
            "post",
            f"{CORE}/sessions/{session.sessionId}/members",
            {"personId": member_person.personId, "role": "Staff"},
        ),
        "change session member": (
            "patch",
            f"{CORE}/sessions/{session.sessionId}/members/{person.personId}",
            {"role": "Staff"},
        ),
    }


def send(client, method, url, **kwargs):
    return getattr(client, method)(url, **kwargs)


def assert_refused(response, status, code, field=None):
    assert response.status_code == status, response.json
    body = response.json
    assert set(body) == {"code", "message", "details", "requestId"}
    assert body["code"] == code
    if field is not None:
        assert field in body["details"], body


def test_valid_bodies_are_accepted(client, targets):
    for name, (method, url, body) in targets.items():
        response = send(client, method, url, json=body)
        assert response.status_code in (200, 201), (name, response.json)


def test_malformed_json(client, core_db, targets):
    before = row_counts(core_db)
    for method, url, _ in targets.values():
        response = send(client, method, url, data='{"title": ', content_type="application/json")
        assert_refused(response, 400, "BAD_REQUEST")
        response = send(client, method, url, data="[1, 2]", content_type="application/json")
        assert_refused(response, 422, "VALIDATION_ERROR", "_body")
        response = send(
            client, method, url, data="title=x", content_type="application/x-www-form-urlencoded"
        )
        assert_refused(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert row_counts(core_db) == before


def test_unknown_fields(client, core_db, targets):
    before = row_counts(core_db)
    for method, url, body in targets.values():
        response = send(client, method, url, json={**body, "notAColumn": 1})
        assert_refused(response, 422, "VALIDATION_ERROR", "notAColumn")
    assert row_counts(core_db) == before


def test_read_only_fields_cannot_be_written(client, core_db, targets):
    before = row_counts(core_db)
    method, url, body = targets["create proposal"]
    assert_refused(
        send(client, method, url, json={**body, "uuid": "x"}), 422, "VALIDATION_ERROR", "uuid"
    )
    assert_refused(
        send(client, method, url, json={**body, "proposalId": 5}),
        422,
        "VALIDATION_ERROR",
        "proposalId",
    )
    assert row_counts(core_db) == before


@pytest.mark.parametrize(
    "target, field, value",
    [
        ("create proposal", "personId", "seven"),
        ("create proposal", "title", 12),
        ("create session", "nbShifts", "many"),
        ("create session", "scheduled", "perhaps"),
        ("update session", "visit_number", 1.5),
        ("create person", "laboratoryId", [1]),
        ("create laboratory", "laboratoryPk", {"a": 1}),
        ("add session member", "remote", "sometimes"),
        ("create session", "nbShifts", 2**40),
    ],
)
def test_wrong_types(client, core_db, targets, target, field, value):
    before = row_counts(core_db)
    method, url, body = targets[target]
    assert_refused(
        send(client, method, url, json={**body, field: value}), 422, "VALIDATION_ERROR", field
    )
    assert row_counts(core_db) == before


@pytest.mark.parametrize(
    "target, field",
    [
        ("create proposal", "proposalCode"),
        ("create proposal", "proposalNumber"),
        ("create proposal", "personId"),
        ("create session", "proposalId"),
        ("create session", "startDate"),
        ("create session", "beamLineName"),
        ("create person", "familyName"),
        ("create laboratory", "name"),
        ("create lab contact", "cardName"),
        ("add proposal member", "personId"),
        ("add session member", "personId"),
    ],
)
def test_missing_required_fields(client, core_db, targets, target, field):
    before = row_counts(core_db)
    method, url, body = targets[target]
    without = {key: value for key, value in body.items() if key != field}
    assert_refused(send(client, method, url, json=without), 422, "VALIDATION_ERROR", field)
    # null is not a way around it
    assert_refused(
        send(client, method, url, json={**body, field: None}), 422, "VALIDATION_ERROR", field
    )
    assert row_counts(core_db) == before


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00", "2026-02-30", 20260101])
def test_bad_dates(client, core_db, targets, value):
    before = row_counts(core_db)
    for target in ("create session", "update session"):
        method, url, body = targets[target]
        assert_refused(
            send(client, method, url, json={**body, "startDate": value}),
            422,
            "VALIDATION_ERROR",
            "startDate",
        )
    assert row_counts(core_db) == before


@pytest.mark.parametrize(
    "target, field, limit",
    [
        ("create proposal", "title", 200),
        ("update proposal", "title", 200),
        ("create session", "comments", 2000),
        ("create person", "familyName", 100),
        ("create laboratory", "name", 45),
        ("create lab contact", "cardName", 40),
    ],
)
def test_too_long_strings(client, core_db, targets, target, field, limit):
    before = row_counts(core_db)
    method, url, body = targets[target]
    assert_refused(
        send(client, method, url, json={**body, field: "x" * (limit + 1)}),
        422,
        "VALIDATION_ERROR",
        field,
    )
    assert row_counts(core_db) == before
    assert send(client, method, url, json={**body, field: "x" * limit}).status_code in (200, 201)


@pytest.mark.parametrize(
    "target, field",
    [
        ("create proposal", "personId"),
        ("update proposal", "personId"),
        ("create session", "proposalId"),
        ("create person", "laboratoryId"),
        ("update person", "laboratoryId"),
        ("create lab contact", "personId"),
        ("create lab contact", "proposalId"),
        ("add proposal member", "personId"),
        ("add session member", "personId"),
    ],
)
def test_references_to_missing_rows(client, core_db, targets, target, field):
    before = row_counts(core_db)
    method, url, body = targets[target]
    assert_refused(
        send(client, method, url, json={**body, field: 987654}), 422, "VALIDATION_ERROR", field
    )
    assert row_counts(core_db) == before


def test_duplicates_of_unique_keys(client, core_db, factory, targets):
    existing = factory.person(login="dupe")
    factory.proposal(proposalCode="mx", proposalNumber="1")
    before = row_counts(core_db)
    method, url, body = targets["create proposal"]
    assert_refused(send(client, method, url, json=body), 409, "CONFLICT", "proposalNumber")
    method, url, body = targets["create person"]
    assert_refused(
        send(client, method, url, json={**body, "login": "dupe"}), 409, "CONFLICT", "login"
    )
    method, url, body = targets["update person"]
    assert_refused(
        send(client, method, url, json={"login": existing.login}), 409, "CONFLICT", "login"
    )
    assert row_counts(core_db) == before


def test_bad_enum_and_format_values(client, core_db, targets):
    before = row_counts(core_db)
    method, url, body = targets["create proposal"]
    assert_refused(
        send(client, method, url, json={**body, "state": "Pending"}),
        422,
        "VALIDATION_ERROR",
        "state",
    )
    assert_refused(
        send(client, method, url, json={**body, "proposalCode": "m1"}),
        422,
        "VALIDATION_ERROR",
        "proposalCode",
    )
    method, url, body = targets["create person"]
    assert_refused(
        send(client, method, url, json={**body, "emailAddress": "not-an-email"}),
        422,
        "VALIDATION_ERROR",
        "emailAddress",
    )
    assert row_counts(core_db) == before


def test_bad_query_parameters(client):
    for query, name in [
        ("limit=ten", "limit"),
        ("proposalId=abc", "proposalId"),
        ("startDate.gte=someday", "startDate.gte"),
        ("beamLineName.gt=i03", "beamLineName.gt"),
        ("bogus=1", "bogus"),
        ("scheduled=maybe", "scheduled"),
    ]:
        response = client.get(f"{CORE}/sessions?{query}")
        assert_refused(response, 400, "INVALID_PARAMETER", name)


def test_body_too_large(client, targets):
    method, url, _body = targets["create laboratory"]
    response = send(
        client,
        method,
        url,
        data=b'{"name": "' + b"x" * (11 * 1024 * 1024) + b'"}',
        content_type="application/json",
    )
    assert_refused(response, 413, "PAYLOAD_TOO_LARGE")
