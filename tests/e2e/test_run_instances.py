"""Several instances of a service behind the local gateway: `make run` with
ISPYB_CORE_INSTANCES=2 starts two gunicorn instances of core, the gateway (real nginx)
balances over both, and one of them killed (SIGKILL) under load costs no GET and applies
no POST twice."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import fresh_database_url
from tests.gateway.support import RunningStack, free_port, request

CORE = "/ispyb/api/v1/core"


@pytest.fixture
def two_cores(tmp_path, tokens, backend, request, tmp_path_factory):
    """core twice (one gunicorn worker each) on ``backend``, through run.py."""
    database_url = fresh_database_url(backend, request, tmp_path_factory, "instances")
    stack = RunningStack(tmp_path / "var", ["core"], tokens)
    stack.instance_ports = [stack.ports["core"], free_port()]
    stack.env["ISPYB_CORE_INSTANCES"] = "2"
    stack.env["ISPYB_CORE_PORTS"] = ",".join(map(str, stack.instance_ports))
    stack.env["ISPYB_CORE__DATABASE__URL"] = database_url
    stack.database_url = database_url
    yield stack
    stack.stop()


def instance_group(port: int) -> int:
    """The process group of the gunicorn instance bound to ``port`` (run.py starts each
    in its own session: master and workers die together, as in a crash of the host)."""
    wanted = f"127.0.0.1:{port}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"--bind" in arguments and wanted in arguments:
            return os.getpgid(int(entry.name))
    raise AssertionError(f"no gunicorn bound to {port}")


def test_make_run_starts_each_instance_and_the_gateway_lists_them(two_cores):
    stack = two_cores
    output = stack.start()
    first, second = stack.instance_ports
    for port in (first, second):
        assert f"127.0.0.1:{port}/ispyb/api/v1/core" in output
    nginx = (stack.var_dir / "gateway" / "nginx.conf").read_text()
    upstream = nginx.split("upstream service_core {")[1].split("}")[0]
    assert f"server 127.0.0.1:{first} " in upstream and f"server 127.0.0.1:{second} " in upstream
    # Both answer, each on its own port, and through the gateway.
    for port in (first, second):
        assert request(port, "GET", f"{CORE}/ready").status == 200
    assert stack.gateway("GET", f"{CORE}/health").status == 200
    # Each instance logs to its own file.
    assert (stack.var_dir / "log" / "core.log").exists()
    assert (stack.var_dir / "log" / "core-2.log").exists()


def test_an_instance_killed_under_load_fails_no_get_and_applies_no_post_twice(two_cores, tokens):
    stack = two_cores
    stack.start()
    headers = tokens.admin()
    write_headers = {**headers, "Content-Type": "application/json"}
    stop = threading.Event()
    get_results: list[tuple[int, bytes]] = []
    post_results: list[tuple[str, int, bytes]] = []
    lock = threading.Lock()

    # Bounded: three readers at most 20 GETs a second each, under the gateway's rate limit
    # for one client address.
    def read_load() -> None:
        while not stop.wait(0.05):
            response = stack.gateway("GET", f"{CORE}/proposals?limit=5", headers=headers)
            with lock:
                get_results.append((response.status, response.body))

    def write_load() -> None:
        number = 0
        while not stop.wait(0.05):
            number += 1
            name = f"failover-{threading.get_ident()}-{number}"
            body = json.dumps({"familyName": name, "login": name}).encode()
            try:
                response = stack.gateway(
                    "POST", f"{CORE}/persons", headers=write_headers, body=body
                )
                outcome = (name, response.status, response.body)
            except OSError as exc:  # the gateway itself never drops a connection here
                outcome = (name, -1, str(exc).encode())
            with lock:
                post_results.append(outcome)

    threads = [threading.Thread(target=read_load) for _ in range(3)]
    threads.append(threading.Thread(target=write_load))
    for thread in threads:
        thread.start()
    time.sleep(2)
    before_kill = len(get_results)
    os.killpg(instance_group(stack.instance_ports[1]), signal.SIGKILL)
    time.sleep(4)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)

    assert before_kill > 10 and len(get_results) > before_kill + 10, len(get_results)
    failed = [(status, body[:200]) for status, body in get_results if status != 200]
    assert failed == [], failed
    # A POST either succeeded or failed cleanly (the gateway's JSON envelope, never a 500).
    assert post_results, "no POST was made"
    for name, status, body in post_results:
        assert status == 201 or status in (502, 503, 504), (name, status, body[:200])
        if status != 201:
            assert json.loads(body)["code"] == "SERVICE_UNAVAILABLE"
    # ... and none was applied twice: one row per successful POST, at most one otherwise.
    engine = sa.create_engine(stack.database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT familyName FROM Person WHERE familyName LIKE 'failover-%'")
            ).scalars()
            counts: dict[str, int] = {}
            for name in rows:
                counts[name] = counts.get(name, 0) + 1
    finally:
        engine.dispose()
    assert max(counts.values()) == 1, counts
    for name, status, _ in post_results:
        if status == 201:
            assert counts.get(name) == 1, name
    # The kill was felt: some requests found the dead instance and were tried again on the
    # other (nginx lists each try's status), and run.py started it again.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        tries = [entry["upstream_status"] for entry in stack.gateway_log()]
        if any(", " in statuses for statuses in tries):
            break
        time.sleep(0.2)  # the access log is written in batches
    assert any(statuses.endswith(", 200") for statuses in tries), tries
    assert "core-2 stopped unexpectedly" in stack.output_file.read_text()
