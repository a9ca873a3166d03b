from __future__ import annotations

import datetime

from sqlalchemy import TIMESTAMP, ForeignKeyConstraint, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Base, UuidMixin

DOCUMENT_HASH_LENGTH = 64


class ShipmentDocument(UuidMixin, Base):
    """A one-shot shipment document received with a client-supplied external id (core's
    table, not ISPyB's): the same id sent again returns the shipment it created instead of
    creating another one."""

    __tablename__ = "ShipmentDocument"
    __table_args__ = (
        ForeignKeyConstraint(
            ["proposalId"],
            ["Proposal.proposalId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="ShipmentDocument_ibfk_1",
        ),
        ForeignKeyConstraint(
            ["shippingId"],
            ["Shipping.shippingId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="ShipmentDocument_ibfk_2",
        ),
        Index("ShipmentDocument_proposalId_externalId", "proposalId", "externalId", unique=True),
        Index("ShipmentDocument_FKIndex2", "shippingId"),
    )

    shipmentDocumentId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    proposalId: Mapped[int] = mapped_column(
        Integer, nullable=False, doc="The proposal of the shipment (Proposal.proposalId)."
    )
    externalId: Mapped[str] = mapped_column(
        String(100),
        nullable=False,
        doc="The client's id for the document (e.g. a LIMS shipment id), unique per proposal.",
    )
    documentHash: Mapped[str] = mapped_column(
        String(DOCUMENT_HASH_LENGTH),
        nullable=False,
        doc="SHA-256 of the document in canonical JSON, to recognise a repeat.",
    )
    shippingId: Mapped[int] = mapped_column(
        Integer, nullable=False, doc="The shipment the document created (Shipping.shippingId)."
    )
    recordTimeStamp: Mapped[datetime.datetime] = mapped_column(
        TIMESTAMP,
        server_default=func.current_timestamp(),
        nullable=False,
        doc="When the document was received (set by the database).",
    )
