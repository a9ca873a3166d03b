"""The whole stack (tools/run.py: core, em and auth behind the gateway, demo data seeded)
started once per backend for the client's tests, which talk to it only through the
gateway URL, as a program at a facility would."""

from __future__ import annotations

import pytest

from ispyb_api_client import Client, RetryPolicy
from tests.gateway.support import RunningStack

SERVICES = ["core", "em", "auth"]
# Short-lived access tokens (auth's minimum), so that renewal happens within a test.
ACCESS_TOKEN_SECONDS = 30
PIPELINE = {"client_id": "demo-pipeline", "client_secret": "demo-pipeline-secret"}
EM_DEMO_DATA_COLLECTION = "7c0e5c1e-5d1a-4b8e-9a57-2f7f3a0c4e01"


@pytest.fixture(scope="session")
def stack(backend, request, tmp_path_factory, tokens):
    running = RunningStack(
        tmp_path_factory.mktemp(f"client-stack-{backend}"),
        SERVICES,
        tokens,
        {"ISPYB_AUTH__ACCESS_TOKEN_SECONDS": str(ACCESS_TOKEN_SECONDS)},
        real_auth=True,
    )
    if backend == "mariadb":
        server = request.getfixturevalue("mariadb")
        for name in SERVICES:
            running.env[f"ISPYB_{name.upper()}__DATABASE__URL"] = server.create_database(
                f"client_{name}"
            )
    running.start()
    yield running
    assert running.stop() == 0


@pytest.fixture(scope="session")
def gateway_url(stack) -> str:
    return f"http://127.0.0.1:{stack.gateway_port}"


@pytest.fixture
def connect(gateway_url):
    """``connect("alice")`` (demo password), ``connect(**PIPELINE)``; quick retries."""

    def make(username: str | None = None, *, url: str | None = None, **kwargs) -> Client:
        kwargs.setdefault("retry", RetryPolicy(retries=8, backoff=0.25, max_backoff=2))
        if username is not None:
            kwargs.setdefault("password", f"demo-{username}")
        return Client(url or gateway_url, username=username, **kwargs)

    return make


@pytest.fixture
def pipeline(connect) -> Client:
    return connect(**PIPELINE)
