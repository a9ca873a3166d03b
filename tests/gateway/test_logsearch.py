"""tools/logsearch.py on a real gateway log, joined to a service log by request id."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.gateway.support import ROOT


def logsearch(*args, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "tools" / "logsearch.py"), *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=60,
    )


@pytest.fixture
def logs(start_gateway):
    """A gateway log with known requests, and a core log line of one of them."""
    gateway = start_gateway(running=("core", "em", "auth"))  # ssx down
    gateway.request("GET", "/ispyb/api/v1/core/proposals", headers={"X-Request-ID": "find-me"})
    gateway.request("GET", "/ispyb/api/v1/em/x?sleep=0.4", headers={"X-Request-ID": "slow-1"})
    gateway.request("GET", "/ispyb/api/v1/ssx/x", headers={"X-Request-ID": "down-1"})
    gateway.request("GET", "/nowhere", headers={"X-Request-ID": "lost-1"})
    gateway.request("GET", "/ispyb/api/v1/core/x?status=404", headers={"X-Request-ID": "nf-1"})
    # A caller the service named in its answer, logged by the gateway itself.
    gateway.request(
        "GET", "/ispyb/api/v1/em/y?subject=pipeline-em", headers={"X-Request-ID": "em-client"}
    )
    for request_id in ("find-me", "slow-1", "down-1", "lost-1", "nf-1", "em-client"):
        gateway.log_entry_for(request_id)
    log_dir = gateway.var_dir / "log"
    core_line = {
        "timestamp": "2026-11-22T10:00:00.000+00:00",
        "level": "INFO",
        "service": "core",
        "logger": "ispyb.access",
        "message": "GET /ispyb/api/v1/core/proposals 200",
        "requestId": "find-me",
        "durationMs": 3.2,
    }
    core_line["subject"] = "alice"
    other = {**core_line, "requestId": "someone-else", "subject": "bob"}
    (log_dir / "core.log").write_text(
        "not json: a gunicorn start-up line\n" + json.dumps(other) + "\n" + json.dumps(core_line)
    )
    return log_dir


def ids(output: str) -> list[str]:
    return [line.split()[1] for line in output.splitlines() if line and not line.startswith(" ")]


def test_by_request_id_with_the_service_log_lines(logs):
    result = logsearch("--log-dir", str(logs), "--request-id", "find-me")
    assert result.returncode == 0, result.stderr
    assert ids(result.stdout) == ["find-me"]
    assert "GET /ispyb/api/v1/core/proposals  200  core/core-api" in result.stdout
    assert "service log lines for find-me: 1" in result.stdout
    assert "core.log" in result.stdout and "(3.2 ms)" in result.stdout
    assert "someone-else" not in result.stdout


def test_filters(logs):
    def search(*args):
        result = logsearch("--log-dir", str(logs), *args)
        return result.returncode, ids(result.stdout)

    assert search("--status", "5xx") == (0, ["down-1"])
    assert search("--status", "404") == (0, ["lost-1", "nf-1"])
    assert search("--status", "4xx", "--service", "core") == (0, ["nf-1"])
    assert search("--service", "em") == (0, ["slow-1", "em-client"])
    assert search("--slower-than", "300") == (0, ["slow-1"])
    assert search("--service", "auth") == (1, [])  # nothing found: exit code 1


def test_json_output_and_stdin(logs):
    result = logsearch("--log-dir", str(logs), "--status", "5xx", "--json")
    (entry,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert entry["correlation_id"] == "down-1" and entry["service"]["name"] == "ssx"
    # Kong's log as docker-compose prints it: read from stdin, other lines skipped.
    kong_output = "2026/11/22 [notice] 1#0: start worker\n" + (logs / "gateway.log").read_text()
    piped = logsearch(
        "--file", "-", "--request-id", "lost-1", "--no-service-logs", stdin=kong_output
    )
    assert ids(piped.stdout) == ["lost-1"]


def test_bad_filters_are_refused(logs, tmp_path):
    result = logsearch("--log-dir", str(logs), "--status", "6xx")
    assert result.returncode == 2 and "--status" in result.stderr
    missing = logsearch("--log-dir", str(tmp_path / "nothing"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr


def test_by_caller_and_time(logs):
    """Who did it comes from the services' access lines, joined by request id; times are
    the gateway's."""

    def search(*args):
        result = logsearch("--log-dir", str(logs), *args)
        return result.returncode, ids(result.stdout)

    assert search("--subject", "alice") == (0, ["find-me"])
    assert search("--subject", "carol") == (1, [])
    assert search("--subject", "pipeline-em") == (0, ["em-client"])  # the gateway's field
    assert search("--subject", "alice", "--since", "2000-01-01T00:00:00") == (0, ["find-me"])
    assert search("--subject", "alice", "--until", "2000-01-01T00:00:00Z") == (1, [])
    assert search("--since", "2999-01-01")[1] == []
    bad = logsearch("--log-dir", str(logs), "--since", "yesterday")
    assert bad.returncode == 2 and "ISO 8601" in bad.stderr
