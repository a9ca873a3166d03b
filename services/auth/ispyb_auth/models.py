"""Every model of auth, imported once so the metadata is complete (migrations, tests)."""

from .accounts.models import Account
from .clients.models import Client
from .database import Base, IdempotencyRecord
from .keys.models import SigningKey
from .logins.models import AddressThrottle, KnownSource, LoginThrottle
from .revocations.models import Revocation
from .tokens.models import RefreshToken

__all__ = [
    "Account",
    "AddressThrottle",
    "Base",
    "Client",
    "IdempotencyRecord",
    "KnownSource",
    "LoginThrottle",
    "RefreshToken",
    "Revocation",
    "SigningKey",
]
