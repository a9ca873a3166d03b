"""em serves /metrics like every service (docs/operations.md)."""

from __future__ import annotations

from tests.support.metrics import requests_of, scrape, value

PREFIX = "/ispyb/api/v1/em"


def test_metrics_answer_without_a_token_and_count_requests(em_app):
    client = em_app.test_client()
    before = scrape(client, "em")
    assert client.get(f"{PREFIX}/health").status_code == 200
    after = scrape(client, "em")
    health = {"route": f"{PREFIX}/health", "status": "200", "service": "em"}
    assert requests_of(after, **health) - requests_of(before, **health) == 1
    assert value(after, "ispyb_db_pool_checked_out", service="em") == 0
    assert value(after, "ispyb_http_requests_in_flight", service="em") == 1  # the scrape
