"""Python client of the ISPyB backend: see :class:`Client` and docs/integration.md."""

from .auth import ClientCredentials, PasswordLogin
from .client import CallInfo, Client, RetryPolicy
from .errors import ApiError, AuthenticationError, IspybError

__all__ = [
    "ApiError",
    "AuthenticationError",
    "CallInfo",
    "Client",
    "ClientCredentials",
    "IspybError",
    "PasswordLogin",
    "RetryPolicy",
]
