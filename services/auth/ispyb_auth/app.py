"""The auth service's app factory. ``gunicorn 'ispyb_auth.app:create_app()'``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from ispyb_shared.app import BEARER_REQUIREMENT, BEARER_SECURITY, create_service_app
from ispyb_shared.auth import RevocationList, TokenVerifier, init_auth
from ispyb_shared.config import validate_config
from ispyb_shared.db import Database
from ispyb_shared.errors import error_response
from ispyb_shared.idempotency import init_idempotency

from .config import AuthConfig, load_auth_config
from .identity import LoginLocked
from .keys.service import KeyStore
from .logins.plugins import build_plugins
from .revocations.service import own_revocations
from .runtime import AuthRuntime, password_policy


def create_app(config: Mapping[str, Any] | None = None, *, database: Database | None = None):
    """Build auth. ``config`` is validated like the file; None reads file + environment."""
    config = load_auth_config() if config is None else validate_config(config, AuthConfig)
    from .accounts.api import ns as accounts
    from .clients.api import ns as clients
    from .keys.api import jwks_ns
    from .keys.api import ns as keys
    from .login_config.api import ns as login_config
    from .revocations.api import ns as revocations
    from .tokens.api import ns as tokens
    from .tokens.api import refresh_ns

    app: Flask = create_service_app(
        service="auth",
        title="ISPyB auth",
        description="Logs people and machine clients in and issues access tokens (JWT, RS256) "
        "that every ISPyB service verifies; manages local accounts, machine clients and "
        "signing keys. See docs/auth.md.",
        config=config,
        namespaces=[
            tokens,
            login_config,
            jwks_ns,
            revocations,
            accounts,
            clients,
            refresh_ns,
            keys,
        ],
        database=database,
    )
    from .database import IdempotencyRecord

    init_idempotency(app, IdempotencyRecord)
    api = app.extensions["ispyb_api"]
    api.authorizations = BEARER_SECURITY
    api.security = BEARER_REQUIREMENT

    database = app.extensions["ispyb_database"]
    keystore = KeyStore(
        database,
        access_token_seconds=config["access_token_seconds"],
        leeway_seconds=config["leeway_seconds"],
        key_size=config["signing_keys"]["key_size"],
        rotate_after_days=config["signing_keys"]["rotate_after_days"],
        encryption_secret=config["signing_keys"]["encryption_secret"],
        verification_cache_seconds=config["signing_keys"]["verification_cache_seconds"],
    )
    hasher, min_password_length = password_policy(config)
    app.extensions["ispyb_auth"] = AuthRuntime(
        config=config,
        database=database,
        plugins=build_plugins(config),
        keystore=keystore,
        hasher=hasher,
        min_password_length=min_password_length,
    )

    def current_revocations() -> dict[str, Any]:
        with database.read_sessionmaker() as session:
            return own_revocations(db_session=session, config=config)

    # Auth verifies tokens for its own protected endpoints with the keys in its database,
    # and reads its revocation list at every request (a disabled admin is out at once).
    verifier = TokenVerifier(
        issuer=config["issuer"],
        audience=config["audience"],
        key_provider=keystore.verification_key,
        leeway_seconds=config["leeway_seconds"],
        revocations=RevocationList(current_revocations, poll_seconds=0, retry_seconds=0),
    )
    init_auth(app, verifier)

    @app.errorhandler(LoginLocked)  # and AddressBlocked, a kind of it
    def _login_locked(exc: LoginLocked):
        response = error_response(exc.status, exc.code, exc.message, exc.details)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    return app
