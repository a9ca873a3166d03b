"""/ready that means it: each dependency with its state, 503 while a required one is down;
/health stays liveness. Real dependencies: a JWKS over HTTP, a core app served over HTTP."""

from __future__ import annotations

import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

from tests.auth.keyserver import TestProvider
from tests.support.ports import free_port

CORE = "/ispyb/api/v1/core"


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def provider():
    provider = TestProvider(issuer="ispyb", audience="ispyb")
    yield provider
    provider.server.close()


def _core_app(jwks_url: str):
    from ispyb_core.app import create_app

    return create_app(
        {
            "database": {"url": "sqlite://"},
            "auth": {"jwks_url": jwks_url},
            "api": {"warm_up": False},
        }
    )


@pytest.fixture
def served_core(provider):
    """A real core over HTTP, for em's readiness."""
    app = _core_app(provider.server.url)
    server = make_server("127.0.0.1", free_port(), app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _em_app(jwks_url: str, core_url: str, *, service: str = "em"):
    if service == "ssx":
        from ispyb_ssx.app import create_app
    else:
        from ispyb_em.app import create_app

    return create_app(
        {
            "database": {"url": "sqlite://"},
            "auth": {"jwks_url": jwks_url},
            "core": {"url": core_url, "timeout_seconds": 1},
            "api": {"warm_up": False},
        }
    )


def test_ready_names_each_dependency_and_its_state(provider):
    client = _core_app(provider.server.url).test_client()
    answer = client.get(f"{CORE}/ready")
    assert answer.status_code == 200, answer.json
    assert answer.json["status"] == "ready"
    assert answer.json["database"] == "ok"
    dependencies = answer.json["dependencies"]
    assert set(dependencies) == {"database", "jwks"}
    assert dependencies["jwks"]["status"] == "ok" and dependencies["jwks"]["required"]
    assert "1 key(s)" in dependencies["jwks"]["detail"]


def test_a_jwks_that_cannot_be_fetched_is_not_ready_but_alive(provider):
    provider.server.failing = True
    client = _core_app(provider.server.url).test_client()
    answer = client.get(f"{CORE}/ready")
    assert answer.status_code == 503
    assert answer.json["status"] == "unavailable"
    assert answer.json["dependencies"]["jwks"]["status"] == "down"
    assert answer.json["dependencies"]["database"]["status"] == "ok"
    assert client.get(f"{CORE}/health").status_code == 200


def test_keys_once_fetched_keep_a_service_ready_while_auth_is_away(provider):
    client = _core_app(provider.server.url).test_client()
    assert client.get(f"{CORE}/ready").status_code == 200
    provider.server.failing = True  # cached keys still verify tokens
    assert client.get(f"{CORE}/ready").status_code == 200


@pytest.mark.parametrize("service", ["em", "ssx"])
def test_em_and_ssx_need_core(provider, served_core, service):
    prefix = f"/ispyb/api/v1/{service}"
    app = _em_app(provider.server.url, served_core, service=service)
    ready = app.test_client().get(f"{prefix}/ready")
    assert ready.status_code == 200, ready.json
    assert ready.json["dependencies"]["core"]["status"] == "ok"
    dead = f"http://127.0.0.1:{free_port()}"
    client = _em_app(provider.server.url, dead, service=service).test_client()
    answer = client.get(f"{prefix}/ready")
    assert answer.status_code == 503
    assert answer.json["dependencies"]["core"] == {
        "status": "down",
        "required": True,
        "detail": f"{dead} cannot be reached (ConnectionError)",
    }
    assert client.get(f"{prefix}/health").status_code == 200
