"""Login mechanisms, chosen and configured in the ``plugins`` section of auth's config."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import LoginPlugin
from .dummy import DummyPlugin
from .ldap import LdapPlugin
from .local import LocalPlugin
from .oidc import OidcPlugin

PLUGIN_TYPES: dict[str, type[LoginPlugin]] = {
    "local": LocalPlugin,
    "ldap": LdapPlugin,
    "oidc": OidcPlugin,
    "dummy": DummyPlugin,
}


def build_plugins(config: Mapping[str, Any]) -> dict[str, LoginPlugin]:
    """One plugin object per configured name (the config was validated already)."""
    return {
        name: PLUGIN_TYPES[settings["type"]](name, settings)
        for name, settings in config["plugins"].items()
    }


__all__ = ["PLUGIN_TYPES", "LoginPlugin", "build_plugins"]
