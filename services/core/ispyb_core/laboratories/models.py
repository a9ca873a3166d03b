from __future__ import annotations

import datetime

from sqlalchemy import TIMESTAMP, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Base, UuidMixin


class Laboratory(UuidMixin, Base):
    """A laboratory or institute that people belong to (ISPyB table Laboratory)."""

    __tablename__ = "Laboratory"

    laboratoryId: Mapped[int] = mapped_column(
        Integer, primary_key=True, doc="Database id of the laboratory."
    )
    recordTimeStamp: Mapped[datetime.datetime] = mapped_column(
        TIMESTAMP,
        server_default=func.current_timestamp(),
        nullable=False,
        doc="When the row was created or last updated (set by the database).",
    )
    laboratoryUUID: Mapped[str | None] = mapped_column(
        String(45), doc="Identifier of the laboratory in a site's user office (legacy ISPyB)."
    )
    name: Mapped[str | None] = mapped_column(String(45), doc="Name of the laboratory.")
    address: Mapped[str | None] = mapped_column(String(255), doc="Postal address.")
    city: Mapped[str | None] = mapped_column(String(45), doc="City.")
    country: Mapped[str | None] = mapped_column(String(45), doc="Country.")
    url: Mapped[str | None] = mapped_column(String(255), doc="Web site.")
    organization: Mapped[str | None] = mapped_column(
        String(45), doc="Parent organisation (university, company)."
    )
    laboratoryPk: Mapped[int | None] = mapped_column(
        Integer, doc="Primary key of the laboratory in an external system (legacy ISPyB)."
    )
    postcode: Mapped[str | None] = mapped_column(String(15), doc="Postal code.")
    EORINumber: Mapped[str | None] = mapped_column(
        String(17),
        doc="EORI customs number: ISO country code of an EU member state (2 characters) "
        "followed by up to 15 characters. Needed to ship dewars across EU borders.",
    )
