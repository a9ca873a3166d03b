"""compat for real, as py-ispyb-ui reaches it: `make run` (tools/run.py) with core, auth and
compat behind the gateway, on the demo data: login in py-ispyb's shape at compat, then the
UI's home, proposals, sessions and session pages with the fields the UI reads; no token
in any log afterwards."""

from __future__ import annotations

import json

import pytest

from tests.gateway.support import RunningStack

PY = "/ispyb/api/v1/compat/pyispyb"


@pytest.fixture(scope="module")
def stack(tmp_path_factory, tokens):
    stack = RunningStack(
        tmp_path_factory.mktemp("var"), ["core", "auth", "compat"], tokens, real_auth=True
    )
    stack.start()
    yield stack
    stack.stop()


def test_py_ispyb_ui_tour_on_the_demo_data(stack):
    config = stack.gateway("GET", f"{PY}/auth/config").json()
    assert {"name": "local", "config": {}} in config["plugins"]
    answer = stack.gateway(
        "POST",
        f"{PY}/auth/login",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"plugin": "local", "login": "alice", "password": "demo-alice"}).encode(),
    )
    assert answer.status == 201, answer.json()
    token = answer.json()["token"]
    assert answer.json()["login"] == "alice"
    headers = {"Authorization": f"Bearer {token}"}

    me = stack.gateway("GET", f"{PY}/user/current", headers=headers).json()
    assert me["login"] == "alice" and isinstance(me["Permissions"], list)
    assert isinstance(stack.gateway("GET", f"{PY}/options/ui", headers=headers).json()["motd"], str)
    proposals = stack.gateway("GET", f"{PY}/proposals?skip=0&limit=9999", headers=headers).json()
    assert proposals["total"] >= 1 and proposals["limit"] == 1000
    assert all(isinstance(row["_metadata"]["sessions"], int) for row in proposals["results"])
    sessions = stack.gateway("GET", f"{PY}/sessions?skip=0&limit=10", headers=headers).json()
    assert sessions["results"], sessions
    session = sessions["results"][-1]
    assert isinstance(session["session"], str) and isinstance(session["_metadata"]["active"], bool)
    events = stack.gateway(
        "GET", f"{PY}/events?skip=0&limit=10&sessionId={session['sessionId']}", headers=headers
    ).json()
    assert isinstance(events["results"], list)
    for event in events["results"]:
        assert event["type"] == "dc" and isinstance(event["count"], int)

    wrong = stack.gateway(
        "POST",
        f"{PY}/auth/login",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"plugin": "local", "login": "alice", "password": "no"}).encode(),
    )
    assert wrong.status == 401 and wrong.json()["detail"]

    for log in (stack.var_dir / "log").glob("*.log"):
        assert token not in log.read_text(), log.name


def test_a_snapshot_redirect_gives_an_img_the_bytes(stack):
    """py-ispyb-ui's card: ``/datacollections/images/{id}?snapshot=true`` answers a 302 to
    core's signed URL through the gateway; fetched without a token (as an ``<img>``), that
    URL answers the JPEG."""
    answer = stack.gateway(
        "POST",
        f"{PY}/auth/login",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"plugin": "local", "login": "alice", "password": "demo-alice"}).encode(),
    )
    headers = {"Authorization": f"Bearer {answer.json()['token']}"}
    sessions = stack.gateway("GET", f"{PY}/sessions?skip=0&limit=100", headers=headers).json()
    collection = None
    for session in sessions["results"]:
        events = stack.gateway(
            "GET", f"{PY}/events?limit=100&sessionId={session['sessionId']}", headers=headers
        ).json()
        for event in events["results"]:
            if event["Item"]["_metadata"]["snapshots"].get("1"):
                collection = event["id"]
                break
        if collection:
            break
    assert collection, "no demo data collection with a snapshot"
    for query in ("?snapshot=true", ""):
        redirect = stack.gateway(
            "GET", f"{PY}/datacollections/images/{collection}{query}", headers=headers
        )
        assert redirect.status == 302, redirect.body
        location = redirect.headers["Location"]
        assert location.startswith("/ispyb/api/v1/core/data-collections/")
        image = stack.gateway("GET", location)
        assert image.status == 200, image.body[:200]
        assert image.headers["Content-Type"] == "image/jpeg" and image.body[:2] == b"\xff\xd8"
    refused = stack.gateway("GET", f"{PY}/datacollections/images/{collection}")
    assert refused.status == 401


JAVA = "/ispyb/api/v1/compat/java"


def test_exi_welcome_session_and_data_collections_on_the_demo_data(stack):
    """EXI's path through the gateway with the real auth: the form login mints a
    read-only compat-java token; the token, in every path, is in no log file afterwards;
    the same token cannot write to core."""
    answer = stack.gateway(
        "POST",
        f"{JAVA}/authenticate?site=ESRF",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=b"login=alice&password=demo-alice",
    )
    assert answer.status == 200, answer.json()
    token = answer.json()["token"]
    assert answer.json()["roles"] == ["User"] and answer.json()["user"] == "alice"

    sessions = stack.gateway("GET", f"{JAVA}/{token}/session/list").json()
    assert sessions and all(isinstance(row["sessionId"], int) for row in sessions)
    row = sessions[-1]
    proposal = f"{row['Proposal_proposalCode']}{row['Proposal_ProposalNumber']}"
    info = stack.gateway("GET", f"{JAVA}/{token}/proposal/{proposal}/info/get").json()
    assert info[0]["proposal"][0]["Proposal_proposalId"] == row["Proposal_proposalId"]
    path = f"{JAVA}/{token}/proposal/{proposal}/mx/datacollection/session/{row['sessionId']}/list"
    collections = stack.gateway("GET", path)
    assert collections.status == 200 and isinstance(collections.json(), list)
    assert stack.gateway("GET", f"{JAVA}/{token}/proposal/list").status == 200
    assert stack.gateway("GET", f"{JAVA}/{token}/proposal/x-1/session/list").status == 400

    refused = stack.gateway(
        "PATCH",
        "/ispyb/api/v1/core/options/ui",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        body=b'{"messageOfTheDay": "x"}',
    )
    assert refused.status == 403, refused.json()

    logs = list((stack.var_dir / "log").glob("*.log"))
    assert logs
    for log in logs:
        assert token not in log.read_text(), log.name
    assert any("/java/[REDACTED]/session/list" in log.read_text() for log in logs) or any(
        "/java/REDACTED/session/list" in log.read_text() for log in logs
    )


def java_token(stack, login: str = "alice") -> str:
    answer = stack.gateway(
        "POST",
        f"{JAVA}/authenticate?site=ESRF",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=f"login={login}&password=demo-{login}".encode(),
    )
    assert answer.status == 200, answer.json()
    return answer.json()["token"]


def every_log_file(stack) -> list:
    """Every file the stack wrote that is a log: the services', the gateway's access and
    error logs, run.py's output, nginx's own files under the prefix."""
    return [
        path
        for path in stack.var_dir.rglob("*")
        if path.is_file() and path.suffix in {".log", ".out", ".err"}
    ]


def test_no_java_token_in_any_log_even_nginx_error_lines(stack):
    """nginx's error log quotes the request line (and the upstream URL) of what it logs:
    a body over the gateway's limit on a Java route is one such line. run.py writes that
    log through the gateway's redaction; then no minted Java token is in any log file the
    gateway and the services wrote, whatever the route did."""
    import time

    tokens = [java_token(stack, "alice"), java_token(stack, "bob")]
    for token in tokens:
        assert stack.gateway("GET", f"{JAVA}/{token}/session/list").status == 200
        assert stack.gateway("GET", f"{JAVA}/{token}/proposal/x-1/session/list").status == 400
        # Over the 10 MB limit: nginx answers 413 from the header and logs an error line.
        too_large = stack.gateway(
            "POST",
            f"{JAVA}/{token}/session/list?token={token}",
            headers={"Content-Type": "application/json", "Content-Length": "20000000"},
            body=b"",
        )
        assert too_large.status == 413
    error_log = stack.var_dir / "log" / "gateway-error.log"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        text = error_log.read_text() if error_log.exists() else ""
        if text.count("too large body") >= len(tokens):
            break
        time.sleep(0.1)
    assert "compat/java/REDACTED/session/list?token=REDACTED" in text, text[-2000:]

    logs = every_log_file(stack)
    assert error_log in logs and len(logs) >= 4
    for path in logs:
        content = path.read_bytes().decode("utf-8", "replace")
        for token in tokens:
            assert token not in content, path
