"""The services' /metrics are not public: the gateway answers them like a path without a
route (docs/operations.md, docs/gateway.md); each service still serves them directly."""

from __future__ import annotations

import yaml

from tests.gateway.conftest import PROJECT_SERVICES
from tests.gateway.support import SOURCE, request


def metrics_path(service: str) -> str:
    return f"/ispyb/api/v1/{service}/metrics"


def test_kong_yml_terminates_every_services_metrics_with_404():
    config = yaml.safe_load(SOURCE.read_text())
    for service in PROJECT_SERVICES:
        routes = next(s for s in config["services"] if s["name"] == service)["routes"]
        route = next(r for r in routes if metrics_path(service) in r["paths"])
        assert route["name"] == f"{service}-metrics-blocked"
        (plugin,) = route["plugins"]
        assert plugin["name"] == "request-termination"
        assert plugin["config"]["status_code"] == 404
    # Kong's own metrics stay (its status listener, not a route).
    assert any(plugin["name"] == "prometheus" for plugin in config["plugins"])


def test_the_local_gateway_does_not_route_metrics(start_gateway):
    gateway = start_gateway()
    for service in PROJECT_SERVICES:
        for path in (metrics_path(service), metrics_path(service) + "?name[]=x"):
            response = gateway.request("GET", path, headers={"X-Request-ID": f"m-{service}"})
            assert response.status == 404, (path, response.body)
            assert response.json() == {
                "code": "NOT_FOUND",
                "message": "no Route matched with those values",
                "details": None,
                "requestId": f"m-{service}",
            }
        # The rest of the service is routed as before, and the service itself (its port,
        # the internal network) serves the path.
        assert gateway.request("GET", f"/ispyb/api/v1/{service}/health").json()["service"] == (
            service
        )
        direct = request(gateway.ports[service], "GET", metrics_path(service))
        assert direct.status == 200 and direct.json()["path"] == metrics_path(service)
