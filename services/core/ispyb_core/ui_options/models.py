"""AdminVar: ISPyB's own table of site settings (name -> value), where core keeps the
options front ends read at start-up (``ui.*`` names; docs/front-ends.md)."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Base, UuidMixin


class AdminVar(UuidMixin, Base):
    """One site setting. ISPyB declares no unique key on ``name``: core reads the row of
    the lowest id when a site has several, and updates that one."""

    __tablename__ = "AdminVar"

    varId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Id.")
    name: Mapped[str | None] = mapped_column(String(32), doc="Setting name, e.g. ui.siteName.")
    value: Mapped[str | None] = mapped_column(String(1024), doc="Its value (text or JSON).")
