"""Failed-login throttling: per login name and source, and per client address.

The design (docs/auth.md, "Abuse protection"): a stranger must not be able to lock a
person out, and guessing must stay slow however many addresses the guesser has.

- **Per login name and source** (plugin, lower-cased name, client address; IPv6 by /64):
  after ``max_failures`` failures within ``window_seconds`` the name is locked *for that
  source* for ``lock_seconds`` (429 LOGIN_LOCKED, Retry-After), without the password being
  checked. Other sources are not affected: whoever guesses locks only themselves.
- **Unknown sources slow down, they do not lock**: a source the name never logged in from
  (successfully, within ``known_source_days``) is unknown. Failures from unknown sources
  are also counted per name (until a whole window passes without one); past
  ``max_failures`` of them, unknown sources share one
  attempt at a time for that name: the next one is checked only after a wait that doubles
  with each further failure (1, 2, 4 ... up to ``slowdown_max_seconds``). The owner at a
  known source logs in as usual; the owner at a new place waits at most that long between
  attempts.
- **Per address** (any name; logins, client tokens and refreshes): ``address_throttle``
  ``max_failures`` failures within ``window_seconds`` block the address for
  ``block_seconds`` (429 RATE_LIMITED). Spraying one password over many names stops.

Names without an account count the same way, so a lock does not reveal whether an
account exists. Names are compared lower-cased, as a directory compares them. A success
clears the count of its source and makes the source known. Counts live in the database,
so every worker shares them; they are written in transactions of their own, because the
failing login request rolls its own transaction back.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import math
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Table, case, delete, insert, or_, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from ispyb_shared.db import Database

from ..identity import LoginLocked
from .models import UNKNOWN_SOURCES, AddressThrottle, KnownSource, LoginThrottle

log = logging.getLogger(__name__)

# Without an address (a unit test calling the functions directly) every caller is one source.
NO_ADDRESS = "-"


class AddressBlocked(LoginLocked):
    """Too many failed credential checks from this address: refused for a while (429, with
    Retry-After like a locked login name)."""

    code = "RATE_LIMITED"


def throttle_key(username: str) -> str:
    return username.strip().lower()[:255]


def source_key(address: str | None) -> str:
    """What one source is: an IPv4 address, or the /64 network of an IPv6 address (a host
    gets a whole /64, so counting single IPv6 addresses would count nothing)."""
    if not address:
        return NO_ADDRESS
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _seconds_until(moment: dt.datetime | None, now: dt.datetime) -> int:
    if moment is None or moment <= now:
        return 0
    # Rounded up: a client told to wait must not come back a moment too early, and MariaDB's
    # DATETIME keeps whole seconds (the stored moment may be up to 1 s earlier than set).
    return max(1, math.ceil((moment - now).total_seconds()))


# --- reading ---------------------------------------------------------------------------------


def locked_for(
    db_session: Session, *, plugin: str, login: str, source: str, now: dt.datetime
) -> int:
    """Seconds the login name stays locked for this source (0 when it is not)."""
    locked_until = db_session.execute(
        select(LoginThrottle.lockedUntil).where(
            LoginThrottle.plugin == plugin,
            LoginThrottle.login == login,
            LoginThrottle.source == source,
        )
    ).scalar_one_or_none()
    return _seconds_until(locked_until, now)


def is_known_source(
    db_session: Session,
    *,
    plugin: str,
    login: str,
    source: str,
    lockout: Mapping[str, Any],
    now: dt.datetime,
) -> bool:
    since = now - dt.timedelta(days=lockout["known_source_days"])
    return (
        db_session.execute(
            select(KnownSource.knownSourceId).where(
                KnownSource.plugin == plugin,
                KnownSource.login == login,
                KnownSource.source == source,
                KnownSource.lastSuccessAt >= since,
            )
        ).first()
        is not None
    )


def blocked_for(db_session: Session, *, source: str, now: dt.datetime) -> int:
    """Seconds the address stays blocked (0 when it is not)."""
    blocked_until = db_session.execute(
        select(AddressThrottle.blockedUntil).where(AddressThrottle.source == source)
    ).scalar_one_or_none()
    return _seconds_until(blocked_until, now)


def check_address(db_session: Session, *, source: str, now: dt.datetime) -> None:
    seconds = blocked_for(db_session, source=source, now=now)
    if seconds:
        raise AddressBlocked(
            f"Too many failed attempts from this address: try again in {seconds} seconds.",
            retry_after=seconds,
        )


# --- the slow-down of unknown sources ---------------------------------------------------------


def slowdown_wait(
    database: Database,
    *,
    plugin: str,
    login: str,
    lockout: Mapping[str, Any],
    now: dt.datetime,
) -> int:
    """0 when an attempt from an unknown source may be checked now (it then takes the one
    slot of the name), else the seconds to wait. Its own transaction: the slot stays taken
    even though a failing login rolls its request back."""
    table = LoginThrottle.__table__
    key = (table.c.plugin == plugin, table.c.login == login, table.c.source == UNKNOWN_SOURCES)
    window_start = now - dt.timedelta(seconds=lockout["window_seconds"])
    with database.sessionmaker() as session, session.begin():
        row = session.execute(
            select(table.c.failures, table.c.windowStartedAt, table.c.nextAttemptAt).where(*key)
        ).first()
        if row is None or row.windowStartedAt < window_start:
            return 0
        excess = row.failures - lockout["max_failures"]
        if excess < 0:
            return 0
        wait = min(lockout["slowdown_max_seconds"], 2 ** min(excess, 20))
        # One statement: of two concurrent attempts, one takes the slot.
        taken = session.execute(
            update(table)
            .where(*key, or_(table.c.nextAttemptAt.is_(None), table.c.nextAttemptAt <= now))
            .values(nextAttemptAt=now + dt.timedelta(seconds=wait))
        ).rowcount
        if taken:
            return 0
        return max(1, _seconds_until(row.nextAttemptAt, now))


# --- counting failures -------------------------------------------------------------------------


def _count_failure(
    session: Session,
    table: Table,
    key: Mapping[str, str],
    *,
    window_start: dt.datetime,
    now: dt.datetime,
    sliding: bool = False,
) -> None:
    """failures += 1 in the row of ``key`` (a new window when the old one is over).

    ``sliding``: the window restarts at each failure, so the count only ends after a whole
    window without failures (a steady guesser never gets a fresh count)."""
    where = [table.c[name] == value for name, value in key.items()]
    # Single statements, so concurrent failures are all counted.
    stale = table.c.windowStartedAt < window_start
    started = now if sliding else case((stale, now), else_=table.c.windowStartedAt)
    counted = session.execute(
        update(table)
        .where(*where)
        # MariaDB assigns left to right: failures must be computed from the old window.
        .ordered_values(
            (table.c.failures, case((stale, 1), else_=table.c.failures + 1)),
            (table.c.windowStartedAt, started),
        )
    ).rowcount
    if counted:
        return
    try:
        with session.begin_nested():
            session.execute(insert(table).values(**key, failures=1, windowStartedAt=now))
    except IntegrityError:  # a concurrent first failure inserted the row
        session.execute(update(table).where(*where).values(failures=table.c.failures + 1))


def record_failure(
    database: Database,
    *,
    plugin: str,
    login: str,
    source: str,
    known: bool,
    lockout: Mapping[str, Any],
    now: dt.datetime,
) -> bool:
    """Count a failure of the name from a source; True when it locks the name there."""
    window_start = now - dt.timedelta(seconds=lockout["window_seconds"])
    table = LoginThrottle.__table__
    pair = {"plugin": plugin, "login": login, "source": source}
    with database.sessionmaker() as session, session.begin():
        _count_failure(session, table, pair, window_start=window_start, now=now)
        if not known:
            unknown = {**pair, "source": UNKNOWN_SOURCES}
            _count_failure(
                session, table, unknown, window_start=window_start, now=now, sliding=True
            )
        locked = session.execute(
            update(table)
            .where(
                *(table.c[name] == value for name, value in pair.items()),
                table.c.failures >= lockout["max_failures"],
            )
            .values(
                failures=0,
                windowStartedAt=now,
                lockedUntil=now + dt.timedelta(seconds=lockout["lock_seconds"]),
            )
        ).rowcount
    _forget_finished(database, window_start=window_start, now=now)
    return bool(locked)


def record_address_failure(
    database: Database, *, source: str, settings: Mapping[str, Any], now: dt.datetime
) -> bool:
    """Count a failed credential check from an address; True when it blocks the address."""
    window_start = now - dt.timedelta(seconds=settings["window_seconds"])
    table = AddressThrottle.__table__
    with database.sessionmaker() as session, session.begin():
        _count_failure(session, table, {"source": source}, window_start=window_start, now=now)
        blocked = session.execute(
            update(table)
            .where(table.c.source == source, table.c.failures >= settings["max_failures"])
            .values(
                failures=0,
                windowStartedAt=now,
                blockedUntil=now + dt.timedelta(seconds=settings["block_seconds"]),
            )
        ).rowcount
    if blocked:
        log.warning(
            "address blocked after repeated failed credential checks",
            extra={"event": "address-blocked", "source": source},
        )
    return bool(blocked)


def _forget_finished(database: Database, *, window_start: dt.datetime, now: dt.datetime) -> None:
    """Delete counts whose failures and locks are over, so the tables stay small.

    Its own transaction, after the count is committed: holding no other lock, it cannot
    deadlock with concurrent logins, and if it fails nothing is lost (it runs again at the
    next failure)."""
    logins = LoginThrottle.__table__
    addresses = AddressThrottle.__table__
    try:
        with database.sessionmaker() as session, session.begin():
            session.execute(
                delete(logins).where(
                    logins.c.windowStartedAt < window_start,
                    or_(logins.c.lockedUntil.is_(None), logins.c.lockedUntil < now),
                    or_(logins.c.nextAttemptAt.is_(None), logins.c.nextAttemptAt < now),
                )
            )
            session.execute(
                delete(addresses).where(
                    addresses.c.windowStartedAt < window_start,
                    or_(addresses.c.blockedUntil.is_(None), addresses.c.blockedUntil < now),
                )
            )
    except DBAPIError as exc:
        log.warning("could not forget old login failures: %s", exc.__class__.__name__)


# --- success ---------------------------------------------------------------------------------


def succeeded(
    db_session: Session,
    *,
    plugin: str,
    login: str,
    source: str,
    lockout: Mapping[str, Any],
    now: dt.datetime,
) -> None:
    """Clear the source's count and remember the source as known for the name."""
    db_session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.plugin == plugin,
            LoginThrottle.login == login,
            LoginThrottle.source == source,
        )
    )
    known = db_session.execute(
        update(KnownSource)
        .where(
            KnownSource.plugin == plugin,
            KnownSource.login == login,
            KnownSource.source == source,
        )
        .values(lastSuccessAt=now)
    ).rowcount
    if not known:
        try:
            with db_session.begin_nested():
                db_session.add(
                    KnownSource(plugin=plugin, login=login, source=source, lastSuccessAt=now)
                )
        except IntegrityError:  # a concurrent login from the same source added it
            pass
    forget_before = now - dt.timedelta(days=lockout["known_source_days"])
    db_session.execute(delete(KnownSource).where(KnownSource.lastSuccessAt < forget_before))
