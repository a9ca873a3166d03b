"""ssx counts its calls to core in its /metrics (docs/operations.md)."""

from __future__ import annotations

from tests.support.metrics import scrape, value


def test_calls_to_core_are_counted_by_outcome(ssx_app, core_calls):
    # ssx's readiness asks core's /health: one outbound call per /ready.
    client = ssx_app.test_client()

    def outbound(samples, outcome):
        labels = {"service": "ssx", "target": "core", "outcome": outcome}
        return value(samples, "ispyb_outbound_requests_total", **labels)

    before = scrape(client, "ssx")
    assert client.get("/ispyb/api/v1/ssx/ready").status_code == 200
    core_calls.down = True
    assert client.get("/ispyb/api/v1/ssx/ready").status_code == 503
    core_calls.down = False
    core_calls.answer_status = 500
    assert client.get("/ispyb/api/v1/ssx/ready").status_code == 503
    after = scrape(client, "ssx")
    for outcome in ("2xx", "unreachable", "5xx"):
        assert outbound(after, outcome) - outbound(before, outcome) == 1, outcome
    count = "ispyb_outbound_request_duration_seconds_count"
    labels = {"service": "ssx", "target": "core", "outcome": "unreachable"}
    assert value(after, count, **labels) - value(before, count, **labels) == 1
