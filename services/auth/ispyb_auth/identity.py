"""What a login plugin establishes about a person, and the errors of a login."""

from __future__ import annotations

from dataclasses import dataclass, field

from ispyb_shared.errors import ApiError


@dataclass(frozen=True)
class Identity:
    login: str
    roles: tuple[str, ...] = ()
    beamlines: tuple[str, ...] = ()
    name: str | None = None
    # Local accounts: roles are read again from the account at every refresh.
    account_id: int | None = field(default=None, compare=False)


class LoginFailed(ApiError):
    """Wrong credentials (the message never says which part was wrong)."""

    status = 401
    code = "UNAUTHORIZED"


class LoginLocked(ApiError):
    """Too many failed logins for this login name: refused until the lock expires."""

    status = 429
    code = "LOGIN_LOCKED"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message, {"retryAfterSeconds": retry_after})
        self.retry_after = retry_after
