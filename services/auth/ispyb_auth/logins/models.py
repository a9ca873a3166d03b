from __future__ import annotations

import datetime

from sqlalchemy import DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Base

# The `source` of the per-name row that counts the failures of every unknown source.
UNKNOWN_SOURCES = "*"


class LoginThrottle(Base):
    """Recent failed logins of one login name with one plugin (known account or not).

    One row per source (client address; IPv6 by /64) that failed, which that source's lock
    is kept in, and one row whose source is ``*`` counting the failures of every source
    the name never logged in from, which the slow-down of those sources is kept in.
    """

    __tablename__ = "AuthLoginThrottle"
    __table_args__ = (
        UniqueConstraint(
            "plugin", "login", "source", name="AuthLoginThrottle_plugin_login_source_uq"
        ),
    )

    loginThrottleId: Mapped[int] = mapped_column(Integer, primary_key=True)
    plugin: Mapped[str] = mapped_column(String(32), nullable=False)
    login: Mapped[str] = mapped_column(String(255), nullable=False, doc="Lower-cased.")
    source: Mapped[str] = mapped_column(
        String(64), nullable=False, doc="Client address (IPv6: its /64), or * (unknown ones)."
    )
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    windowStartedAt: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False)
    lockedUntil: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="The name is refused from this source until then."
    )
    nextAttemptAt: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="Row *: the next attempt from an unknown source is checked from then."
    )


class KnownSource(Base):
    """A source a login name logged in from successfully: its failures never slow it down."""

    __tablename__ = "AuthKnownSource"
    __table_args__ = (
        UniqueConstraint(
            "plugin", "login", "source", name="AuthKnownSource_plugin_login_source_uq"
        ),
    )

    knownSourceId: Mapped[int] = mapped_column(Integer, primary_key=True)
    plugin: Mapped[str] = mapped_column(String(32), nullable=False)
    login: Mapped[str] = mapped_column(String(255), nullable=False, doc="Lower-cased.")
    source: Mapped[str] = mapped_column(String(64), nullable=False)
    lastSuccessAt: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False)


class AddressThrottle(Base):
    """Recent failed credential checks (logins, client tokens, refreshes) of one address."""

    __tablename__ = "AuthAddressThrottle"
    __table_args__ = (UniqueConstraint("source", name="AuthAddressThrottle_source_uq"),)

    addressThrottleId: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(64), nullable=False)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    windowStartedAt: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False)
    blockedUntil: Mapped[datetime.datetime | None] = mapped_column(DateTime)
