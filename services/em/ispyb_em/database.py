"""The declarative base of the em service's models (its own database).

The tables are Diamond's ISPyB cryo-EM tables with their names, columns and types, with
one systematic change: where ISPyB has an integer foreign key to a table that core owns
(``dataCollectionId`` -> DataCollection, ``dataCollectionGroupId`` -> DataCollectionGroup),
EM stores the UUID of core's row (``dataCollectionUUID``, ``dataCollectionGroupUUID``,
CHAR(36)), because services refer to each other's rows by UUID, never by id.
docs/em.md lists every mapping.
"""

from __future__ import annotations

from sqlalchemy import MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ispyb_shared.idempotency import idempotency_record_model
from ispyb_shared.uuids import UUID_LENGTH


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention={"uq": "%(table_name)s_%(column_0_name)s_uq"})


def data_collection_uuid_column(*, doc: str) -> Mapped[str]:
    """A reference to one of core's data collections (ISPyB's ``dataCollectionId``)."""
    return mapped_column(String(UUID_LENGTH), nullable=False, doc=doc)


# A create's answer under the client's Idempotency-Key (ispyb_shared.idempotency).
IdempotencyRecord = idempotency_record_model(Base)
