"""auth serves /metrics like every service (docs/operations.md)."""

from __future__ import annotations

from tests.support.metrics import requests_of, scrape, value

PREFIX = "/ispyb/api/v1/auth"


def test_metrics_answer_without_a_token_and_count_requests(auth_app):
    client = auth_app.test_client()
    before = scrape(client, "auth")
    assert client.get(f"{PREFIX}/health").status_code == 200
    after = scrape(client, "auth")
    health = {"route": f"{PREFIX}/health", "status": "200", "service": "auth"}
    assert requests_of(after, **health) - requests_of(before, **health) == 1
    assert value(after, "ispyb_db_pool_checked_out", service="auth") == 0
    assert value(after, "ispyb_http_requests_in_flight", service="auth") == 1  # the scrape
