"""Revocation of access tokens before they expire.

Access tokens are verified by every service on its own, so they cannot be looked up at
auth. Instead auth keeps a short list of subjects whose tokens issued up to a moment are
void, and of keys retired early; every service polls it (``GET /revocations``, every
``revocation_poll_seconds``, default 5). An entry is listed as long as a token it voids
could still be valid (``access_token_seconds + leeway_seconds``), then forgotten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, literal, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ispyb_shared.auth import REVOCATION_POLL_SECONDS, revocation_key

from .. import timeutil
from ..keys.models import SigningKey
from ..keys.service import KeyStore
from .models import Revocation

# Longest an access token can live (config maxima): older entries void nothing any more.
_FORGET_AFTER = dt.timedelta(seconds=86400 + 300)
# The kind of a retired key's row in own_revocations' statement (no revocation kind).
_RETIRED_KEY = "~retired-key"


def revoke_access(*, db_session: Session, kind: str, subjects: Iterable[str], reason: str) -> None:
    """Void the access tokens of ``subjects`` (of ``kind``) issued until now."""
    now = timeutil.utcnow()
    for subject in sorted(set(subjects)):
        row = db_session.execute(
            select(Revocation).where(Revocation.kind == kind, Revocation.subject == subject)
        ).scalar_one_or_none()
        if row is None:
            try:
                with db_session.begin_nested():
                    db_session.add(
                        Revocation(kind=kind, subject=subject, notBefore=now, reason=reason)
                    )
                continue
            except IntegrityError:  # a concurrent revocation of the same subject
                row = db_session.execute(
                    select(Revocation).where(Revocation.kind == kind, Revocation.subject == subject)
                ).scalar_one()
        row.notBefore = max(row.notBefore, now)
        row.reason = reason
    db_session.execute(delete(Revocation).where(Revocation.notBefore < now - _FORGET_AFTER))
    db_session.flush()


def issue_time(*, db_session: Session, kind: str, subject: str, now: dt.datetime) -> dt.datetime:
    """When a new token of the subject is issued: now, or a second after its revocation
    when that was this very second (``iat`` counts whole seconds: a token issued after a
    revocation must not look as if it was issued with the tokens it voided)."""
    not_before = db_session.execute(
        select(Revocation.notBefore).where(Revocation.kind == kind, Revocation.subject == subject)
    ).scalar_one_or_none()
    if not_before is not None and not_before >= now:
        return not_before + dt.timedelta(seconds=1)
    return now


def _horizon(config: Mapping[str, Any]) -> dt.datetime:
    lifetime = config["access_token_seconds"] + config["leeway_seconds"]
    return timeutil.utcnow() - dt.timedelta(seconds=lifetime)


def _revoked_subjects(*, db_session: Session, horizon: dt.datetime) -> dict[str, int]:
    rows = db_session.execute(
        select(Revocation.kind, Revocation.subject, Revocation.notBefore).where(
            Revocation.notBefore >= horizon
        )
    ).all()
    return {
        revocation_key(kind, subject): timeutil.epoch_seconds(not_before)
        for kind, subject, not_before in rows
    }


def own_revocations(*, db_session: Session, config: Mapping[str, Any]) -> dict[str, Any]:
    """The list auth applies to its own endpoints, read at every request, in one statement:
    the revoked subjects and the keys retired early (``UNION ALL``). KeyStore's
    verification cache (keys/service.py) may hold a key another worker just retired: the
    kid on this list refuses its tokens at once all the same."""
    horizon = _horizon(config)
    revoked = select(Revocation.kind, Revocation.subject, Revocation.notBefore).where(
        Revocation.notBefore >= horizon
    )
    retired = select(
        literal(_RETIRED_KEY).label("kind"), SigningKey.kid, SigningKey.retiredAt
    ).where(SigningKey.retiredAt >= horizon)
    subjects: dict[str, int] = {}
    kids: list[str] = []
    for kind, subject, moment in db_session.execute(union_all(revoked, retired)).all():
        if kind == _RETIRED_KEY:
            kids.append(subject)
        else:
            subjects[revocation_key(kind, subject)] = timeutil.epoch_seconds(moment)
    return {
        "subjects": subjects,
        "retiredKeys": sorted(kids),
        "pollSeconds": REVOCATION_POLL_SECONDS,
    }


def revocation_document(
    *, db_session: Session, keystore: KeyStore, config: Mapping[str, Any]
) -> dict[str, Any]:
    horizon = _horizon(config)
    subjects = _revoked_subjects(db_session=db_session, horizon=horizon)
    retired = [
        state.key.kid
        for state in keystore.states(db_session)
        if state.key.retiredAt is not None and state.key.retiredAt >= horizon
    ]
    return {
        "subjects": subjects,
        "retiredKeys": sorted(retired),
        "pollSeconds": REVOCATION_POLL_SECONDS,
    }
