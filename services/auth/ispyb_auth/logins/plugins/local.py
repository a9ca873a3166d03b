from __future__ import annotations

from sqlalchemy import func, select

from ... import timeutil
from ...accounts.models import Account
from ...identity import Identity, LoginFailed
from ...names import split_names
from ...passwords import PasswordHasher
from .base import LoginPlugin


class LocalPlugin(LoginPlugin):
    """Accounts kept by the auth service (``/accounts``), argon2id password hashes."""

    type = "local"
    needs = "password"

    def __init__(self, name, settings):
        super().__init__(name, settings)
        self.hasher = PasswordHasher(settings["argon2"])

    def authenticate(self, *, db_session, username, password, token) -> Identity:
        account = db_session.execute(
            select(Account).where(func.lower(Account.login) == username.lower())
        ).scalar_one_or_none()
        # Verified even when there is no account (against a decoy hash): same cost, so
        # the response time does not tell which logins exist.
        if not self.hasher.verify(account.passwordHash if account else None, password):
            raise LoginFailed("Invalid username or password.")
        if not account.active:
            raise LoginFailed("The account is disabled.")
        return Identity(
            login=account.login,
            roles=tuple(split_names(account.roles)),
            beamlines=tuple(split_names(account.beamlines)),
            name=account.displayName,
            account_id=account.accountId,
        )

    def after_login(self, *, db_session, identity, password) -> None:
        account = db_session.get(Account, identity.account_id)
        if account is None:
            return
        account.lastLoginAt = timeutil.utcnow()
        if account.passwordHash and self.hasher.needs_rehash(account.passwordHash):
            account.passwordHash = self.hasher.hash(password)
        db_session.flush()
