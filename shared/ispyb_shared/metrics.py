"""Prometheus metrics of every service, served at ``<prefix>/metrics`` (docs/operations.md).

What is measured: each request (count and latency by route template and status), the
requests in flight, the database connection pool (checked out, size, limit) and the calls
to other services (core, and auth's JWKS and revocation list: count and latency by target
and outcome).

Under gunicorn, each worker process counts on its own; with ``PROMETHEUS_MULTIPROC_DIR``
set (the launchers set it: tools/run.py, docker/service-entrypoint.sh) every worker writes
its values to files in that directory and ``/metrics`` answers the sum over all of them,
whichever worker serves the scrape. The directory must be emptied before the server
starts, and the gunicorn hook :mod:`ispyb_shared.gunicorn_hooks` forgets the gauges of a
worker that died (its counters stay counted). Without the variable the process's own
registry is served.

Label values are bounded: a route is its template (``/ispyb/api/v1/core/proposals/<int:
proposal_id>``, ``unmatched`` when no route matched), never the raw path; a method is one
of the HTTP methods or ``other``.
"""

from __future__ import annotations

import os
import struct
import time
from collections.abc import Callable
from typing import Any

import requests
from flask import Flask, Response, current_app, has_app_context, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import event

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED_ROUTE = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Seconds: a cached read answers in a few ms, a large ingest in seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
_ROUTE_KEY = "ispyb.metrics.route"
_READ_RETRIES = 4

HTTP_LABELS = ("service", "method", "route", "status")
HTTP_REQUESTS = Counter(
    "ispyb_http_requests_total", "Requests answered, by route template and status", HTTP_LABELS
)
HTTP_LATENCY = Histogram(
    "ispyb_http_request_duration_seconds",
    "Time from the request's arrival to its answer being ready, by route template and status",
    HTTP_LABELS,
    buckets=LATENCY_BUCKETS,
)
# livesum: the sum over the workers alive now; a dead worker's requests are no longer in
# flight.
HTTP_IN_FLIGHT = Gauge(
    "ispyb_http_requests_in_flight",
    "Requests being answered now",
    ("service",),
    multiprocess_mode="livesum",
)
DB_POOL_CHECKED_OUT = Gauge(
    "ispyb_db_pool_checked_out",
    "Database connections checked out of the pool now (in use by a request or a command)",
    ("service",),
    multiprocess_mode="livesum",
)
DB_POOL_SIZE = Gauge(
    "ispyb_db_pool_size",
    "Connections the pool keeps open (database.pool_size)",
    ("service",),
    multiprocess_mode="livesum",
)
DB_POOL_LIMIT = Gauge(
    "ispyb_db_pool_limit",
    "Most connections the pool opens (pool_size + max_overflow); beyond, requests wait",
    ("service",),
    multiprocess_mode="livesum",
)
OUTBOUND_LABELS = ("service", "target", "outcome")
OUTBOUND_REQUESTS = Counter(
    "ispyb_outbound_requests_total",
    "Calls to another service, by target and outcome (2xx..5xx, timeout, unreachable, error)",
    OUTBOUND_LABELS,
)
OUTBOUND_LATENCY = Histogram(
    "ispyb_outbound_request_duration_seconds",
    "Time of a call to another service, by target and outcome",
    OUTBOUND_LABELS,
    buckets=LATENCY_BUCKETS,
)

# The service this process serves (one per process in production); outbound calls made
# outside any app context (the warm-up's JWKS fetch) are counted for it.
_process_service = "unknown"


def init_metrics(app: Flask, *, service: str, prefix: str) -> None:
    """Count the app's requests and its pool's connections; serve ``<prefix>/metrics``.

    The endpoint needs no token: scrapers reach the services on the internal network, and
    the gateway does not route it (gateway/kong.yml).
    """
    global _process_service
    _process_service = service
    app.wsgi_app = _RequestMetrics(app.wsgi_app, service)  # type: ignore[method-assign]

    @app.teardown_request
    def _remember_route(_exc) -> None:
        rule = request.url_rule
        request.environ[_ROUTE_KEY] = rule.rule if rule is not None else UNMATCHED_ROUTE

    from .auth import public  # auth counts its JWKS fetches here: imported late

    @public
    def metrics_view() -> Response:
        return Response(exposition(), content_type=CONTENT_TYPE_LATEST)

    app.add_url_rule(f"{prefix}/metrics", "ispyb_metrics", metrics_view, methods=["GET"])

    database = app.extensions.get("ispyb_database")
    if database is not None:
        watch_pool(database.engine, service)


def exposition() -> bytes:
    """The metrics in Prometheus' text format: summed over the workers in multiprocess
    mode, the process's own otherwise."""
    directory = os.environ.get(MULTIPROCESS_DIR_VARIABLE)
    if not directory:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    for _retry in range(_READ_RETRIES):
        try:
            return generate_latest(registry)
        except (struct.error, FileNotFoundError):
            # A worker booting now has created its file but not sized it yet, or a dead
            # worker's gauge file was removed (gunicorn_hooks) between the listing of the
            # directory and its reading (an instant): read again rather than fail the scrape.
            time.sleep(0.05)
    return generate_latest(registry)


class _RequestMetrics:
    """WSGI middleware: every request is counted, those Flask answers with an error too.

    The time is until the app returned its answer (headers and body built), which for the
    services' JSON answers is all of it; a streamed body's sending is not included.
    """

    def __init__(self, wsgi_app: Callable, service: str):
        self.wsgi_app = wsgi_app
        self.service = service
        self.in_flight = HTTP_IN_FLIGHT.labels(service)

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Any:
        started = time.perf_counter()
        status: list[str] = []

        def recording_start_response(line: str, headers, exc_info=None):
            status[:] = [line.split(" ", 1)[0]]
            return start_response(line, headers, exc_info)

        self.in_flight.inc()
        try:
            return self.wsgi_app(environ, recording_start_response)
        finally:
            self.in_flight.dec()
            method = environ.get("REQUEST_METHOD", "")
            labels = (
                self.service,
                method if method in METHODS else "other",
                environ.get(_ROUTE_KEY, UNMATCHED_ROUTE),
                status[0] if status else "500",
            )
            HTTP_REQUESTS.labels(*labels).inc()
            HTTP_LATENCY.labels(*labels).observe(time.perf_counter() - started)


def watch_pool(engine, service: str) -> None:
    """Keep the pool gauges of ``service`` current: size and limit now, checked-out
    connections at each check-out and check-in (also after the pool is replaced, since
    SQLAlchemy's replacement pool keeps the listeners)."""
    pool = engine.pool
    size = _pool_number(pool, "size")
    overflow = max(_pool_number(pool, "_max_overflow"), 0)
    if size:
        DB_POOL_SIZE.labels(service).set(size)
        DB_POOL_LIMIT.labels(service).set(size + overflow)
    checked_out = DB_POOL_CHECKED_OUT.labels(service)
    event.listen(engine, "checkout", lambda *_args: checked_out.inc())
    event.listen(engine, "checkin", lambda *_args: checked_out.dec())


def _pool_number(pool, name: str) -> int:
    value = getattr(pool, name, 0)
    value = value() if callable(value) else value
    return value if isinstance(value, int) else 0


def timed_outbound(target: str, call: Callable[..., requests.Response], *args, **kwargs):
    """``call(*args, **kwargs)`` (a ``requests`` call to ``target``), counted and timed by
    outcome: the answer's status class, or ``timeout``, ``unreachable`` or ``error``."""
    started = time.perf_counter()
    outcome = "error"
    try:
        response = call(*args, **kwargs)
        outcome = f"{response.status_code // 100}xx"
        return response
    except requests.Timeout:
        outcome = "timeout"
        raise
    except requests.ConnectionError:
        outcome = "unreachable"
        raise
    finally:
        service = current_app.config.get("ISPYB_SERVICE") if has_app_context() else None
        labels = (service or _process_service, target, outcome)
        OUTBOUND_REQUESTS.labels(*labels).inc()
        OUTBOUND_LATENCY.labels(*labels).observe(time.perf_counter() - started)
