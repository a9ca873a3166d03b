from __future__ import annotations

import datetime

from sqlalchemy import DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Base


class Revocation(Base):
    """Access tokens of one subject issued up to ``notBefore`` are void (the account was
    disabled or deleted, its tokens revoked; the client disabled, deleted or its secret
    replaced). Published by ``GET /revocations`` until no such token can still be valid."""

    __tablename__ = "AuthRevocation"
    __table_args__ = (UniqueConstraint("kind", "subject", name="AuthRevocation_kind_subject_uq"),)

    revocationId: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, doc="user or client.")
    subject: Mapped[str] = mapped_column(
        String(255), nullable=False, doc="The tokens' sub: a login or a client id."
    )
    notBefore: Mapped[datetime.datetime] = mapped_column(
        DateTime, nullable=False, doc="Tokens issued at or before this moment are void (UTC)."
    )
    reason: Mapped[str] = mapped_column(String(32), nullable=False)
