"""The services' gunicorn settings: sync workers (one request at a time, taken by any free
worker; docs/performance.md, "gthread or sync workers"); with ISPYB_WORKER_CLASS=gthread,
connections kept open for the gateway's upstream keep-alive, longer than the gateway
keeps them idle (so the gateway closes first)."""

from __future__ import annotations

import re
from pathlib import Path

from gunicorn.config import Config

from ispyb_shared import gunicorn_hooks

ROOT = Path(__file__).resolve().parents[2]


def _applied() -> Config:
    config = Config()
    for name in ("worker_class", "threads", "keepalive"):
        config.set(name, getattr(gunicorn_hooks, name))
    return config


def test_workers_serve_one_request_at_a_time():
    config = _applied()
    assert config.worker_class_str == "sync"  # any free worker takes the next request
    assert config.threads == 1
    assert config.keepalive > 60  # for ISPYB_WORKER_CLASS=gthread


def test_the_gateways_keep_idle_connections_shorter_than_the_workers():
    template = (ROOT / "gateway/ispyb_gateway/templates/nginx.conf.j2").read_text()
    nginx_idle = int(re.search(r"keepalive_timeout (\d+)s;", template).group(1))
    compose = (ROOT / "docker-compose.yml").read_text()
    kong_idle = int(re.search(r'KONG_UPSTREAM_KEEPALIVE_IDLE_TIMEOUT: "(\d+)"', compose).group(1))
    assert max(nginx_idle, kong_idle) < _applied().keepalive
    assert (
        "--config python:ispyb_shared.gunicorn_hooks"
        in (ROOT / "docker/service-entrypoint.sh").read_text()
    )
