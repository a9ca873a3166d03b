"""What `make run` does, for real: migrations, demo seed, gunicorn per service, the gateway
(nginx rendered from gateway/kong.yml) in front, URLs, logins at the auth service whose
tokens the other services accept, one request followed through the logs.
"""

from __future__ import annotations

import json
import socket
import uuid

import pytest

from tests.gateway.support import RunningStack

SERVICES = ["core", "ssx", "em", "auth"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory, tokens):
    stack = RunningStack(tmp_path_factory.mktemp("var"), SERVICES, tokens, real_auth=True)
    yield stack
    stack.stop()


def login(stack, username: str) -> dict:
    """A demo person's token, from the auth service through the gateway (docs/auth.md)."""
    body = {"plugin": "local", "username": username, "password": f"demo-{username}"}
    response = stack.gateway(
        "POST",
        "/ispyb/api/v1/auth/login",
        headers={"Content-Type": "application/json"},
        body=json.dumps(body).encode(),
    )
    assert response.status == 200, response.json()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return True
    except OSError:
        return False


def test_run_starts_everything_behind_the_gateway(stack, tokens):
    output = stack.start()
    try:
        gateway = f"http://127.0.0.1:{stack.gateway_port}/ispyb/api/v1"
        # The one URL for front ends, and the unified docs, come first.
        assert output.index(f"{gateway}/docs") < output.index("Each service directly")
        assert f"{gateway}/<service>" in output
        for service in SERVICES:
            base = f"http://127.0.0.1:{stack.ports[service]}/ispyb/api/v1/{service}"
            assert f"{base}/docs" in output
            assert stack.direct(service, "GET", f"/ispyb/api/v1/{service}/health").status == 200
            ready = stack.gateway("GET", f"/ispyb/api/v1/{service}/ready")
            assert ready.status == 200 and ready.json()["database"] == "ok"
        assert stack.gateway("GET", "/ispyb/api/v1/docs").status == 200

        # Without a token core refuses; a token from the auth service is accepted.
        anonymous = stack.gateway("GET", "/ispyb/api/v1/core/proposals")
        assert anonymous.status == 401 and anonymous.json()["code"] == "UNAUTHORIZED"
        as_alice = login(stack, "alice")
        alice = stack.gateway("GET", "/ispyb/api/v1/core/proposals", headers=as_alice)
        assert {p["name"] for p in alice.json()["results"]} == {"mx1001", "mx999"}
        staff = login(stack, "frank")
        # The demo of every service: SSX runs registered through core once the stack
        # answered, cryo-EM movies of core's demo EM data collection.
        runs = stack.gateway("GET", "/ispyb/api/v1/ssx/sessions/mx1001-1/runs", headers=as_alice)
        assert runs.status == 200, runs.json()
        assert len(runs.json()["results"]) == 2
        em = stack.gateway(
            "GET",
            "/ispyb/api/v1/em/data-collections/7c0e5c1e-5d1a-4b8e-9a57-2f7f3a0c4e01/summary",
            headers=staff,
        )
        assert em.status == 200, em.json()

        # One request through the gateway, followed from the gateway's log to core's.
        request_id = f"e2e-{uuid.uuid4().hex[:12]}"
        response = stack.gateway(
            "GET",
            "/ispyb/api/v1/core/proposals",
            headers={"X-Request-ID": request_id, **staff},
        )
        assert response.status == 200
        assert response.headers["X-Request-ID"] == request_id
        body = response.json()
        assert set(body) == {"total", "limit", "offset", "results"}
        assert {p["name"] for p in body["results"]} >= {"mx1001", "mx1002", "cm1003"}

        entry = stack.wait_for_log(stack.gateway_log, lambda e: e["correlation_id"] == request_id)
        assert entry["service"]["name"] == "core" and entry["route"]["name"] == "core-api"
        assert entry["response"]["status"] == 200
        assert entry["request"]["uri"] == "/ispyb/api/v1/core/proposals"
        assert sum(e["correlation_id"] == request_id for e in stack.gateway_log()) == 1
        core_line = stack.wait_for_log(
            lambda: stack.service_log("core"),
            lambda e: e.get("requestId") == request_id and e["logger"] == "ispyb.access",
        )
        assert core_line["status"] == 200 and core_line["path"] == "/ispyb/api/v1/core/proposals"

        # An id made by the gateway joins the logs the same way.
        made = stack.gateway("GET", "/ispyb/api/v1/em/health").headers["X-Request-ID"]
        stack.wait_for_log(lambda: stack.service_log("em"), lambda e: e.get("requestId") == made)
        stack.wait_for_log(stack.gateway_log, lambda e: e["correlation_id"] == made)
    finally:
        returncode = stack.stop()
    assert returncode == 0
    assert not listening(stack.gateway_port)
    for service in SERVICES:
        assert not listening(stack.ports[service])


def test_second_run_does_not_duplicate_demo_data(stack, tokens):
    output = stack.start()
    try:
        assert "nothing added" in output
        response = stack.gateway(
            "GET", "/ispyb/api/v1/core/proposals", headers=login(stack, "frank")
        )
        assert response.json()["total"] == 4
    finally:
        assert stack.stop() == 0
