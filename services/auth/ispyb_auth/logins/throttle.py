"""Failed-login throttling, per plugin and login name.

After ``max_failures`` failures within ``window_seconds`` the login name is locked for
``lock_seconds``: every login with it is refused (429 LOGIN_LOCKED, with Retry-After)
without checking the password, so guessing stops. Login names without an account count
the same way, so a lock does not reveal whether an account exists. A success clears the
count. Names are compared lower-cased, as a directory compares them.

Failures are written in a transaction of their own: the failing login request rolls its
own transaction back.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import case, delete, insert, or_, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from ispyb_shared.db import Database

from .models import LoginThrottle

log = logging.getLogger(__name__)


def throttle_key(username: str) -> str:
    return username.strip().lower()[:255]


def locked_for(db_session: Session, *, plugin: str, login: str, now: dt.datetime) -> int:
    """Seconds the login name stays locked (0 when it is not)."""
    locked_until = db_session.execute(
        select(LoginThrottle.lockedUntil).where(
            LoginThrottle.plugin == plugin, LoginThrottle.login == login
        )
    ).scalar_one_or_none()
    if locked_until is None or locked_until <= now:
        return 0
    return max(1, int((locked_until - now).total_seconds()))


def record_failure(
    database: Database,
    *,
    plugin: str,
    login: str,
    lockout: Mapping[str, Any],
    now: dt.datetime,
) -> bool:
    """Count a failure; True when it locks the login name."""
    window_start = now - dt.timedelta(seconds=lockout["window_seconds"])
    table = LoginThrottle.__table__
    key = (table.c.plugin == plugin, table.c.login == login)
    with database.sessionmaker() as session, session.begin():
        # Single statements, so concurrent failures are all counted.
        stale = table.c.windowStartedAt < window_start
        counted = session.execute(
            update(table)
            .where(*key)
            # MariaDB assigns left to right: failures must be computed from the old window.
            .ordered_values(
                (table.c.failures, case((stale, 1), else_=table.c.failures + 1)),
                (table.c.windowStartedAt, case((stale, now), else_=table.c.windowStartedAt)),
            )
        ).rowcount
        if not counted:
            try:
                with session.begin_nested():
                    session.execute(
                        insert(table).values(
                            plugin=plugin, login=login, failures=1, windowStartedAt=now
                        )
                    )
            except IntegrityError:  # a concurrent first failure inserted the row
                session.execute(update(table).where(*key).values(failures=table.c.failures + 1))
        locked = session.execute(
            update(table)
            .where(*key, table.c.failures >= lockout["max_failures"])
            .values(
                failures=0,
                windowStartedAt=now,
                lockedUntil=now + dt.timedelta(seconds=lockout["lock_seconds"]),
            )
        ).rowcount
    _forget_finished(database, window_start=window_start, now=now)
    return bool(locked)


def _forget_finished(database: Database, *, window_start: dt.datetime, now: dt.datetime) -> None:
    """Delete names whose failures and lock are over, so the table stays small.

    Its own transaction, after the count is committed: holding no other lock, it cannot
    deadlock with concurrent logins, and if it fails nothing is lost (it runs again at the
    next failure)."""
    table = LoginThrottle.__table__
    try:
        with database.sessionmaker() as session, session.begin():
            session.execute(
                delete(table).where(
                    table.c.windowStartedAt < window_start,
                    or_(table.c.lockedUntil.is_(None), table.c.lockedUntil < now),
                )
            )
    except DBAPIError as exc:
        log.warning("could not forget old login failures: %s", exc.__class__.__name__)


def clear(db_session: Session, *, plugin: str, login: str) -> None:
    db_session.execute(
        delete(LoginThrottle).where(LoginThrottle.plugin == plugin, LoginThrottle.login == login)
    )
