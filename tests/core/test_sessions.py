CORE = "/ispyb/api/v1/core"


def test_create_assigns_next_visit_number(client, factory):
    proposal = factory.proposal(proposalCode="mx", proposalNumber="77")
    body = {
        "proposalId": proposal.proposalId,
        "beamLineName": "i04",
        "startDate": "2026-03-01T09:00:00",
        "endDate": "2026-03-02T09:00:00",
    }
    first = client.post(f"{CORE}/sessions", json=body)
    second = client.post(f"{CORE}/sessions", json=body)
    assert first.status_code == 201, first.json
    assert first.json["visit"] == "mx77-1"
    assert second.json["visit"] == "mx77-2"
    assert second.json["proposalUUID"] == proposal.uuid

    explicit = client.post(f"{CORE}/sessions", json={**body, "visit_number": 2})
    assert explicit.status_code == 409
    assert "visit_number" in explicit.json["details"]


def test_fetch_by_id_uuid_and_visit_name(client, factory):
    proposal = factory.proposal(proposalCode="cm", proposalNumber="5")
    session = factory.session(proposalId=proposal.proposalId, visit_number=3)
    for ref in (session.sessionId, session.uuid, "cm5-3"):
        response = client.get(f"{CORE}/sessions/{ref}")
        assert response.status_code == 200, ref
        assert response.json["visit"] == "cm5-3"
    assert client.get(f"{CORE}/sessions/cm5-4").status_code == 404
    assert client.get(f"{CORE}/sessions/cm6-3").status_code == 404


def test_filters_by_proposal_beamline_and_dates(client, factory):
    import datetime as dt

    mine = factory.proposal(proposalCode="mx", proposalNumber="1")
    other = factory.proposal(proposalCode="mx", proposalNumber="2")
    jan = dt.datetime(2026, 1, 10, 8)
    feb = dt.datetime(2026, 2, 10, 8)
    factory.session(proposalId=mine.proposalId, beamLineName="i03", startDate=jan)
    factory.session(proposalId=mine.proposalId, beamLineName="i04", startDate=feb)
    factory.session(proposalId=other.proposalId, beamLineName="i03", startDate=feb)

    def visits(query):
        response = client.get(f"{CORE}/sessions?{query}")
        assert response.status_code == 200, response.json
        return sorted(
            s["visit"].split("-")[0] + "@" + s["beamLineName"] for s in response.json["results"]
        )

    assert visits(f"proposalId={mine.proposalId}") == ["mx1@i03", "mx1@i04"]
    assert visits("proposal=mx2") == ["mx2@i03"]
    assert visits("beamLineName=i03") == ["mx1@i03", "mx2@i03"]
    assert visits("startDate.gte=2026-02-01") == ["mx1@i04", "mx2@i03"]
    assert visits("startDate.lt=2026-02-01T00:00:00") == ["mx1@i03"]
    # Sessions running at some time in [Jan 10 20:00, Jan 11 00:00].
    assert visits("startDate.lte=2026-01-11&endDate.gte=2026-01-10T20:00:00") == ["mx1@i03"]
    assert visits("beamLineName.in=i04,i99&proposal=mx1") == ["mx1@i04"]


def test_default_sort_is_newest_first(client, factory):
    import datetime as dt

    early = factory.session(startDate=dt.datetime(2025, 1, 1))
    late = factory.session(startDate=dt.datetime(2026, 1, 1))
    ids = [s["sessionId"] for s in client.get(f"{CORE}/sessions").json["results"]]
    assert ids == [late.sessionId, early.sessionId]


def test_end_before_start_is_refused(client, factory):
    proposal = factory.proposal()
    response = client.post(
        f"{CORE}/sessions",
        json={
            "proposalId": proposal.proposalId,
            "beamLineName": "i03",
            "startDate": "2026-03-02T09:00:00",
            "endDate": "2026-03-01T09:00:00",
        },
    )
    assert response.status_code == 422
    assert "endDate" in response.json["details"]
    session = factory.session()
    response = client.patch(
        f"{CORE}/sessions/{session.sessionId}", json={"endDate": "2000-01-01T00:00:00"}
    )
    assert response.status_code == 422
    assert "endDate" in response.json["details"]


def test_update_session(client, factory):
    session = factory.session()
    response = client.patch(
        f"{CORE}/sessions/{session.uuid}", json={"comments": "beam dump at 3am", "archived": True}
    )
    assert response.status_code == 200
    assert response.json["comments"] == "beam dump at 3am"
    assert response.json["archived"] is True


def test_session_members(client, factory):
    session = factory.session()
    person = factory.person(login="lc1")
    url = f"{CORE}/sessions/{session.sessionId}/members"
    added = client.post(
        url, json={"personId": person.personId, "role": "Local Contact", "remote": True}
    )
    assert added.status_code == 201, added.json
    assert added.json["remote"] is True
    assert client.post(url, json={"personId": person.personId}).status_code == 409
    assert client.get(f"{url}?role=Local%20Contact").json["total"] == 1
    assert client.patch(f"{url}/lc1", json={"remote": False}).json["remote"] is False
    assert client.delete(f"{url}/lc1").status_code == 204
    assert client.get(url).json["total"] == 0
