"""`make run` as an operator relies on it: a busy port refused before anything starts,
ISPYB_VAR_DIR holding everything (databases included), a terminal showing the URLs and
errors but not the gateway's access log, and a quiet stop however many signals come."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

import pytest

from tests.gateway.support import ROOT, RunningStack, request


def test_a_port_in_use_is_refused_before_anything_starts(tmp_path, tokens):
    stack = RunningStack(tmp_path / "var", ["core"], tokens)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", stack.ports["core"]))
        squatter.listen()
        finished = subprocess.run(
            [sys.executable, str(ROOT / "tools" / "run.py")],
            env=stack.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert finished.returncode == 1
    port = stack.ports["core"]
    assert f"port {port} (core) is already in use" in finished.stderr
    assert "ISPYB_CORE_PORT" in finished.stderr and "nothing was started" in finished.stderr
    # Nothing was migrated, nothing answered for it.
    assert not (tmp_path / "var" / "core.sqlite").exists()


@pytest.fixture
def own_var_stack(tmp_path, tokens):
    """core alone, its database where run.py puts it (no URL set by the test)."""
    stack = RunningStack(tmp_path / "var", ["core"], tokens)
    del stack.env["ISPYB_CORE__DATABASE__URL"]
    stack.env.pop("ISPYB_CORE_CONFIG", None)
    yield stack
    stack.stop()


def test_var_dir_holds_everything_and_the_terminal_stays_readable(own_var_stack, tokens):
    stack = own_var_stack
    output = stack.start()
    var = stack.var_dir
    assert (var / "core.sqlite").exists(), sorted(p.name for p in var.iterdir())
    assert f"Data: {var.resolve()}" in output
    headers = tokens.admin()
    for _ in range(5):
        assert stack.gateway("GET", "/ispyb/api/v1/core/proposals", headers=headers).status == 200
    time.sleep(1.5)  # the gateway's access log is written in batches
    gateway_log = (var / "log" / "gateway.log").read_text()
    assert gateway_log.count("/ispyb/api/v1/core/proposals") >= 5
    terminal = stack.output_file.read_text()
    assert "/ispyb/api/v1/core/proposals" not in terminal
    # The workers' metrics files too; core's /metrics sums them, and is not routed by the
    # gateway (docs/operations.md).
    assert list((var / "metrics" / "core").glob("counter_*.db"))
    metrics = request(stack.ports["core"], "GET", "/ispyb/api/v1/core/metrics")
    assert metrics.status == 200
    proposals = 'route="/ispyb/api/v1/core/proposals",service="core",status="200"'
    assert f'ispyb_http_requests_total{{method="GET",{proposals}}} 5.0' in metrics.body.decode()
    assert stack.gateway("GET", "/ispyb/api/v1/core/metrics").status == 404


def test_repeated_signals_stop_quietly(own_var_stack):
    stack = own_var_stack
    stack.start()
    for _ in range(3):
        stack.process.send_signal(signal.SIGTERM)
        time.sleep(0.05)
    assert stack.process.wait(timeout=60) == 0
    terminal = stack.output_file.read_text()
    assert "Traceback" not in terminal and "KeyboardInterrupt" not in terminal
    assert "stopping" in terminal
    assert not _listening(stack.ports["core"]) and not _listening(stack.gateway_port)


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False
