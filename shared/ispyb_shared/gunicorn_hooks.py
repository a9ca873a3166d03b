"""gunicorn settings and server hooks of the services: ``gunicorn -c
python:ispyb_shared.gunicorn_hooks`` (tools/run.py, docker/service-entrypoint.sh,
tools/bench.py).

Workers keep a connection open between requests (HTTP keep-alive), so the gateway reuses
its connections to a service instead of opening one a request (its upstream keepalive):
gunicorn's ``gthread`` worker with one thread (``ISPYB_THREADS``, default 1: one request
at a time in a worker, as with the sync worker, whose connections close after each
answer), idle connections kept for longer than the gateway keeps them (nginx's upstream
keepalive_timeout and Kong's upstream_keepalive_idle_timeout, 60 s), so the gateway
closes first and never sends on a connection the worker is closing.
"""

from __future__ import annotations

import os

from prometheus_client import multiprocess

from .metrics import MULTIPROCESS_DIR_VARIABLE

worker_class = os.environ.get("ISPYB_WORKER_CLASS", "gthread")
threads = int(os.environ.get("ISPYB_THREADS", "1"))
keepalive = 75  # seconds; more than the gateway's 60 s idle timeout (see above)


def child_exit(_server, worker) -> None:
    """A worker is gone: its gauges (requests in flight, pool) no longer count; its
    counters and histograms keep counting in the sum (docs/operations.md)."""
    if os.environ.get(MULTIPROCESS_DIR_VARIABLE):
        multiprocess.mark_process_dead(worker.pid)
