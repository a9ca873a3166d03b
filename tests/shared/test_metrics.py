"""/metrics on every service (docs/operations.md): read through HTTP, as a scraper reads it.

Metrics live in the process (one registry for every app the tests build), so each test
reads what changed between two scrapes.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest

from ispyb_core.app import create_app
from ispyb_shared import metrics
from ispyb_shared.db import db_session
from tests.auth.keyserver import TestProvider
from tests.conftest import service_config
from tests.support.metrics import requests_of, scrape, value

CORE = "/ispyb/api/v1/core"
ROOT = Path(__file__).resolve().parents[2]


def test_metrics_need_no_token_and_are_in_prometheus_format(anonymous):
    anonymous.get(f"{CORE}/health")
    samples = scrape(anonymous)
    names = {name for name, _labels in samples}
    assert {
        "ispyb_http_requests_total",
        "ispyb_http_request_duration_seconds_bucket",
        "ispyb_http_requests_in_flight",
        "ispyb_db_pool_checked_out",
        "ispyb_db_pool_size",
    } <= names
    # The scrape itself is in flight while it is answered.
    assert value(samples, "ispyb_http_requests_in_flight", service="core") >= 1


def test_requests_are_counted_by_route_template_and_status(client, factory):
    proposal = factory.proposal()
    before = scrape(client)
    assert client.get(f"{CORE}/proposals").status_code == 200
    assert client.get(f"{CORE}/proposals/{proposal.proposalId}").status_code == 200
    assert client.get(f"{CORE}/proposals/987654").status_code == 404
    assert client.get(f"{CORE}/proposals/123456").status_code == 404
    assert client.get(f"{CORE}/no/such/path/4711").status_code == 404
    after = scrape(client)

    def delta(route, status):
        return requests_of(after, route, status) - requests_of(before, route, status)

    item = f"{CORE}/proposals/<string:ref>"
    assert delta(f"{CORE}/proposals", "200") == 1
    assert delta(item, "200") == 1
    assert delta(item, "404") == 2
    assert delta("unmatched", "404") == 1
    # The latency histogram has the same series.
    labels = {"service": "core", "method": "GET", "route": item, "status": "404"}
    count = "ispyb_http_request_duration_seconds_count"
    assert value(after, count, **labels) - value(before, count, **labels) == 2
    assert value(after, "ispyb_http_request_duration_seconds_sum", **labels) > 0
    # No raw path ever becomes a label value.
    routes = {dict(labels).get("route") for _name, labels in after}
    assert not any(route and ("987654" in route or "4711" in route) for route in routes)


def test_methods_that_are_not_http_ones_share_one_label(client):
    before = scrape(client)
    assert client.open(f"{CORE}/proposals", method="BREW").status_code == 405
    assert client.open(f"{CORE}/proposals", method="TEAPOT").status_code == 405
    after = scrape(client)
    other = {"method": "other", "route": "unmatched", "status": "405"}
    assert requests_of(after, **other) - requests_of(before, **other) == 2
    methods = {dict(labels).get("method") for _name, labels in after}
    assert not methods & {"BREW", "TEAPOT"}


@pytest.fixture
def held_app(core_database_url, tokens):
    """Core with one more route, which holds a database connection until released."""
    app = create_app(service_config(core_database_url))
    inside, release = threading.Event(), threading.Event()

    @app.route(f"{CORE}/hold")
    def hold():
        db_session().connection()
        inside.set()
        release.wait(10)
        return {"held": True}

    app.inside, app.release = inside, release
    yield app
    release.set()
    app.extensions["ispyb_database"].dispose()


def test_in_flight_requests_and_checked_out_connections(held_app, tokens):
    client = held_app.test_client()
    at_rest = scrape(client)
    assert value(at_rest, "ispyb_db_pool_checked_out", service="core") == 0
    assert value(at_rest, "ispyb_http_requests_in_flight", service="core") == 1  # the scrape
    assert value(at_rest, "ispyb_db_pool_size", service="core") == 5  # the default pool_size
    assert value(at_rest, "ispyb_db_pool_limit", service="core") == 15  # + max_overflow

    answers = []
    worker = threading.Thread(
        target=lambda: answers.append(client.get(f"{CORE}/hold", headers=tokens.admin()))
    )
    worker.start()
    try:
        assert held_app.inside.wait(10)
        busy = scrape(client)
    finally:
        held_app.release.set()
        worker.join(10)
    assert answers[0].status_code == 200
    assert value(busy, "ispyb_db_pool_checked_out", service="core") == 1
    assert value(busy, "ispyb_http_requests_in_flight", service="core") == 2

    done = scrape(client)
    assert value(done, "ispyb_db_pool_checked_out", service="core") == 0
    assert value(done, "ispyb_http_requests_in_flight", service="core") == 1
    assert requests_of(done, f"{CORE}/hold", "200") - requests_of(busy, f"{CORE}/hold", "200") == 1


def test_jwks_fetches_are_counted_by_outcome():
    from ispyb_shared.app import create_service_app

    provider = TestProvider(issuer="ispyb", audience="ispyb", kid="key-1")
    try:
        provider.server.failing = True
        app = create_service_app(
            service="jwksmetrics",
            title="jwksmetrics",
            description="a service fetching its keys",
            config={
                "database": {"url": "sqlite://"},
                "api": {"max_content_length": 1 << 20, "default_limit": 25, "max_limit": 100},
                "logging": {"level": "INFO", "json": True},
                "auth": {
                    "issuer": "ispyb",
                    "audience": "ispyb",
                    "jwks_url": provider.server.url,
                },
            },
        )
        client = app.test_client()

        def fetches(samples, outcome):
            labels = {"service": "jwksmetrics", "target": "auth", "outcome": outcome}
            return value(samples, "ispyb_outbound_requests_total", **labels)

        # The warm-up fetched once, and failed (500).
        before = scrape(client, "jwksmetrics")
        assert fetches(before, "5xx") == 1
        provider.server.failing = False
        assert client.get("/ispyb/api/v1/jwksmetrics/ready").status_code == 200
        after = scrape(client, "jwksmetrics")
        assert fetches(after, "2xx") == 1
        assert fetches(after, "5xx") == 1
    finally:
        provider.close()


def documented_metric_names() -> set[str]:
    """The metrics the services define (names without _total, _bucket, _count, _sum)."""
    from prometheus_client.metrics import MetricWrapperBase

    from ispyb_shared import metrics

    return {
        family.name
        for collector in vars(metrics).values()
        if isinstance(collector, MetricWrapperBase)
        for family in collector.describe()
    }


def base_name(name: str) -> str:
    return re.sub(r"_(total|bucket|count|sum)$", "", name)


def test_the_dashboard_and_the_docs_name_the_metrics_the_services_serve():
    defined = documented_metric_names()
    dashboard = json.loads((ROOT / "docs" / "grafana-dashboard.json").read_text())
    queried = set()
    for panel in dashboard["panels"]:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            queried |= {base_name(n) for n in re.findall(r"ispyb_[a-z_]+", target["expr"])}
    assert queried == defined
    titles = " ".join(panel["title"] for panel in dashboard["panels"]).lower()
    for topic in ("request rate", "error rate", "p50", "p95", "db pool", "outbound call errors"):
        assert topic in titles, topic
    docs = (ROOT / "docs" / "operations.md").read_text()
    table = {base_name(n) for n in re.findall(r"^\| `(ispyb_[a-z_]+)`", docs, re.MULTILINE)}
    assert table == defined


def test_the_alert_rules_use_the_metrics_the_services_serve():
    import yaml

    rules = yaml.safe_load((ROOT / "docs" / "prometheus-alerts.yml").read_text())
    [group] = rules["groups"]
    used = set()
    for rule in group["rules"]:
        assert rule["alert"] and rule["expr"] and rule["labels"]["severity"]
        used |= {base_name(n) for n in re.findall(r"ispyb_[a-z_]+", rule["expr"])}
    assert used and used <= documented_metric_names()
    docs = (ROOT / "docs" / "operations.md").read_text()
    for rule in group["rules"]:
        assert f"| `{rule['alert']}` |" in docs, rule["alert"]


def test_a_file_removed_while_the_workers_files_are_read_does_not_fail_the_scrape(
    tmp_path, monkeypatch
):
    """A dead worker's gauge file is removed by the gunicorn hook while a scrape lists and
    reads the directory: the scrape reads again instead of answering 500."""
    monkeypatch.setenv(metrics.MULTIPROCESS_DIR_VARIABLE, str(tmp_path))
    real_generate = metrics.generate_latest
    calls = []

    def removed_once(registry):
        calls.append(registry)
        if len(calls) == 1:
            raise FileNotFoundError(str(tmp_path / "gauge_livesum_4242.db"))
        return real_generate(registry)

    monkeypatch.setattr(metrics, "generate_latest", removed_once)
    assert isinstance(metrics.exposition(), bytes)
    assert len(calls) == 2
