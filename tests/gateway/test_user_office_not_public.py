"""The user-office sync endpoint is not public: the gateway answers it like a path without
a route (docs/user-office-sync.md, docs/gateway.md); core itself still serves it."""

from __future__ import annotations

import json

import yaml

from tests.gateway.support import SOURCE, request

BLOCKED = "/ispyb/api/v1/core/user-office"


def test_kong_yml_terminates_the_user_office_paths_with_404():
    config = yaml.safe_load(SOURCE.read_text())
    core = next(s for s in config["services"] if s["name"] == "core")
    route = next(r for r in core["routes"] if BLOCKED in r["paths"])
    (plugin,) = route["plugins"]
    assert plugin["name"] == "request-termination"
    assert plugin["config"]["status_code"] == 404


def test_the_local_gateway_does_not_expose_the_sync_endpoint(start_gateway):
    gateway = start_gateway()
    body = json.dumps({"version": 1}).encode()
    headers = {"Content-Type": "application/json", "Authorization": "Bearer x"}
    for method, path in (
        ("POST", f"{BLOCKED}/sync"),
        ("GET", f"{BLOCKED}/sync-runs"),
        ("GET", f"{BLOCKED}/sync-runs/1"),
        ("GET", BLOCKED),
    ):
        response = gateway.request(
            method, path, body=body if method == "POST" else None, headers=headers
        )
        assert response.status == 404, (path, response.body)
        assert response.json()["message"] == "no Route matched with those values"
        assert "service" not in response.json()  # never reached core
    # The rest of core is routed as before.
    assert gateway.request("GET", "/ispyb/api/v1/core/proposals").json()["service"] == "core"
    # Directly on core's port (the internal network) the path is served.
    direct = request(gateway.ports["core"], "POST", f"{BLOCKED}/sync", body=body, headers=headers)
    assert direct.status == 200 and direct.json()["path"] == f"{BLOCKED}/sync"
