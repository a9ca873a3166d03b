"""gunicorn server hooks of the services: ``gunicorn -c python:ispyb_shared.gunicorn_hooks``
(tools/run.py, docker/service-entrypoint.sh)."""

from __future__ import annotations

import os

from prometheus_client import multiprocess

from .metrics import MULTIPROCESS_DIR_VARIABLE


def child_exit(_server, worker) -> None:
    """A worker is gone: its gauges (requests in flight, pool) no longer count; its
    counters and histograms keep counting in the sum (docs/operations.md)."""
    if os.environ.get(MULTIPROCESS_DIR_VARIABLE):
        multiprocess.mark_process_dead(worker.pid)
