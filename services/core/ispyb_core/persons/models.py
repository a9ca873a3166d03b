from __future__ import annotations

import datetime

from sqlalchemy import TIMESTAMP, ForeignKeyConstraint, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Base, UuidMixin
from ..laboratories.models import Laboratory
from ..user_office.external_ids import EXTERNAL_ID_TYPE


class Person(UuidMixin, Base):
    """A user or staff member (ISPyB table Person)."""

    __tablename__ = "Person"
    __table_args__ = (
        ForeignKeyConstraint(["laboratoryId"], ["Laboratory.laboratoryId"], name="Person_ibfk_1"),
        Index("Person_FKIndex1", "laboratoryId"),
        Index("Person_FKIndexFamilyName", "familyName"),
        Index("Person_FKIndex_Login", "login", unique=True),
        Index("Person_search_givenName", "givenName"),
        Index("Person_search_emailAddress", "emailAddress"),
        Index("siteId", "siteId"),
    )

    personId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    recordTimeStamp: Mapped[datetime.datetime] = mapped_column(
        TIMESTAMP,
        server_default=func.current_timestamp(),
        nullable=False,
        doc="When the row was created or last updated (set by the database).",
    )
    laboratoryId: Mapped[int | None] = mapped_column(
        Integer, doc="Laboratory the person belongs to (Laboratory.laboratoryId)."
    )
    siteId: Mapped[int | None] = mapped_column(
        Integer, doc="Identifier of the person in the site's user office (legacy ISPyB)."
    )
    personUUID: Mapped[str | None] = mapped_column(
        String(45), doc="Identifier given by a site's user office (legacy ISPyB; see uuid)."
    )
    familyName: Mapped[str | None] = mapped_column(String(100), doc="Family name.")
    givenName: Mapped[str | None] = mapped_column(String(45), doc="Given name.")
    title: Mapped[str | None] = mapped_column(String(45), doc="Title (Dr, Prof, ...).")
    emailAddress: Mapped[str | None] = mapped_column(String(60), doc="E-mail address.")
    phoneNumber: Mapped[str | None] = mapped_column(String(45), doc="Telephone number.")
    login: Mapped[str | None] = mapped_column(
        String(45), doc="Login name, unique; the name the person signs in with."
    )
    faxNumber: Mapped[str | None] = mapped_column(String(45), doc="Fax number.")
    externalId: Mapped[bytes | None] = mapped_column(
        EXTERNAL_ID_TYPE,
        doc="Identifier in the user office (16 bytes; set by the user-office sync).",
    )

    Laboratory: Mapped[Laboratory | None] = relationship(Laboratory, lazy="raise")
