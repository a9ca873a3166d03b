"""Comments on data collections (ISPyB's DataCollectionComment; docs/data-collections.md)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.support.round_trips import sent_to

CORE = "/ispyb/api/v1/core"


@pytest.fixture
def world(factory):
    member = factory.person(login="member", givenName="Ada", familyName="Lovelace")
    other = factory.person(login="other")
    outsider = factory.person(login="outsider")
    proposal = factory.proposal(proposalCode="mx", proposalNumber="1")
    session = factory.session(proposalId=proposal.proposalId, visit_number=1, beamLineName="i03")
    factory.proposal_member(proposal, member)
    factory.proposal_member(proposal, other)
    collection = factory.data_collection(factory.data_collection_group(session))
    return {"member": member, "other": other, "outsider": outsider, "dc": collection}


def as_user(core_app, tokens, login, *roles, beamlines=()):
    client = core_app.test_client()
    header = tokens.user(login, *roles, beamlines=beamlines)["Authorization"]
    client.environ_base["HTTP_AUTHORIZATION"] = header
    return client


def comments_url(world, suffix=""):
    return f"{CORE}/data-collections/{world['dc'].uuid}/comments{suffix}"


def count_comments(core_db) -> int:
    from ispyb_core.models import DataCollectionComment

    with core_db.read_sessionmaker() as session:
        return session.execute(select(func.count()).select_from(DataCollectionComment)).scalar()


def test_a_member_comments_and_everyone_who_sees_the_collection_reads_it(core_app, tokens, world):
    member = as_user(core_app, tokens, "member")
    response = member.post(comments_url(world), json={"comments": "Ice rings at 3.7 A"})
    assert response.status_code == 201, response.json
    comment = response.json
    assert comment["comments"] == "Ice rings at 3.7 A"
    assert comment["personId"] == world["member"].personId
    assert (comment["authorLogin"], comment["authorName"]) == ("member", "Ada Lovelace")
    assert comment["dataCollectionId"] == world["dc"].dataCollectionId
    assert comment["createTime"] and comment["modTime"] is None
    listed = as_user(core_app, tokens, "other").get(comments_url(world)).json
    assert [item["uuid"] for item in listed["results"]] == [comment["uuid"]]
    by_id = member.get(comments_url(world, f"/{comment['dataCollectionCommentId']}"))
    assert by_id.json["uuid"] == comment["uuid"]


def test_the_author_edits_and_deletes_another_member_may_not(core_app, tokens, world, factory):
    comment = factory.data_collection_comment(world["dc"], world["member"])
    url = comments_url(world, f"/{comment.uuid}")
    other = as_user(core_app, tokens, "other")
    assert other.patch(url, json={"comments": "Mine now"}).status_code == 403
    assert other.delete(url).status_code == 403
    member = as_user(core_app, tokens, "member")
    changed = member.patch(url, json={"comments": "Ice rings; reprocess to 2.1 A"})
    assert changed.status_code == 200
    assert changed.json["comments"] == "Ice rings; reprocess to 2.1 A"
    assert changed.json["modTime"] is not None
    assert member.delete(url).status_code == 204
    assert member.get(url).status_code == 404


def test_staff_moderate_beamline_staff_only_on_their_beamline(core_app, tokens, world, factory):
    comment = factory.data_collection_comment(world["dc"], world["member"])
    url = comments_url(world, f"/{comment.uuid}")
    elsewhere = as_user(core_app, tokens, "grace", "staff", beamlines=["i04"])
    assert elsewhere.patch(url, json={"comments": "x"}).status_code == 404  # not visible
    i03 = as_user(core_app, tokens, "heidi", "staff", beamlines=["i03"])
    assert i03.patch(url, json={"comments": "Moderated"}).json["comments"] == "Moderated"
    assert as_user(core_app, tokens, "frank", "staff").delete(url).status_code == 204


def test_outsiders_see_nothing_and_a_caller_without_a_person_cannot_comment(
    core_app, tokens, world, core_db
):
    outsider = as_user(core_app, tokens, "outsider")
    assert outsider.get(comments_url(world)).status_code == 404
    assert outsider.post(comments_url(world), json={"comments": "hi"}).status_code == 404
    nobody = as_user(core_app, tokens, "frank", "staff")  # staff, but no Person row
    response = nobody.post(comments_url(world), json={"comments": "hi"})
    assert response.status_code == 403 and "frank" in response.json["message"]
    reader = core_app.test_client()
    reader.environ_base["HTTP_AUTHORIZATION"] = tokens.machine("r", "core:read")["Authorization"]
    assert reader.get(comments_url(world)).status_code == 200
    assert reader.post(comments_url(world), json={"comments": "hi"}).status_code == 403
    assert count_comments(core_db) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "comments"),
        ({"comments": ""}, "comments"),
        ({"comments": None}, "comments"),
        ({"comments": 5}, "comments"),
        ({"comments": "x" * 4001}, "comments"),
        ({"comments": "ok", "personId": 1}, "personId"),
        ({"comments": "ok", "createTime": "2020-01-01T00:00:00"}, "createTime"),
    ],
)
def test_bad_comments_are_refused_naming_the_field(core_app, tokens, world, core_db, body, field):
    member = as_user(core_app, tokens, "member")
    response = member.post(comments_url(world), json=body)
    assert response.status_code == 422, response.json
    assert field in response.json["details"]
    assert count_comments(core_db) == 0


def test_unknown_collection_or_comment_is_404(core_app, tokens, world, factory):
    member = as_user(core_app, tokens, "member")
    assert member.get(f"{CORE}/data-collections/999999/comments").status_code == 404
    assert member.get(comments_url(world, "/999999")).status_code == 404
    # A comment of another data collection is not found under this one.
    spare = factory.data_collection(factory.data_collection_group(factory.session()))
    stray = factory.data_collection_comment(spare, world["member"])
    assert member.get(comments_url(world, f"/{stray.uuid}")).status_code == 404


def test_listing_comments_costs_a_fixed_number_of_round_trips(
    core_app, tokens, world, factory, core_db
):
    for _ in range(6):
        factory.data_collection_comment(world["dc"], world["member"])
        factory.data_collection_comment(world["dc"], world["other"])
    member = as_user(core_app, tokens, "member")
    for limit in (1, 5, 25):
        with sent_to(core_db) as sent:
            response = member.get(comments_url(world, f"?limit={limit}"))
        assert response.status_code == 200
        assert len(response.json["results"]) == min(limit, 12)
        # The data collection (visibility), then the page and its total.
        assert sent.count <= 3, sent
    with sent_to(core_db) as sent:
        member.get(comments_url(world, "?limit=25&personId=" + str(world["other"].personId)))
    assert sent.count <= 3, sent
