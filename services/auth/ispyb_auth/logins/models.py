from __future__ import annotations

import datetime

from sqlalchemy import DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Base


class LoginThrottle(Base):
    """Recent failed logins of one login name with one plugin (known account or not)."""

    __tablename__ = "AuthLoginThrottle"
    __table_args__ = (
        UniqueConstraint("plugin", "login", name="AuthLoginThrottle_plugin_login_uq"),
    )

    loginThrottleId: Mapped[int] = mapped_column(Integer, primary_key=True)
    plugin: Mapped[str] = mapped_column(String(32), nullable=False)
    login: Mapped[str] = mapped_column(String(255), nullable=False, doc="Lower-cased.")
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    windowStartedAt: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False)
    lockedUntil: Mapped[datetime.datetime | None] = mapped_column(DateTime)
