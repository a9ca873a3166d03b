"""Access tokens (JWT, RS256) and refresh tokens (opaque, stored hashed, rotated).

Functions that write from outside the request's transaction take ``database``: a revoked
family must stay revoked even though the request that discovered the reuse fails.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import time
import uuid
from collections.abc import Mapping
from typing import Any

import jwt
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ispyb_shared.auth import ALGORITHM, CLIENT, USER, Forbidden
from ispyb_shared.crud import one_or_404
from ispyb_shared.db import Database
from ispyb_shared.errors import NotFound, ValidationFailed
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate

from .. import timeutil
from ..accounts.models import Account
from ..clients.models import Client
from ..identity import Identity, LoginFailed
from ..keys.service import ActiveKey
from ..names import join_names, split_names
from ..passwords import secret_matches
from ..revocations.service import issue_time, revoke_access
from .models import RefreshToken

log = logging.getLogger(__name__)

TOKEN_TYPE = "Bearer"

LIST_SPEC = ListSpec(
    filters={
        "subject": Filter(RefreshToken.subject, ("eq", "in"), "The person's login"),
        "plugin": Filter(RefreshToken.plugin, ("eq",), "Login plugin"),
        "familyId": Filter(RefreshToken.familyId, ("eq",), "Login (family) id"),
        "revokedReason": Filter(RefreshToken.revokedReason, ("eq", "in"), "Why it was revoked"),
    },
    sortable={
        "issuedAt": RefreshToken.issuedAt,
        "expiresAt": RefreshToken.expiresAt,
        "subject": RefreshToken.subject,
    },
    default_sort=("-issuedAt",),
    tiebreak=(RefreshToken.refreshTokenId,),
)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_access_token(
    *,
    key: ActiveKey,
    config: Mapping[str, Any],
    subject: str,
    kind: str,
    roles: list[str] | tuple[str, ...] = (),
    beamlines: list[str] | tuple[str, ...] = (),
    scope: str = "",
    name: str | None = None,
    now: dt.datetime | None = None,
    purpose: str | None = None,
    lifetime: int | None = None,
) -> str:
    """An access token with the claims of the contract (docs/auth.md)."""
    issued = timeutil.epoch_seconds(now or timeutil.utcnow())
    claims: dict[str, Any] = {
        "iss": config["issuer"],
        "aud": config["audience"],
        "iat": issued,
        "nbf": issued,
        "exp": issued + (lifetime or config["access_token_seconds"]),
        "jti": str(uuid.uuid4()),
        "sub": subject,
        "kind": kind,
        "roles": sorted(roles),
        "beamlines": sorted(beamlines),
        "scope": scope,
    }
    if name:
        claims["name"] = name
    if purpose:
        claims["purpose"] = purpose
    return jwt.encode(
        claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid, "typ": "JWT"}
    )


def issue_purpose_token(
    *,
    db_session: Session,
    key: ActiveKey,
    config: Mapping[str, Any],
    identity: Identity,
    purpose: str,
) -> dict[str, Any]:
    """An access token for ``purpose`` only (compat-java): read-only in every service
    (ispyb_shared.auth.refuse_purpose_writes), ``compat_java_token_seconds`` long, and no
    refresh token (nothing outlives it)."""
    lifetime = config["compat_java_token_seconds"]
    issued = issue_time(
        db_session=db_session, kind=USER, subject=identity.login, now=timeutil.utcnow()
    )
    access = sign_access_token(
        key=key,
        config=config,
        subject=identity.login,
        kind=USER,
        roles=identity.roles,
        beamlines=identity.beamlines,
        name=identity.name,
        now=issued,
        purpose=purpose,
        lifetime=lifetime,
    )
    return {
        "access_token": access,
        "token_type": TOKEN_TYPE,
        "expires_in": lifetime,
        "scope": "",
        "purpose": purpose,
    }


def issue_user_tokens(
    *,
    db_session: Session,
    key: ActiveKey,
    config: Mapping[str, Any],
    identity: Identity,
    plugin: str,
    family_id: str | None = None,
    family_expires_at: dt.datetime | None = None,
) -> dict[str, Any]:
    """An access token and a new refresh token (of a new family unless one is given)."""
    now = timeutil.utcnow()
    issued = issue_time(db_session=db_session, kind=USER, subject=identity.login, now=now)
    access = sign_access_token(
        key=key,
        config=config,
        subject=identity.login,
        kind=USER,
        roles=identity.roles,
        beamlines=identity.beamlines,
        name=identity.name,
        now=issued,
    )
    refresh = secrets.token_urlsafe(32)
    expires_at = family_expires_at or now + dt.timedelta(seconds=config["refresh_token_seconds"])
    db_session.add(
        RefreshToken(
            tokenHash=token_hash(refresh),
            familyId=family_id or str(uuid.uuid4()),
            subject=identity.login,
            plugin=plugin,
            displayName=identity.name,
            roles=join_names(identity.roles),
            beamlines=join_names(identity.beamlines),
            issuedAt=now,
            expiresAt=expires_at,
        )
    )
    db_session.flush()
    return {
        "access_token": access,
        "token_type": TOKEN_TYPE,
        "expires_in": config["access_token_seconds"],
        "refresh_token": refresh,
        "refresh_expires_in": max(0, int((expires_at - now).total_seconds())),
        "scope": "",
    }


_PURGE_INTERVAL_SECONDS = 60.0
_next_purge = 0.0


def purge_expired(database: Database) -> None:
    """Delete expired refresh tokens (they can no longer be used nor reused), at most once a
    minute per process, in a transaction of its own.

    Call it before the request writes anything (SQLite allows one writer at a time, even
    within one thread). Best effort: a failure is logged and retried later."""
    global _next_purge
    if time.monotonic() < _next_purge:
        return
    _next_purge = time.monotonic() + _PURGE_INTERVAL_SECONDS
    try:
        with database.sessionmaker() as session, session.begin():
            session.execute(delete(RefreshToken).where(RefreshToken.expiresAt < timeutil.utcnow()))
    except DBAPIError as exc:
        log.warning("could not purge expired refresh tokens: %s", exc.__class__.__name__)


def _revoke_family(database: Database, family_id: str, reason: str) -> int:
    """Revoke a family in a transaction of its own (it must outlive a failing request)."""
    with database.sessionmaker() as session, session.begin():
        result = session.execute(
            update(RefreshToken)
            .where(RefreshToken.familyId == family_id, RefreshToken.revokedAt.is_(None))
            .values(revokedAt=timeutil.utcnow(), revokedReason=reason)
        )
        return result.rowcount


def refresh_user_tokens(
    *,
    db_session: Session,
    database: Database,
    key: ActiveKey,
    config: Mapping[str, Any],
    refresh_token: str,
) -> tuple[dict[str, Any], RefreshToken]:
    """Exchange a refresh token for new tokens; the one presented is revoked (rotation).

    A token already replaced coming back means two parties hold it: the whole family is
    revoked, so the thief's copy dies with the owner's.
    """
    now = timeutil.utcnow()
    row = db_session.execute(
        select(RefreshToken).where(RefreshToken.tokenHash == token_hash(refresh_token))
    ).scalar_one_or_none()
    if row is None:
        raise LoginFailed("The refresh token is invalid.")
    if row.revokedAt is not None:
        if row.revokedReason == "rotated":
            revoked = _revoke_family(database, row.familyId, "reuse")
            log.warning(
                "a replaced refresh token was presented again: its family is revoked",
                extra={"event": "refresh_reuse", "login": row.subject, "revoked": revoked},
            )
        raise LoginFailed("The refresh token has been revoked.")
    if row.expiresAt <= now:
        raise LoginFailed("The refresh token has expired.")
    plugins = config["plugins"]
    if row.plugin not in plugins:
        _revoke_family(database, row.familyId, "plugin-removed")
        raise LoginFailed("The login plugin of this session is no longer enabled.")
    identity = Identity(
        login=row.subject,
        roles=tuple(split_names(row.roles)),
        beamlines=tuple(split_names(row.beamlines)),
        name=row.displayName,
    )
    if plugins[row.plugin]["type"] == "local":
        account = db_session.execute(
            select(Account).where(Account.login == row.subject)
        ).scalar_one_or_none()
        if account is None or not account.active:
            _revoke_family(database, row.familyId, "account-disabled")
            raise LoginFailed("The account is disabled.")
        identity = Identity(
            login=account.login,
            roles=tuple(split_names(account.roles)),
            beamlines=tuple(split_names(account.beamlines)),
            name=account.displayName,
        )
    # Only one of two concurrent refreshes with the same token may win.
    claimed = db_session.execute(
        update(RefreshToken)
        .where(RefreshToken.refreshTokenId == row.refreshTokenId, RefreshToken.revokedAt.is_(None))
        .values(revokedAt=now, revokedReason="rotated")
    )
    if claimed.rowcount != 1:
        raise LoginFailed("The refresh token has been revoked.")
    tokens = issue_user_tokens(
        db_session=db_session,
        key=key,
        config=config,
        identity=identity,
        plugin=row.plugin,
        family_id=row.familyId,
        family_expires_at=row.expiresAt,
    )
    return tokens, row


def logout(*, db_session: Session, refresh_token: str) -> RefreshToken | None:
    """Revoke the session (family) of a refresh token; unknown tokens are ignored."""
    row = db_session.execute(
        select(RefreshToken).where(RefreshToken.tokenHash == token_hash(refresh_token))
    ).scalar_one_or_none()
    if row is None:
        return None
    db_session.execute(
        update(RefreshToken)
        .where(RefreshToken.familyId == row.familyId, RefreshToken.revokedAt.is_(None))
        .values(revokedAt=timeutil.utcnow(), revokedReason="logout")
    )
    return row


def revoke_subject(
    *, db_session: Session, subject: str, reason: str, plugins: list[str] | None = None
) -> int:
    """Revoke every usable refresh token of a person (of some plugins only if given), and
    void the access tokens already issued to them (the revocation list)."""
    matching = func.lower(RefreshToken.subject) == subject.lower()
    known = db_session.execute(select(RefreshToken.subject).where(matching)).scalars()
    subjects = {subject, *known}
    revoke_access(db_session=db_session, kind=USER, subjects=subjects, reason=reason)
    statement = update(RefreshToken).where(matching, RefreshToken.revokedAt.is_(None))
    if plugins is not None:
        statement = statement.where(RefreshToken.plugin.in_(plugins))
    result = db_session.execute(statement.values(revokedAt=timeutil.utcnow(), revokedReason=reason))
    return result.rowcount


def get_refresh_token(*, db_session: Session, token_id: int) -> RefreshToken:
    if not 0 < token_id < 2**31:  # beyond an INTEGER column: no such row, not a DB error
        raise NotFound(f"Refresh token {token_id} does not exist.", {"ref": [str(token_id)]})
    return one_or_404(
        db_session,
        select(RefreshToken).where(RefreshToken.refreshTokenId == token_id),
        "Refresh token",
        token_id,
    )


def revoke_one(*, db_session: Session, token_id: int) -> RefreshToken:
    row = get_refresh_token(db_session=db_session, token_id=token_id)
    if row.revokedAt is None:
        row.revokedAt = timeutil.utcnow()
        row.revokedReason = "admin"
        db_session.flush()
    return row


def list_refresh_tokens(*, db_session: Session, params: ListParams) -> Page:
    return paginate(db_session, select(RefreshToken), params, LIST_SPEC)


def refresh_token_state(row: RefreshToken) -> str:
    if row.revokedAt is not None:
        return "revoked"
    if row.expiresAt <= timeutil.utcnow():
        return "expired"
    return "active"


# --- machine clients -----------------------------------------------------------------------


def client_token(
    *,
    db_session: Session,
    key: ActiveKey,
    config: Mapping[str, Any],
    client_id: str,
    client_secret: str,
    scope: str | None,
) -> dict[str, Any]:
    """Client credentials grant: an access token with the requested (or all) scopes."""
    client = db_session.execute(
        select(Client).where(Client.clientId == client_id)
    ).scalar_one_or_none()
    if not secret_matches(client_secret, client.secretHash if client else None) or not client:
        raise LoginFailed("Invalid client credentials.")
    if not client.active:
        raise LoginFailed("The client is disabled.")
    allowed = set(split_names(client.scopes))
    requested = set(scope.split()) if scope else allowed
    refused = sorted(requested - allowed)
    if refused:
        raise Forbidden(
            "The client may not have some of the requested scopes.",
            {"scope": [f"Not allowed for this client: {' '.join(refused)}."]},
        )
    if not requested:
        raise ValidationFailed("The client has no scopes.", {"scope": ["No scope to grant."]})
    now = timeutil.utcnow()
    granted = join_names(requested)
    issued = issue_time(db_session=db_session, kind=CLIENT, subject=client.clientId, now=now)
    access = sign_access_token(
        key=key, config=config, subject=client.clientId, kind=CLIENT, scope=granted, now=issued
    )
    client.lastUsedAt = now
    db_session.flush()
    return {
        "access_token": access,
        "token_type": TOKEN_TYPE,
        "expires_in": config["access_token_seconds"],
        "scope": granted,
    }
