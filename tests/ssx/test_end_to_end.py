"""The issue's "done when", for real: `make run` (tools/run.py) with core, auth and ssx
behind the gateway, tokens from the real auth service. A pipeline (demo-pipeline client
credentials) registers a run in demo session mx1001-1, posts preliminary then final
results; alice (PI of mx1001) reads the session summary; core's answers to the
registration lost in the network between ssx and core (a real proxy in between) leave no
core data collection (checked through core as frank, staff); a retried registration
creates one run."""

from __future__ import annotations

import json
import time

import pytest

from tests.gateway.support import RunningStack
from tests.ssx.conftest import run_body
from tests.support.fault_proxy import FaultProxy

SSX = "/ispyb/api/v1/ssx"
CORE = "/ispyb/api/v1/core"
AUTH = "/ispyb/api/v1/auth"
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory, tokens):
    stack = RunningStack(
        tmp_path_factory.mktemp("var"),
        ["core", "auth", "ssx"],
        tokens,
        # ssx's retry loop, with the client make run gives it (the demo pipeline's).
        {"ISPYB_SSX__CORE__UNDO__RETRY_SECONDS": "1"},
        real_auth=True,
    )
    stack.proxy = FaultProxy(f"http://127.0.0.1:{stack.ports['core']}").start()
    stack.env["ISPYB_SSX__CORE__URL"] = stack.proxy.url
    stack.start()
    yield stack
    stack.stop()
    stack.proxy.stop()


def post(stack, path, body, headers):
    return stack.gateway("POST", path, headers={**JSON, **headers}, body=json.dumps(body).encode())


def login(stack, username):
    body = {"plugin": "local", "username": username, "password": f"demo-{username}"}
    answer = post(stack, f"{AUTH}/login", body, {})
    assert answer.status == 200, answer.json()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def pipeline(stack):
    body = {
        "client_id": "demo-pipeline",
        "client_secret": "demo-pipeline-secret",
        "scope": "ssx:write core:read core:acquisition:write",
    }
    answer = post(stack, f"{AUTH}/token", body, {})
    assert answer.status == 200, answer.json()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def core_collections(stack, staff, prefix):
    answer = stack.gateway(
        "GET", f"{CORE}/data-collections?imagePrefix={prefix}&limit=100", headers=staff
    )
    assert answer.status == 200, answer.json()
    return answer.json()["results"]


def test_register_results_summary_compensation_and_retry(stack):
    robot = pipeline(stack)
    frank = login(stack, "frank")
    alice = login(stack, "alice")

    body = run_body(session="mx1001-1", clientRequestId="e2e-1")
    body["acquisition"]["imagePrefix"] = "e2e_chip"
    first = post(stack, f"{SSX}/runs", body, robot)
    assert first.status == 201, first.json()
    run = first.json()
    retry = post(stack, f"{SSX}/runs", body, robot)
    assert retry.status == 200, retry.json()
    assert retry.json()["uuid"] == run["uuid"]
    assert len(core_collections(stack, frank, "e2e_chip")) == 1

    for kind, rate in (("Preliminary", 8.0), ("Final", 9.5)):
        answer = post(
            stack,
            f"{SSX}/runs/{run['uuid']}/results",
            {"indexingType": kind, "status": "Success", "hitRate": rate, "indexingRate": 70.0},
            robot,
        )
        assert answer.status == 201, answer.json()

    summary = stack.gateway("GET", f"{SSX}/sessions/mx1001-1/runs", headers=alice)
    assert summary.status == 200, summary.json()
    # make run has registered the demo's chip and jet runs in the same session.
    (row,) = [r for r in summary.json()["results"] if r["uuid"] == run["uuid"]]
    assert len(summary.json()["results"]) == 3
    assert row["latestResult"]["indexingType"] == "Final"
    assert row["latestResult"]["hitRate"] == 9.5
    assert row["startTime"] == "2026-01-01T10:00:00"

    failing = run_body(session="mx1001-1")
    failing["acquisition"]["imagePrefix"] = "e2e_fail"
    stack.proxy.lose_answers_to = {"PUT"}  # core registers; ssx never hears of it
    answer = post(stack, f"{SSX}/runs", failing, robot)
    stack.proxy.lose_answers_to = set()
    assert answer.status == 503, answer.json()
    assert "nothing was done" in answer.json()["message"]
    assert len(stack.proxy.lost) == 2  # the registration and its retry by key
    assert core_collections(stack, frank, "e2e_fail") == []
    summary = stack.gateway("GET", f"{SSX}/sessions/mx1001-1/runs", headers=alice)
    assert len(summary.json()["results"]) == 3  # the failed registration left nothing


def test_an_undo_core_did_not_confirm_is_retried_until_done(stack):
    """Core registers, its answer is lost, and so is the answer to the undo: ssx says the
    undo is pending, and its retry loop (its own client credentials) completes it."""
    robot = pipeline(stack)
    frank = login(stack, "frank")
    body = run_body(session="mx1001-1")
    body["acquisition"]["imagePrefix"] = "e2e_pending"
    stack.proxy.lose_answers_to = {"PUT", "DELETE"}
    answer = post(stack, f"{SSX}/runs", body, robot)
    assert answer.status == 503, answer.json()
    assert "undo pending" in answer.json()["details"]["registration"][0]
    # The undo got through although its answer did not: lose the loop's answers too, then
    # check that core has nothing and that the loop still finishes once answers flow.
    assert core_collections(stack, frank, "e2e_pending") == []
    stack.proxy.lose_answers_to = set()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not _undone_by_the_loop(stack):
        time.sleep(0.5)
    assert _undone_by_the_loop(stack), stack.proxy.lost
    assert core_collections(stack, frank, "e2e_pending") == []


def _undone_by_the_loop(stack) -> bool:
    log = (stack.var_dir / "log" / "ssx.log").read_text(errors="replace")
    return "undone in core by the retry loop" in log


def test_demo_runs_register_through_the_stack_once(stack):
    from ispyb_ssx.demo import seed

    url = f"http://127.0.0.1:{stack.gateway_port}"
    first = seed(url)
    assert seed(url) == first
    alice = login(stack, "alice")
    summary = stack.gateway("GET", f"{SSX}/sessions/mx1001-1/runs", headers=alice).json()
    demo = [r for r in summary["results"] if (r["clientRequestId"] or "").startswith("demo-")]
    assert sorted(r["experimentType"] for r in demo) == ["SSX-Chip", "SSX-Jet"]
    assert all(r["latestResult"]["indexingType"] == "Final" for r in demo)
    chip = stack.gateway("GET", f"{SSX}/runs/{first[0]}", headers=alice).json()
    assert [e["eventType"] for e in chip["eventChains"][0]["events"]] == [
        "LaserExcitation",
        "XrayDetection",
    ]
