"""What `make run` does, for real: migrations, demo seed, gunicorn per service, URLs."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("core", "ssx", "em", "auth")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), json.loads(response.read() or b"null")


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    var = tmp_path_factory.mktemp("var")
    ports = {service: free_port() for service in SERVICES}
    env = {**os.environ, "ISPYB_VAR_DIR": str(var), "ISPYB_WORKERS": "1"}
    for service in SERVICES:
        env[f"ISPYB_{service.upper()}_PORT"] = str(ports[service])
        env[f"ISPYB_{service.upper()}__DATABASE__URL"] = f"sqlite:///{var}/{service}.sqlite"

    def start():
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "tools" / "run.py")],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        output = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                break
            output.append(line)
            if "Stop: Ctrl-C" in line:
                return process, "".join(output)
        process.kill()
        raise AssertionError("run.py did not start:\n" + "".join(output))

    def stop(process):
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)

    yield {"start": start, "stop": stop, "ports": ports, "var": var}


def test_run_starts_everything_and_serves_demo_data(running):
    process, output = running["start"]()
    ports = running["ports"]
    try:
        for service in SERVICES:
            base = f"http://127.0.0.1:{ports[service]}/ispyb/api/v1/{service}"
            assert f"{base}/docs" in output
            assert get(f"{base}/health")[0] == 200
            assert get(f"{base}/ready")[2]["database"] == "ok"

        status, headers, body = get(
            f"http://127.0.0.1:{ports['core']}/ispyb/api/v1/core/proposals",
            headers={"X-Request-ID": "e2e-run-1"},
        )
        assert status == 200
        assert headers["X-Request-ID"] == "e2e-run-1"
        assert set(body) == {"total", "limit", "offset", "results"}
        assert {p["name"] for p in body["results"]} >= {"mx1001", "mx1002", "cm1003"}
        time.sleep(0.5)
        log_lines = (running["var"] / "log" / "core.log").read_text().splitlines()
        ours = [json.loads(line) for line in log_lines if "e2e-run-1" in line]
        assert ours and ours[0]["requestId"] == "e2e-run-1" and ours[0]["status"] == 200
    finally:
        running["stop"](process)
    assert process.returncode == 0
    for service in SERVICES:
        with pytest.raises(OSError):
            get(f"http://127.0.0.1:{ports[service]}/ispyb/api/v1/{service}/health")


def test_second_run_does_not_duplicate_demo_data(running):
    process, output = running["start"]()
    try:
        assert "nothing added" in output
        body = get(f"http://127.0.0.1:{running['ports']['core']}/ispyb/api/v1/core/proposals")[2]
        assert body["total"] == 4
    finally:
        running["stop"](process)
