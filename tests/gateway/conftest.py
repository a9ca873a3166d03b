from __future__ import annotations

import pytest

import ispyb_gateway
from tests.gateway.support import LocalGateway, StandInService, free_port

PROJECT_SERVICES = ("core", "ssx", "em", "auth")
# Routed only when a test asks for it (start_gateway(services=...)).
OPTIONAL_SERVICES = ("compat",)


@pytest.fixture(scope="session")
def gateway_tool():
    return ispyb_gateway


@pytest.fixture
def start_gateway(tmp_path):
    """Start stand-in services and the local gateway in front of them.

    ``start_gateway(services="core ssx", running=("core",))``: the gateway routes to
    ``services``; only those in ``running`` (default: all of them) have a process behind
    their port, the others are down.
    """
    started: list = []

    def start(*, services: str = "core ssx em auth", running=None, source=None, env=None):
        names = services.replace(",", " ").split()
        running = names if running is None else running
        ports = {name: free_port() for name in (*PROJECT_SERVICES, *OPTIONAL_SERVICES)}
        environ = {f"ISPYB_{name.upper()}_PORT": str(port) for name, port in ports.items()}
        environ.update(env or {})
        stand_ins = {name: StandInService(name, ports[name]).start() for name in running}
        started.extend(stand_ins.values())
        kwargs = {"source": source} if source else {}
        gateway = LocalGateway(tmp_path / "var", services=services, env=environ, **kwargs)
        started.append(gateway.start())
        gateway.stand_ins = stand_ins
        gateway.ports = ports
        return gateway

    yield start
    for thing in reversed(started):
        thing.stop()
