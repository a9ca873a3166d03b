"""The declarative base of the em service's models (its own database)."""

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention={"uq": "%(table_name)s_%(column_0_name)s_uq"})
