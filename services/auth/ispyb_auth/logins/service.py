"""Logging in: pick the plugin, refuse locked names, authenticate, issue tokens, audit.

Every attempt writes one audit line (logger ``ispyb.auth.audit``): event, plugin, login
name, outcome, client address, and the request id added by the log formatter. Never the
password or a token.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ispyb_shared.db import Database
from ispyb_shared.errors import ApiError, ServiceUnavailable, ValidationFailed

from .. import timeutil
from ..identity import Identity, LoginFailed, LoginLocked
from ..keys.service import KeyStore
from ..tokens.service import issue_purpose_token, issue_user_tokens, purge_expired
from . import throttle
from .plugins import LoginPlugin

audit = logging.getLogger("ispyb.auth.audit")
log = logging.getLogger(__name__)

BEAMLINE = re.compile(r"^[A-Za-z0-9_.-]{1,45}$")


def audit_event(event: str, *, outcome: str, client_ip: str | None, **fields: Any) -> None:
    audit.info(
        "%s %s",
        event,
        outcome,
        extra={"event": event, "outcome": outcome, "clientIp": client_ip, **fields},
    )


def reason(exc: Exception) -> str:
    """What to log about a failure: our own message, or only the exception's class (the
    text of a database error can quote statement parameters, such as a token hash)."""
    return exc.message if isinstance(exc, ApiError) else exc.__class__.__name__


def _plugin(plugins: Mapping[str, LoginPlugin], name: str) -> LoginPlugin:
    plugin = plugins.get(name)
    if plugin is None:
        enabled = ", ".join(plugins) or "none"
        raise ValidationFailed(
            f"Unknown login plugin {name!r}.",
            {"plugin": [f"Not enabled here; enabled: {enabled}."]},
        )
    return plugin


def _check_inputs(
    plugin: LoginPlugin, username: str | None, password: str | None, token: str | None
):
    problems: dict[str, list[str]] = {}
    if plugin.needs in ("password", "username") and not username:
        problems["username"] = [f"Required by the {plugin.name} plugin."]
    if plugin.needs == "password" and not password:
        problems["password"] = [f"Required by the {plugin.name} plugin."]
    if plugin.needs == "token" and not token:
        problems["token"] = [f"Required by the {plugin.name} plugin (the provider's token)."]
    if problems:
        raise ValidationFailed("The login request is incomplete.", problems)


def _clean(identity: Identity) -> Identity:
    """Beamline names that could not be session beamlines are dropped."""
    return Identity(
        login=identity.login,
        roles=identity.roles,
        beamlines=tuple(bl for bl in identity.beamlines if BEAMLINE.match(bl)),
        name=(identity.name or None) and identity.name[:255],
        account_id=identity.account_id,
    )


def login(
    *,
    db_session: Session,
    database: Database,
    keystore: KeyStore,
    config: Mapping[str, Any],
    plugins: Mapping[str, LoginPlugin],
    plugin_name: str,
    username: str | None,
    password: str | None,
    token: str | None,
    client_ip: str | None,
    purpose: str | None = None,
) -> dict[str, Any]:
    plugin = _plugin(plugins, plugin_name)
    _check_inputs(plugin, username, password, token)
    attempted = username if plugin.needs != "token" else None
    fields = {"plugin": plugin.name, "login": attempted, "client_ip": client_ip}
    now = timeutil.utcnow()
    source = throttle.source_key(client_ip)
    try:
        throttle.check_address(db_session, source=source, now=now)
    except throttle.AddressBlocked:
        audit_event("login", outcome="address-blocked", **fields)
        raise
    lockout = plugin.lockout
    key_name = throttle.throttle_key(username) if lockout and username else None
    known = False
    if key_name:
        where = {"plugin": plugin.name, "login": key_name}
        seconds = throttle.locked_for(db_session, **where, source=source, now=now)
        if seconds:
            audit_event("login", outcome="locked", **fields)
            raise LoginLocked(
                f"Too many failed logins: try again in {seconds} seconds.", retry_after=seconds
            )
        known = throttle.is_known_source(
            db_session, **where, source=source, lockout=lockout, now=now
        )
        if not known:
            wait = throttle.slowdown_wait(database, **where, lockout=lockout, now=now)
            if wait:
                audit_event("login", outcome="slowed-down", **fields)
                raise LoginLocked(
                    "Too many failed logins for this name from new places: "
                    f"try again in {wait} seconds.",
                    retry_after=wait,
                )
    # Before anything is written in the request's transaction (see KeyStore.signing_key).
    signing_key = keystore.signing_key()
    purge_expired(database)
    try:
        identity = plugin.authenticate(
            db_session=db_session, username=username, password=password, token=token
        )
    except LoginFailed:
        locked = False
        if key_name:
            locked = throttle.record_failure(
                database,
                plugin=plugin.name,
                login=key_name,
                source=source,
                known=known,
                lockout=lockout,
                now=now,
            )
        throttle.record_address_failure(
            database, source=source, settings=config["address_throttle"], now=now
        )
        audit_event("login", outcome="locked-now" if locked else "failed", **fields)
        raise
    except ServiceUnavailable:
        audit_event("login", outcome="unavailable", **fields)
        raise
    identity = _clean(identity)
    if key_name:
        throttle.succeeded(
            db_session, plugin=plugin.name, login=key_name, source=source, lockout=lockout, now=now
        )
    if purpose:
        tokens = issue_purpose_token(
            db_session=db_session,
            key=signing_key,
            config=config,
            identity=identity,
            purpose=purpose,
        )
    else:
        tokens = issue_user_tokens(
            db_session=db_session,
            key=signing_key,
            config=config,
            identity=identity,
            plugin=plugin.name,
        )
    plugin.after_login(db_session=db_session, identity=identity, password=password)
    audit_event(
        "login",
        outcome="success",
        **{**fields, "login": identity.login, "roles": sorted(identity.roles)},
    )
    return tokens


def guard_address(*, db_session: Session, client_ip: str | None) -> str:
    """Refuse a blocked address (429 RATE_LIMITED); its source key for failure counting."""
    source = throttle.source_key(client_ip)
    throttle.check_address(db_session, source=source, now=timeutil.utcnow())
    return source


def count_address_failure(
    *, db_session: Session, database: Database, config: Mapping[str, Any], source: str
) -> None:
    """Count a failed credential check of the address. The request fails anyway: its
    transaction is rolled back first, so that this one can write (SQLite has one writer).
    Best effort: the caller's own error (401) is what it gets, even if counting fails."""
    db_session.rollback()
    try:
        throttle.record_address_failure(
            database, source=source, settings=config["address_throttle"], now=timeutil.utcnow()
        )
    except DBAPIError as exc:
        log.warning("could not count a failed attempt: %s", exc.__class__.__name__)
