from __future__ import annotations

import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Base


class SigningKey(Base):
    """An RSA key signing access tokens; the highest generation is the active one.

    Kept in the database so that every worker and every restart signs with the same key.
    A key stops signing when the next generation is created, stays published (and
    verifying) for access_token_seconds + leeway_seconds more, then is retired.
    """

    __tablename__ = "AuthSigningKey"

    signingKeyId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    kid: Mapped[str] = mapped_column(
        String(64),
        nullable=False,
        unique=True,
        doc="Key id: the RFC 7638 thumbprint of the public key (the tokens' `kid` header).",
    )
    generation: Mapped[int] = mapped_column(
        Integer,
        nullable=False,
        unique=True,
        doc="1, 2, 3 ...: a rotation creates generation max + 1; the unique key makes two "
        "concurrent creations end with one winner.",
    )
    privateKey: Mapped[str | None] = mapped_column(
        Text,
        doc="PKCS#8 PEM, encrypted when signing_keys.encryption_secret is set; erased once "
        "the key is retired. Never returned by the API.",
    )
    publicJwk: Mapped[str] = mapped_column(Text, nullable=False, doc="The public JWK (JSON).")
    createdAt: Mapped[datetime.datetime] = mapped_column(
        DateTime, nullable=False, doc="When the key was created and started signing (UTC)."
    )
    retiredAt: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="Set when an admin retired the key early (a compromised key)."
    )
