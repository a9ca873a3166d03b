"""gunicorn settings and server hooks of the services: ``gunicorn -c
python:ispyb_shared.gunicorn_hooks`` (tools/run.py, docker/service-entrypoint.sh,
tools/bench.py).

gunicorn's ``sync`` worker (``ISPYB_WORKER_CLASS``): one request at a time, the next one
taken from the shared socket by whichever worker is free, the connection closed after
each answer. Chosen over ``gthread`` by an interleaved measurement (docs/performance.md,
"gthread or sync workers"): keep-alive pins a connection, and the requests queued on it,
to the worker that accepted it, so a busy worker's clients wait while another is idle
(p95 through the gateway 1.2-2.3 times the sync worker's), and the throughput did not
gain from it. ``ISPYB_WORKER_CLASS=gthread`` keeps connections open between requests
(``ISPYB_THREADS`` threads a worker, default 1), idle for longer than the gateway keeps
them (nginx's upstream keepalive_timeout and Kong's upstream_keepalive_idle_timeout,
60 s), so the gateway closes first and never sends on a connection the worker is
closing.
"""

from __future__ import annotations

import os

from prometheus_client import multiprocess

from .metrics import MULTIPROCESS_DIR_VARIABLE

worker_class = os.environ.get("ISPYB_WORKER_CLASS", "sync")
threads = int(os.environ.get("ISPYB_THREADS", "1"))
keepalive = 75  # seconds (gthread); more than the gateway's 60 s idle timeout (see above)


def child_exit(_server, worker) -> None:
    """A worker is gone: its gauges (requests in flight, pool) no longer count; its
    counters and histograms keep counting in the sum (docs/operations.md)."""
    if os.environ.get(MULTIPROCESS_DIR_VARIABLE):
        multiprocess.mark_process_dead(worker.pid)
