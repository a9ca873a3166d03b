"""Reading a service's /metrics as a scraper does (tests of docs/operations.md)."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


def scrape(client, service: str = "core") -> dict[tuple[str, frozenset], float]:
    """{(sample name, labels): value} of the service's /metrics, fetched with no token."""
    response = client.get(f"/ispyb/api/v1/{service}/metrics", headers={"Authorization": ""})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def requests_of(samples, route: str, status: str, method: str = "GET", service: str = "core"):
    labels = {"service": service, "method": method, "route": route, "status": status}
    return value(samples, "ispyb_http_requests_total", **labels)
