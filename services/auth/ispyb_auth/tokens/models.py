from __future__ import annotations

import datetime

from sqlalchemy import DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Base


class RefreshToken(Base):
    """A refresh token: kept as a hash; every use replaces it by a new one (rotation).

    The tokens issued from one login form a family; a family shares its expiry (the
    session cannot be stretched by refreshing) and is revoked as a whole on logout, or when
    a token already replaced is presented again (a sign that it was stolen).
    """

    __tablename__ = "AuthRefreshToken"
    __table_args__ = (
        Index("AuthRefreshToken_family", "familyId"),
        Index("AuthRefreshToken_subject", "subject"),
        Index("AuthRefreshToken_expires", "expiresAt"),
    )

    refreshTokenId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    tokenHash: Mapped[str] = mapped_column(
        String(64), nullable=False, unique=True, doc="SHA-256 of the token (hex); never returned."
    )
    familyId: Mapped[str] = mapped_column(
        String(36), nullable=False, doc="The login this token descends from (UUID)."
    )
    subject: Mapped[str] = mapped_column(String(255), nullable=False, doc="The person's login.")
    plugin: Mapped[str] = mapped_column(
        String(32), nullable=False, doc="The login plugin that authenticated the person."
    )
    displayName: Mapped[str | None] = mapped_column(String(255), doc="Name at login.")
    roles: Mapped[str] = mapped_column(
        String(255), nullable=False, default="", doc="Roles at login, space-separated."
    )
    beamlines: Mapped[str] = mapped_column(
        String(1000), nullable=False, default="", doc="Beamlines at login, space-separated."
    )
    issuedAt: Mapped[datetime.datetime] = mapped_column(
        DateTime, nullable=False, doc="When the token was issued (UTC)."
    )
    expiresAt: Mapped[datetime.datetime] = mapped_column(
        DateTime, nullable=False, doc="When the token (and its family) expires (UTC)."
    )
    revokedAt: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="When the token was revoked (UTC); null while usable."
    )
    revokedReason: Mapped[str | None] = mapped_column(
        String(32),
        doc="rotated (replaced by a refresh), logout, reuse (a replaced token came back), "
        "admin, account-disabled, account-deleted.",
    )
