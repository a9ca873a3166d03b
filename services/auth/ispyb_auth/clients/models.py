from __future__ import annotations

import datetime

from sqlalchemy import Boolean, DateTime, Integer, String, true
from sqlalchemy.orm import Mapped, mapped_column

from ispyb_shared.uuids import UuidMixin

from ..database import Base


class Client(UuidMixin, Base):
    """A machine client (processing pipeline, beamline control) using client credentials."""

    __tablename__ = "AuthClient"

    authClientId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    clientId: Mapped[str] = mapped_column(
        String(64),
        nullable=False,
        unique=True,
        doc="The client's public id (the token's `sub`), e.g. autoproc-i03.",
    )
    description: Mapped[str | None] = mapped_column(
        String(255), doc="What the client is and who runs it."
    )
    secretHash: Mapped[str] = mapped_column(
        String(255), nullable=False, doc="SHA-256 of the secret; never returned by the API."
    )
    scopes: Mapped[str] = mapped_column(
        String(2000), nullable=False, default="", doc="Allowed scopes, space-separated."
    )
    active: Mapped[bool] = mapped_column(
        Boolean,
        nullable=False,
        default=True,
        server_default=true(),
        doc="False: the client gets no tokens.",
    )
    createdAt: Mapped[datetime.datetime] = mapped_column(
        DateTime, nullable=False, doc="When the client was created (UTC)."
    )
    updatedAt: Mapped[datetime.datetime] = mapped_column(
        DateTime, nullable=False, doc="When the client was last changed (UTC)."
    )
    secretChangedAt: Mapped[datetime.datetime] = mapped_column(
        DateTime, nullable=False, doc="When the secret was last generated (UTC)."
    )
    lastUsedAt: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="When the client last got a token (UTC)."
    )
