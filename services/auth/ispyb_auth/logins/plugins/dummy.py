from __future__ import annotations

from ...identity import Identity
from .base import LoginPlugin


class DummyPlugin(LoginPlugin):
    """Development only (the config refuses it otherwise): anyone, any password.

    Every login gets the plugin's configured roles and beamlines.
    """

    type = "dummy"
    needs = "username"

    def authenticate(self, *, db_session, username, password, token) -> Identity:
        return Identity(
            login=username,
            roles=tuple(self.settings["roles"]),
            beamlines=tuple(self.settings["beamlines"]),
            name=username,
        )
