from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from sqlalchemy.orm import Session

from ...identity import Identity

# The login body's fields each kind of plugin needs.
LOGIN_FIELDS = {
    "password": ("username", "password"),
    "token": ("token",),
    "username": ("username",),
}


class LoginPlugin:
    """A way to log in. ``authenticate`` raises LoginFailed for wrong credentials and
    ServiceUnavailable when the system it asks (directory, identity provider) is down."""

    type: ClassVar[str]
    # Which fields of the login body this plugin needs: "password" (with username) or
    # "token"; "username" alone for the dummy plugin.
    needs: ClassVar[str]

    def __init__(self, name: str, settings: Mapping[str, Any]):
        self.name = name
        self.settings = settings

    def public_description(self) -> dict[str, Any]:
        """What a front end needs to offer this login (``GET /config``): never a secret."""
        return {"name": self.name, "type": self.type, "needs": list(LOGIN_FIELDS[self.needs])}

    @property
    def lockout(self) -> Mapping[str, Any] | None:
        """Failed-login throttling settings; None when guessing is not possible."""
        return self.settings.get("lockout")

    def authenticate(
        self,
        *,
        db_session: Session,
        username: str | None,
        password: str | None,
        token: str | None,
    ) -> Identity:
        raise NotImplementedError

    def after_login(self, *, db_session: Session, identity: Identity, password: str | None):
        """Book-keeping once tokens are issued (the request's transaction is writable)."""
