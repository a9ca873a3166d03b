from __future__ import annotations

import datetime

from sqlalchemy import Boolean, DateTime, Integer, String, true
from sqlalchemy.orm import Mapped, mapped_column

from ispyb_shared.uuids import UuidMixin

from ..database import Base


class Account(UuidMixin, Base):
    """A local account: a person who logs in with a password kept by the auth service."""

    __tablename__ = "AuthAccount"

    accountId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    login: Mapped[str] = mapped_column(
        String(45),
        nullable=False,
        unique=True,
        doc="Login name, unique (ignoring case); it becomes the token's `sub` and must equal "
        "the person's login in core (Person.login).",
    )
    displayName: Mapped[str | None] = mapped_column(
        String(255), doc="Name shown to people (the token's `name` claim)."
    )
    passwordHash: Mapped[str | None] = mapped_column(
        String(255), doc="argon2id hash of the password; never returned by the API."
    )
    roles: Mapped[str] = mapped_column(
        String(255), nullable=False, default="", doc="Roles, space-separated."
    )
    beamlines: Mapped[str] = mapped_column(
        String(1000), nullable=False, default="", doc="Beamlines, space-separated."
    )
    active: Mapped[bool] = mapped_column(
        Boolean,
        nullable=False,
        default=True,
        server_default=true(),
        doc="False: the account cannot log in and its refresh tokens are revoked.",
    )
    createdAt: Mapped[datetime.datetime] = mapped_column(
        DateTime, nullable=False, doc="When the account was created (UTC)."
    )
    updatedAt: Mapped[datetime.datetime] = mapped_column(
        DateTime, nullable=False, doc="When the account was last changed (UTC)."
    )
    passwordChangedAt: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="When the password was last set (UTC)."
    )
    lastLoginAt: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="Last successful login (UTC)."
    )
