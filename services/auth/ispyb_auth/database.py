"""The declarative base of the auth service's models (its own database)."""

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from ispyb_shared.idempotency import idempotency_record_model


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention={"uq": "%(table_name)s_%(column_0_name)s_uq"})


# A create's answer under the client's Idempotency-Key (ispyb_shared.idempotency).
IdempotencyRecord = idempotency_record_model(Base)
