"""The declarative base of core's models (ISPyB tables)."""

from __future__ import annotations

from sqlalchemy import CHAR, MetaData
from sqlalchemy.orm import DeclarativeBase

from ispyb_shared.idempotency import idempotency_record_model
from ispyb_shared.uuids import UuidMixin as SharedUuidMixin

# Names only for what we add (the uuid unique keys); ISPyB's own indexes and foreign keys
# keep the names they have in the ISPyB schema, written out in the models.
NAMING_CONVENTION = {"uq": "%(table_name)s_%(column_0_name)s_uq"}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UuidMixin(SharedUuidMixin):
    """The ``uuid`` column of core's tables: CHAR(36), as the migrations create it."""

    uuid_column_type = CHAR


# A create's answer under the client's Idempotency-Key (ispyb_shared.idempotency).
IdempotencyRecord = idempotency_record_model(Base, UuidMixin)
