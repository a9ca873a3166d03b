"""Keyset pagination (after=, links.next) beside offset, on every list of the shared helper."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.round_trips import sent_to

CORE = "/ispyb/api/v1/core"


@pytest.fixture
def sweeps(factory):
    """17 sweeps in two sessions; equal and missing start times to make ties and NULLs."""
    proposal = factory.proposal(proposalCode="mx", proposalNumber="1")
    sessions = [factory.session(proposalId=proposal.proposalId, visit_number=n) for n in (1, 2)]
    made = []
    for index in range(17):
        group = factory.data_collection_group(sessions[index % 2])
        start = None if index % 5 == 0 else dt.datetime(2026, 1, 1, 9, index % 4)
        made.append(factory.data_collection(group, startTime=start, runStatus=f"s{index % 3}"))
    return made


def walk(client, url):
    """Every page from ``url`` by following links.next; (ids in order, pages)."""
    ids, pages = [], []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.json
        body = response.json
        pages.append(body)
        ids += [row["dataCollectionId"] for row in body["results"]]
        url = body["links"]["next"]
    return ids, pages


@pytest.mark.parametrize(
    "sort", ["", "-startTime", "runStatus,-startTime", "-runStatus,startTime", "-dataCollectionId"]
)
def test_following_next_links_gives_the_rows_of_the_offset_pages(client, sweeps, sort):
    query = f"sort={sort}&" if sort else ""
    everything = client.get(f"{CORE}/data-collections?{query}limit=1000").json
    expected = [row["dataCollectionId"] for row in everything["results"]]
    assert len(expected) == 17
    ids, pages = walk(client, f"{CORE}/data-collections?{query}limit=4")
    assert ids == expected
    assert len(pages) == 5
    assert pages[0]["total"] == 17 and pages[0]["after"] is None
    # After the first page the total is not counted (the cursor's point is not to).
    assert all(page["total"] is None and page["after"] for page in pages[1:])
    assert pages[-1]["links"]["next"] is None
    # The link keeps the request's filters and sort, and drops the offset.
    link = urlsplit(pages[0]["links"]["next"])
    assert link.path == f"{CORE}/data-collections"
    args = parse_qs(link.query)
    assert args["limit"] == ["4"] and "offset" not in args
    assert args.get("sort", [""]) == [sort] if sort else "sort" not in args


def test_an_offset_page_links_to_the_next_by_cursor(client, sweeps):
    page = client.get(f"{CORE}/data-collections?limit=5&offset=5").json
    following = client.get(page["links"]["next"]).json
    reference = client.get(f"{CORE}/data-collections?limit=5&offset=10").json
    assert following["results"] == reference["results"]


def test_filters_apply_to_cursor_pages(client, sweeps):
    ids, _ = walk(client, f"{CORE}/data-collections?runStatus=s1&limit=2")
    assert ids == [
        row["dataCollectionId"]
        for row in client.get(f"{CORE}/data-collections?runStatus=s1&limit=100").json["results"]
    ]
    assert len(ids) == 6


def test_a_session_s_data_collections_have_cursor_pages_too(client, sweeps):
    ids, pages = walk(client, f"{CORE}/sessions/mx1-1/data-collections?limit=3")
    assert len(ids) == 9 == len(set(ids))
    assert all("bestResult" in row for page in pages for row in page["results"])


def test_a_cursor_page_is_one_statement(client, core_db, sweeps):
    first = client.get(f"{CORE}/data-collections?limit=4").json
    with sent_to(core_db) as sent:
        response = client.get(first["links"]["next"])
    assert response.status_code == 200
    assert sent.count == 1, sent
    assert "count(" not in sent.commands[0].lower()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("after=garbage!", "after"),
        ("after=eyJzIjogIngiLCAidiI6IFtdfQ", "after"),  # a cursor of another sort
        ("after={cursor}&offset=4", "after"),
        ("after={cursor}&sort=-startTime", "after"),  # the sort changed
    ],
)
def test_a_bad_cursor_is_refused_naming_after(client, sweeps, query, field):
    cursor = parse_qs(
        urlsplit(client.get(f"{CORE}/data-collections?limit=4").json["links"]["next"]).query
    )["after"][0]
    response = client.get(f"{CORE}/data-collections?limit=4&" + query.format(cursor=cursor))
    assert response.status_code == 400
    assert response.json["code"] == "INVALID_PARAMETER"
    assert field in response.json["details"]


def test_a_tampered_cursor_value_is_refused(client, sweeps):
    import base64
    import json

    forged = base64.urlsafe_b64encode(
        json.dumps({"s": "startTime", "v": ["not a date", 1]}).encode()
    ).decode()
    response = client.get(f"{CORE}/data-collections?after={forged}")
    assert response.status_code == 400
    assert "after" in response.json["details"]


def test_lists_of_every_resource_have_next_links(client, factory):
    proposal = factory.proposal(proposalCode="mx", proposalNumber="1")
    for number in range(3):
        factory.session(proposalId=proposal.proposalId, visit_number=number + 1)
    visits, url = [], f"{CORE}/sessions?limit=2"
    while url:
        body = client.get(url).json
        visits += [row["visit"] for row in body["results"]]
        url = body["links"]["next"]
    assert sorted(visits) == ["mx1-1", "mx1-2", "mx1-3"]
