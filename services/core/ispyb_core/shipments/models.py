from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    TIMESTAMP,
    Boolean,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Base, UuidMixin
from ..sessions.models import BLSession

if TYPE_CHECKING:
    from ..dewars.models import Dewar


class Shipping(UuidMixin, Base):
    """A shipment: the dewars a proposal sends to the facility together, with courier
    details. Its status follows the lifecycle in docs/shipments.md."""

    __tablename__ = "Shipping"
    __table_args__ = (
        ForeignKeyConstraint(
            ["proposalId"],
            ["Proposal.proposalId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="Shipping_ibfk_1",
        ),
        ForeignKeyConstraint(
            ["returnLabContactId"],
            ["LabContact.labContactId"],
            ondelete="SET NULL",
            onupdate="CASCADE",
            name="Shipping_ibfk_3",
        ),
        ForeignKeyConstraint(
            ["sendingLabContactId"],
            ["LabContact.labContactId"],
            ondelete="SET NULL",
            onupdate="CASCADE",
            name="Shipping_ibfk_2",
        ),
        Index("Shipping_FKIndex1", "proposalId"),
        Index("Shipping_FKIndex2", "sendingLabContactId"),
        Index("Shipping_FKIndex3", "returnLabContactId"),
        Index("Shipping_FKIndexCreationDate", "creationDate"),
        Index("Shipping_FKIndexName", "shippingName"),
        Index("Shipping_FKIndexStatus", "shippingStatus"),
        Index("laboratoryId", "laboratoryId"),
    )

    shippingId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    proposalId: Mapped[int] = mapped_column(
        Integer,
        server_default="0",
        nullable=False,
        doc="The proposal sending the shipment (Proposal.proposalId).",
    )
    shippingName: Mapped[str | None] = mapped_column(
        String(45), doc="Name the user gives the shipment."
    )
    shippingStatus: Mapped[str | None] = mapped_column(
        String(45),
        doc="Where the shipment is in its lifecycle: opened, ready, sent to facility, at "
        "facility, returned (docs/shipments.md lists the allowed changes).",
    )
    shippingType: Mapped[str | None] = mapped_column(
        String(45), doc="Kind of shipment (free text, e.g. 'Dewars', 'Plates')."
    )
    comments: Mapped[str | None] = mapped_column(String(1000), doc="Free-text comments.")
    sendingLabContactId: Mapped[int | None] = mapped_column(
        Integer, doc="Who sends the shipment (LabContact.labContactId of the same proposal)."
    )
    returnLabContactId: Mapped[int | None] = mapped_column(
        Integer,
        doc="Who gets the dewars back (LabContact.labContactId of the same proposal).",
    )
    returnCourier: Mapped[str | None] = mapped_column(
        String(45), doc="Courier for the return trip."
    )
    deliveryAgent_agentName: Mapped[str | None] = mapped_column(
        String(45), doc="Courier company bringing the shipment to the facility."
    )
    deliveryAgent_agentCode: Mapped[str | None] = mapped_column(
        String(45), doc="Account number with that courier."
    )
    deliveryAgent_flightCode: Mapped[str | None] = mapped_column(
        String(45), doc="Courier tracking (airway bill) number to the facility."
    )
    deliveryAgent_shippingDate: Mapped[datetime.date | None] = mapped_column(
        Date, doc="Date the courier collects the shipment."
    )
    deliveryAgent_deliveryDate: Mapped[datetime.date | None] = mapped_column(
        Date, doc="Expected delivery date at the facility."
    )
    laboratoryId: Mapped[int | None] = mapped_column(
        Integer, doc="Sending laboratory (Laboratory.laboratoryId), informative."
    )
    isStorageShipping: Mapped[bool | None] = mapped_column(
        Boolean,
        server_default="0",
        doc="True when the dewars stay stored at the facility between sessions.",
    )
    physicalLocation: Mapped[str | None] = mapped_column(
        String(50), doc="Where the courier picks the shipment up (e.g. 'Stores')."
    )
    creationDate: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="When the shipment was created (set by core, facility local time)."
    )
    bltimeStamp: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="When the row was created (set by core, facility local time)."
    )
    dateOfShippingToUser: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="When the shipment was returned to the user (set by core)."
    )

    dewars: Mapped[list[Dewar]] = relationship(
        "Dewar", lazy="raise", order_by="Dewar.dewarId", viewonly=True
    )
    sessions: Mapped[list[BLSession]] = relationship(
        BLSession,
        secondary="ShippingHasSession",
        lazy="raise",
        order_by=BLSession.sessionId,
        viewonly=True,
    )


class ShippingHasSession(UuidMixin, Base):
    """A session the shipment's samples are meant for."""

    __tablename__ = "ShippingHasSession"
    __table_args__ = (
        ForeignKeyConstraint(
            ["sessionId"],
            ["BLSession.sessionId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="ShippingHasSession_ibfk_2",
        ),
        ForeignKeyConstraint(
            ["shippingId"],
            ["Shipping.shippingId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="ShippingHasSession_ibfk_1",
        ),
        Index("ShippingHasSession_FKIndex2", "sessionId"),
    )

    shippingId: Mapped[int] = mapped_column(
        Integer, primary_key=True, autoincrement=False, doc="The shipment (Shipping.shippingId)."
    )
    sessionId: Mapped[int] = mapped_column(
        Integer, primary_key=True, autoincrement=False, doc="The session (BLSession.sessionId)."
    )


class ShippingStatusHistory(UuidMixin, Base):
    """Every status a shipment took, when and by whom (core's table, not ISPyB's: ISPyB
    keeps only the current shippingStatus)."""

    __tablename__ = "ShippingStatusHistory"
    __table_args__ = (
        ForeignKeyConstraint(
            ["shippingId"],
            ["Shipping.shippingId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="ShippingStatusHistory_ibfk_1",
        ),
        Index("ShippingStatusHistory_FKIndex1", "shippingId"),
    )

    shippingStatusHistoryId: Mapped[int] = mapped_column(
        Integer, primary_key=True, doc="Database id."
    )
    shippingId: Mapped[int] = mapped_column(
        Integer, nullable=False, doc="The shipment (Shipping.shippingId)."
    )
    shippingStatus: Mapped[str] = mapped_column(
        String(45), nullable=False, doc="The status the shipment went into."
    )
    changedBy: Mapped[str | None] = mapped_column(
        String(255), doc="Who made the change: a login, or a machine client's id."
    )
    recordTimeStamp: Mapped[datetime.datetime] = mapped_column(
        TIMESTAMP,
        server_default=func.current_timestamp(),
        nullable=False,
        doc="When the change happened (set by the database).",
    )
