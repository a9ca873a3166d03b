"""/metrics under real gunicorn with two workers, started as `make run` starts a service
(tools/run.py): requests spread over the workers are all counted, whichever worker answers
the scrape, and a worker that dies leaves its counts but not its gauges
(docs/operations.md)."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from tests.gateway.support import free_port, request

ROOT = Path(__file__).resolve().parents[2]
CORE = "/ispyb/api/v1/core"
HEALTH = {"service": "core", "method": "GET", "route": f"{CORE}/health", "status": "200"}
REQUESTS = 120


def load_run_tool():
    spec = importlib.util.spec_from_file_location("ispyb_run_tool", ROOT / "tools" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def scrape(port: int) -> dict[tuple[str, frozenset], float]:
    response = request(port, "GET", f"{CORE}/metrics")
    assert response.status == 200, response.body
    text = response.body.decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def workers_of(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return sorted(int(pid) for pid in children)


def wait_for(predicate, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def health_counted_by(path: Path) -> float:
    """What one worker's counter file holds for /health."""
    for metric in MultiProcessCollector.merge([str(path)], accumulate=True):
        for sample in metric.samples:
            if sample.name == "ispyb_http_requests_total" and sample.labels == HEALTH:
                return sample.value
    return 0.0


@pytest.fixture
def gunicorn_core(core_database_url, tokens, tmp_path, monkeypatch):
    """Core under gunicorn with 2 workers, started by tools/run.py's own start()."""
    run = load_run_tool()
    port = free_port()
    monkeypatch.setenv("ISPYB_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("ISPYB_CORE_PORT", str(port))
    monkeypatch.setenv("ISPYB_WORKERS", "2")
    config = tmp_path / "core.yaml"
    settings = {"database": {"url": core_database_url}, "auth": tokens.settings()}
    config.write_text(json.dumps(settings))
    monkeypatch.setenv("ISPYB_CORE_CONFIG", str(config))
    metrics_dir = tmp_path / "var" / "metrics" / "core"
    metrics_dir.mkdir(parents=True)
    # A file left by an earlier run, which would be added to this run's counts.
    (metrics_dir / "counter_1.db").write_bytes(b"stale")
    log_dir = tmp_path / "var" / "log"
    log_dir.mkdir()
    process = run.start("core", "127.0.0.1", log_dir)
    try:
        run.wait_healthy("core", "127.0.0.1", process)
        wait_for(lambda: len(workers_of(process.pid)) == 2, "two workers")
        yield port, process, metrics_dir
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_metrics_sum_over_workers_and_survive_a_dead_worker(gunicorn_core):
    port, process, metrics_dir = gunicorn_core
    assert not (metrics_dir / "counter_1.db").exists()  # emptied at the start
    # Both workers built their app (pool and warm-up): the pool gauges are the sums of
    # theirs (pool_size 5 each by default).
    before = wait_for(lambda: booted(scrape(port)), "both workers booted")

    def health(_):
        return request(port, "GET", f"{CORE}/health").status

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(health, range(REQUESTS))) == {200}
    after = scrape(port)
    counted = value(after, "ispyb_http_requests_total", **HEALTH)
    assert counted - value(before, "ispyb_http_requests_total", **HEALTH) == REQUESTS

    # The requests were spread: each worker's own file holds a part of them.
    workers = workers_of(process.pid)
    per_worker = {pid: health_counted_by(metrics_dir / f"counter_{pid}.db") for pid in workers}
    assert all(count > 0 for count in per_worker.values()), per_worker
    assert sum(per_worker.values()) == counted

    # A worker dies: gunicorn's child_exit hook drops its gauges; its counts stay.
    dead = workers[0]
    os.kill(dead, signal.SIGKILL)
    wait_for(lambda: not (metrics_dir / f"gauge_livesum_{dead}.db").exists(), "child_exit")
    wait_for(lambda: len(set(workers_of(process.pid)) - {dead}) == 2, "a new worker")
    # Without the hook the dead worker's pool would still count (15).
    run_again = wait_for(lambda: booted(scrape(port)), "the new worker booted")
    assert value(run_again, "ispyb_http_requests_total", **HEALTH) == counted
    assert value(run_again, "ispyb_http_requests_in_flight", service="core") == 1  # the scrape


def booted(samples):
    """``samples`` once two workers have built their app and warmed up (their warm-up
    holds a connection), else None."""
    pool = value(samples, "ispyb_db_pool_size", service="core")
    checked_out = value(samples, "ispyb_db_pool_checked_out", service="core")
    return samples if pool == 10 and checked_out == 0 else None
