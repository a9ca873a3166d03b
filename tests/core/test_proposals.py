CORE = "/ispyb/api/v1/core"


def test_create_and_fetch_by_id_uuid_and_name(client, factory):
    owner = factory.person()
    created = client.post(
        f"{CORE}/proposals",
        json={
            "proposalCode": "mx",
            "proposalNumber": "4321",
            "personId": owner.personId,
            "title": "Lysozyme",
            "state": "Open",
        },
    )
    assert created.status_code == 201, created.json
    body = created.json
    assert body["name"] == "mx4321"
    assert len(body["uuid"]) == 36
    for ref in (body["proposalId"], body["uuid"], "mx4321"):
        fetched = client.get(f"{CORE}/proposals/{ref}")
        assert fetched.status_code == 200
        assert fetched.json["proposalId"] == body["proposalId"]


def test_unknown_proposal_is_404_in_envelope(client):
    for ref in ("999999", "mx0", "2b1c6f7e-0d33-4d5f-9a51-7a3c1f0e8d11", "not a name"):
        response = client.get(f"{CORE}/proposals/{ref}")
        assert response.status_code == 404
        assert response.json["code"] == "NOT_FOUND"
        assert response.json["requestId"]


def test_list_filters_and_sort(client, factory):
    factory.proposal(proposalCode="mx", proposalNumber="2", state="Open")
    factory.proposal(proposalCode="mx", proposalNumber="1", state="Closed")
    factory.proposal(proposalCode="cm", proposalNumber="3", state="Open")

    page = client.get(f"{CORE}/proposals?proposalCode=mx&sort=proposalNumber").json
    assert page["total"] == 2
    assert [p["name"] for p in page["results"]] == ["mx1", "mx2"]

    page = client.get(f"{CORE}/proposals?state=Open&sort=-proposalNumber").json
    assert [p["name"] for p in page["results"]] == ["cm3", "mx2"]

    page = client.get(f"{CORE}/proposals?state.in=Open,Closed&limit=1&offset=1&sort=proposalNumber")
    assert page.json == {**page.json, "total": 3, "limit": 1, "offset": 1}
    assert [p["name"] for p in page.json["results"]] == ["mx2"]

    page = client.get(f"{CORE}/proposals?proposalNumber=3").json
    assert [p["name"] for p in page["results"]] == ["cm3"]


def test_list_limit_bounds(client):
    too_big = client.get(f"{CORE}/proposals?limit=100000")
    assert too_big.status_code == 400
    assert too_big.json["code"] == "INVALID_PARAMETER"
    assert "limit" in too_big.json["details"]
    assert client.get(f"{CORE}/proposals?limit=0").status_code == 400
    assert client.get(f"{CORE}/proposals?offset=-1").status_code == 400
    assert client.get(f"{CORE}/proposals").json["limit"] == 25


def test_sort_is_whitelisted(client):
    response = client.get(f"{CORE}/proposals?sort=-personId")
    assert response.status_code == 400
    assert "sort" in response.json["details"]


def test_update_proposal(client, factory):
    proposal = factory.proposal()
    response = client.patch(f"{CORE}/proposals/{proposal.uuid}", json={"state": "Closed"})
    assert response.status_code == 200
    assert response.json["state"] == "Closed"
    assert client.get(f"{CORE}/proposals/{proposal.proposalId}").json["state"] == "Closed"


def test_update_cannot_duplicate_code_and_number(client, factory):
    factory.proposal(proposalCode="mx", proposalNumber="10")
    other = factory.proposal(proposalCode="mx", proposalNumber="11")
    response = client.patch(f"{CORE}/proposals/{other.proposalId}", json={"proposalNumber": "10"})
    assert response.status_code == 409
    assert "proposalNumber" in response.json["details"]


def test_members_add_list_change_remove(client, factory):
    proposal = factory.proposal()
    person = factory.person(login="zoe", familyName="Zimmer")
    url = f"{CORE}/proposals/{proposal.name}/members"

    added = client.post(url, json={"personId": person.personId, "role": "Co-Investigator"})
    assert added.status_code == 201, added.json
    assert added.json["person"]["login"] == "zoe"

    again = client.post(url, json={"personId": person.personId, "role": "Associate"})
    assert again.status_code == 409
    assert "personId" in again.json["details"]

    listed = client.get(url).json
    assert listed["total"] == 1
    assert listed["results"][0]["role"] == "Co-Investigator"

    changed = client.patch(f"{url}/zoe", json={"role": "Associate"})
    assert changed.status_code == 200
    assert changed.json["role"] == "Associate"
    assert client.get(f"{url}?role=Associate").json["total"] == 1

    assert client.delete(f"{url}/{person.uuid}").status_code == 204
    assert client.get(url).json["total"] == 0
    assert client.get(f"{url}/zoe").status_code == 404
    # The person stays.
    assert client.get(f"{CORE}/persons/zoe").status_code == 200


def test_member_role_must_be_known(client, factory):
    proposal = factory.proposal()
    person = factory.person()
    response = client.post(
        f"{CORE}/proposals/{proposal.proposalId}/members",
        json={"personId": person.personId, "role": "Emperor"},
    )
    assert response.status_code == 422
    assert "role" in response.json["details"]
