"""What `make run` does, for real: migrations, demo seed, gunicorn per service, the gateway
(nginx rendered from gateway/kong.yml) in front, URLs, logins at the auth service whose
tokens the other services accept, one request followed through the logs; a default set-up
that lets nobody in without a password; a killed service that comes back by itself; an
account disabled while its token is in use; a restart after users reused demo names.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import time
import uuid
from pathlib import Path

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
        assert set(body) == {"total", "limit", "offset", "after", "results", "links"}
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


def children_of(pid: int) -> dict[int, str]:
    """The child processes of ``pid`` and their command lines."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found[int(stat.parent.name)] = cmdline
    return found


def service_process(stack, service: str) -> int:
    """The pid of the gunicorn master run.py started for ``service``."""
    bind = f"127.0.0.1:{stack.ports[service]}"
    [pid] = [
        pid
        for pid, cmdline in children_of(stack.process.pid).items()
        if "gunicorn" in cmdline and bind in cmdline
    ]
    return pid


def eventually(check, timeout: float = 45, interval: float = 0.25):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(interval)


def test_run_stays_up_is_safe_by_default_and_revokes_within_seconds(stack):
    output = stack.start()
    try:
        json_body = {"Content-Type": "application/json"}
        # Safe by default: no dummy login (anyone as anyone) in `make run`.
        dummy = stack.gateway(
            "POST",
            "/ispyb/api/v1/auth/login",
            headers=json_body,
            body=json.dumps({"plugin": "dummy", "username": "alice"}).encode(),
        )
        assert dummy.status == 422 and "plugin" in dummy.json()["details"], dummy.json()
        admin, alice = login(stack, "admin"), login(stack, "alice")

        # A user reuses a demo name: the next `make run` must still start (next test).
        lab = stack.gateway(
            "POST",
            "/ispyb/api/v1/core/laboratories",
            headers={**json_body, **login(stack, "frank")},
            body=json.dumps({"name": "Structural Biology Lab", "country": "France"}).encode(),
        )
        assert lab.status == 201, lab.json()

        # An account disabled while its token is in use: core refuses the token within
        # the revocation poll interval (5 s by default) plus a little.
        assert stack.gateway("GET", "/ispyb/api/v1/core/proposals", headers=alice).status == 200
        disabled = stack.gateway(
            "PATCH",
            "/ispyb/api/v1/auth/accounts/alice",
            headers={**json_body, **admin},
            body=json.dumps({"active": False}).encode(),
        )
        assert disabled.status == 200, disabled.json()
        started = time.monotonic()
        refused = eventually(
            lambda: (
                (r := stack.gateway("GET", "/ispyb/api/v1/core/proposals", headers=alice)).status
                == 401
                and r
            ),
            timeout=15,
        )
        assert time.monotonic() - started < 5 + 3
        assert refused.json()["message"] == "The access token has been revoked."
        stack.gateway(
            "PATCH",
            "/ispyb/api/v1/auth/accounts/alice",
            headers={**json_body, **admin},
            body=json.dumps({"active": True}).encode(),
        )

        # A service that dies comes back by itself; the gateway and the others keep serving.
        core = service_process(stack, "core")
        os.killpg(core, signal.SIGKILL)
        for _ in range(3):
            assert stack.gateway("GET", "/ispyb/api/v1/em/health").status == 200
            assert stack.gateway("GET", "/ispyb/api/v1/auth/health").status == 200
        eventually(lambda: stack.gateway("GET", "/ispyb/api/v1/core/health").status == 200)
        assert service_process(stack, "core") != core
        again = stack.gateway("GET", "/ispyb/api/v1/core/proposals", headers=login(stack, "alice"))
        assert {p["name"] for p in again.json()["results"]} == {"mx1001", "mx999"}
        text = eventually(
            lambda: "core is serving again" in (t := stack.output_file.read_text()) and t
        )
        assert "run: core stopped unexpectedly (exit code -9); starting it again in 1 s" in text
        assert "run: core started again (pid " in text
        # The gateway too.
        [nginx] = [pid for pid, cmd in children_of(stack.process.pid).items() if "nginx" in cmd]
        os.killpg(nginx, signal.SIGKILL)
        eventually(lambda: "run: gateway started again" in stack.output_file.read_text())
        eventually(lambda: _gateway_answers(stack))
        assert stack.process.poll() is None
    finally:
        assert stack.stop() == 0
    assert "Stop: Ctrl-C" in output


def _gateway_answers(stack) -> bool:
    try:
        return stack.gateway("GET", "/ispyb/api/v1/core/health").status == 200
    except OSError:
        return False


def test_second_run_does_not_duplicate_demo_data(stack, tokens):
    """Also after a user created a laboratory named like a demo one (the test before)."""
    output = stack.start()
    try:
        assert "nothing added" in output
        response = stack.gateway(
            "GET", "/ispyb/api/v1/core/proposals", headers=login(stack, "frank")
        )
        assert response.json()["total"] == 4
    finally:
        assert stack.stop() == 0
