"""What the auth service's views need, built once per app."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app

from ispyb_shared.db import Database
from ispyb_shared.logging import request_client_address

from .config import Argon2Config
from .keys.service import KeyStore
from .logins.plugins import LocalPlugin, LoginPlugin
from .passwords import PasswordHasher


@dataclass
class AuthRuntime:
    config: Mapping[str, Any]
    database: Database
    plugins: dict[str, LoginPlugin]
    keystore: KeyStore
    hasher: PasswordHasher
    min_password_length: int

    @property
    def local_plugin_names(self) -> list[str]:
        return [name for name, p in self.plugins.items() if isinstance(p, LocalPlugin)]


def password_policy(config: Mapping[str, Any]) -> tuple[PasswordHasher, int]:
    """Hasher and minimum length for accounts: the first local plugin's, else defaults."""
    for settings in config["plugins"].values():
        if settings["type"] == "local":
            return PasswordHasher(settings["argon2"]), settings["min_password_length"]
    return PasswordHasher(Argon2Config().load({})), 8


def get_runtime() -> AuthRuntime:
    return current_app.extensions["ispyb_auth"]


def client_ip() -> str | None:
    """The caller's address: X-Forwarded-For counts only from `api.trusted_proxies`."""
    return request_client_address()
