"""The services compat calls: core, auth, em and ssx, each through the shared client
(ispyb_shared.core_client) with the caller's own Authorization header and request id.

compat never holds a credential of its own: what a caller sees through compat is what
core (or em, ssx, auth) shows that caller, reshaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app

from ispyb_shared.app import service_prefix
from ispyb_shared.core_client import CoreClient, Credentials, Transport

UPSTREAMS = {"core": "core", "auth": "auth_service", "em": "em", "ssx": "ssx"}


@dataclass(frozen=True)
class Upstreams:
    core: CoreClient
    auth: CoreClient
    em: CoreClient
    ssx: CoreClient

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], *, transport: Transport | None = None
    ) -> Upstreams:
        clients = {
            name: CoreClient.from_settings(
                config[section], transport=transport, prefix=service_prefix(name), name=name
            )
            for name, section in UPSTREAMS.items()
        }
        return cls(**clients)


def upstreams() -> Upstreams:
    """The app's clients."""
    return current_app.extensions["compat_upstreams"]


def credentials() -> Credentials:
    """The current caller's Authorization header and request id, forwarded as they are."""
    return Credentials.of_request()
