"""The Java dialect (/compat/java): EXI's form login and the MX welcome -> session ->
data-collection routes with the token in the path; bad input; the token never logged."""

from __future__ import annotations

import io
import json
import logging

import pytest

from ispyb_shared.logging import JsonFormatter
from tests.compat.conftest import PREFIX

JAVA = f"{PREFIX}/java"


def java_token(tokens, login, *roles, beamlines=()):
    return tokens.mint(login, roles=roles, beamlines=beamlines, purpose="compat-java")


def test_login_is_auths_with_the_java_purpose(compat_app, compat, tokens):
    auth = compat_app.extensions["test_auth"]
    minted = java_token(tokens, "frank", "staff")
    auth.answers["/login"] = (200, {"access_token": minted, "expires_in": 1800})
    answer = compat.post(
        f"{JAVA}/authenticate?site=ESRF", data={"login": "frank", "password": "pw"}
    )
    assert answer.status_code == 200, answer.json
    assert answer.json == {
        "token": minted,
        "roles": ["Manager"],
        "user": "frank",
        "expiresIn": 1800,
    }
    (call,) = [c for c in auth.calls if c[1] == "/login"]
    assert call[2] == {
        "plugin": "local",
        "username": "frank",
        "password": "pw",
        "purpose": "compat-java",
    }


def test_a_plain_user_is_a_user(compat_app, compat, tokens):
    compat_app.extensions["test_auth"].answers["/login"] = (
        200,
        {"access_token": java_token(tokens, "member")},
    )
    answer = compat.post(f"{JAVA}/authenticate", data={"login": "member", "password": "pw"})
    assert answer.json["roles"] == ["User"]


def test_a_failed_login_is_auths_401(compat_app, compat):
    compat_app.extensions["test_auth"].answers["/login"] = (
        401,
        {"code": "UNAUTHORIZED", "message": "Wrong login or password.", "details": None},
    )
    answer = compat.post(f"{JAVA}/authenticate", data={"login": "x", "password": "y"})
    assert answer.status_code == 401


@pytest.mark.parametrize(
    "form, field",
    [({}, "login"), ({"login": "x"}, "password"), ({"login": "x" * 300, "password": "y"}, "login")],
)
def test_login_bad_input_names_the_field(compat, form, field):
    answer = compat.post(f"{JAVA}/authenticate", data=form)
    assert answer.status_code == 400
    assert field in answer.json["details"]


def test_the_welcome_session_and_data_collection_path(compat, world, tokens):
    token = java_token(tokens, "member")
    sessions = compat.get(f"{JAVA}/{token}/session/list").json
    assert [row["sessionId"] for row in sessions] == [world.mx1_1.sessionId]
    row = sessions[0]
    assert row["Proposal_proposalCode"] == "mx" and row["Proposal_ProposalNumber"] == "1"
    assert row["Proposal_title"] == "Lysozyme" and row["beamLineName"] == "i03"
    assert row["dataCollectionGroupCount"] == 1
    proposals = compat.get(f"{JAVA}/{token}/proposal/list").json
    assert [p["Proposal_title"] for p in proposals] == ["Lysozyme"]
    (info,) = compat.get(f"{JAVA}/{token}/proposal/mx1/info/get").json
    assert info["proposal"][0]["Proposal_proposalId"] == world.mx1.proposalId
    assert info["macromolecules"] == [] and isinstance(info["proteins"], list)
    listed = compat.get(f"{JAVA}/{token}/proposal/mx1/session/list").json
    assert [r["sessionId"] for r in listed] == [world.mx1_1.sessionId]
    dcs = compat.get(
        f"{JAVA}/{token}/proposal/mx1/mx/datacollection/session/{world.mx1_1.sessionId}/list"
    ).json
    assert sorted(r["DataCollection_dataCollectionId"] for r in dcs) == sorted(
        dc.dataCollectionId for dc in world.dcs
    )
    assert {r["DataCollectionGroup_dataCollectionGroupId"] for r in dcs} == {
        world.group.dataCollectionGroupId
    }
    one = world.dcs[0].dataCollectionId
    (dc,) = compat.get(f"{JAVA}/{token}/proposal/mx1/mx/datacollection/{one}/list").json
    assert dc["DataCollection_dataCollectionId"] == one


def test_managers_see_sessions_between_two_days(compat, world, tokens):
    token = java_token(tokens, "frank", "staff")
    start = world.mx1_1.startDate.strftime("%Y%m%d")
    rows = compat.get(f"{JAVA}/{token}/proposal/session/date/{start}/{start}/list").json
    assert world.mx1_1.sessionId in [row["sessionId"] for row in rows]
    assert compat.get(f"{JAVA}/{token}/proposal/session/date/19000101/19000102/list").json == []


def test_another_proposals_session_or_collection_is_not_shown(compat, world, tokens):
    token = java_token(tokens, "member")
    other = world.mx2_1.sessionId
    assert (
        compat.get(f"{JAVA}/{token}/proposal/mx1/mx/datacollection/session/{other}/list").json == []
    )
    dc = world.other_dc.dataCollectionId
    answer = compat.get(f"{JAVA}/{token}/proposal/mx1/mx/datacollection/{dc}/list")
    assert answer.status_code == 404
    assert compat.get(f"{JAVA}/{token}/proposal/mx2/info/get").status_code == 404


@pytest.mark.parametrize(
    "path, field",
    [
        ("/proposal/mx-1/session/list", "proposal"),
        ("/proposal/1234/info/get", "proposal"),
        ("/proposal/session/date/2026131/20261201/list", "start"),
        ("/proposal/session/date/20261301/20261201/list", "start"),
        ("/proposal/session/date/20261201/2026-12-02/list", "end"),
        ("/proposal/session/date/20261202/20261201/list", "end"),
        ("/proposal/mx1/mx/datacollection/session/0/list", "sessionId"),
        ("/proposal/mx1/mx/datacollection/0/list", "dataCollectionId"),
    ],
)
def test_bad_input_names_the_field(compat, world, tokens, path, field):
    answer = compat.get(f"{JAVA}/{java_token(tokens, 'member')}{path}")
    assert answer.status_code == 400, answer.json
    assert field in answer.json["details"]


def test_only_a_java_token_is_accepted_in_the_path(compat, world, tokens):
    ordinary = tokens.mint("member")
    answer = compat.get(f"{JAVA}/{ordinary}/session/list")
    assert answer.status_code == 401
    assert compat.get(f"{JAVA}/not-a-token/session/list").status_code == 401
    expired = tokens.mint("member", purpose="compat-java", lifetime=-120)
    assert compat.get(f"{JAVA}/{expired}/session/list").status_code == 401


def test_the_path_token_is_in_no_log_line(compat, world, tokens):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("compat"))
    logging.getLogger().addHandler(handler)
    token = java_token(tokens, "member")
    try:
        compat.get(f"{JAVA}/{token}/session/list")
        compat.get(f"{JAVA}/{token}/proposal/mx1/mx/datacollection/session/0/list")
        compat.get(f"{JAVA}/{token}/nowhere")
    finally:
        logging.getLogger().removeHandler(handler)
    text = stream.getvalue()
    assert token not in text
    assert any(
        "/java/[REDACTED]/session/list" in json.loads(line).get("message", "")
        for line in text.splitlines()
    )
