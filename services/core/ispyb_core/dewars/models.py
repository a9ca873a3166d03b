from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ispyb_shared.types import LenientEnum

from ..database import Base, UuidMixin
from ..shipments.models import Shipping

if TYPE_CHECKING:
    from ..containers.models import Container

DEWAR_TYPES = ("Dewar", "Toolbox", "Parcel")


class Dewar(UuidMixin, Base):
    """A dewar (or toolbox, parcel) of a shipment, holding containers. Its status follows
    the lifecycle in docs/shipments.md; every change is kept in DewarTransportHistory."""

    __tablename__ = "Dewar"
    __table_args__ = (
        ForeignKeyConstraint(
            ["dewarRegistryId"],
            ["DewarRegistry.dewarRegistryId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="Dewar_fk_dewarRegistryId",
        ),
        ForeignKeyConstraint(
            ["firstExperimentId"],
            ["BLSession.sessionId"],
            ondelete="SET NULL",
            onupdate="CASCADE",
            name="Dewar_fk_firstExperimentId",
        ),
        ForeignKeyConstraint(
            ["shippingId"],
            ["Shipping.shippingId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="Dewar_ibfk_1",
        ),
        Index("Dewar_FKIndex1", "shippingId"),
        Index("Dewar_FKIndex2", "firstExperimentId"),
        Index("Dewar_FKIndexCode", "code"),
        Index("Dewar_FKIndexStatus", "dewarStatus"),
        Index("Dewar_fk_dewarRegistryId", "dewarRegistryId"),
        Index("barCode", "barCode", unique=True),
    )

    dewarId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    shippingId: Mapped[int] = mapped_column(
        Integer, nullable=False, doc="The shipment the dewar travels in (Shipping.shippingId)."
    )
    type: Mapped[str] = mapped_column(
        LenientEnum(*DEWAR_TYPES, name="dewar_type"),
        server_default="Dewar",
        nullable=False,
        doc="Dewar (dry shipper with samples), Toolbox or Parcel.",
    )
    code: Mapped[str | None] = mapped_column(
        String(45), doc="Name the user gives the dewar (written on its label)."
    )
    barCode: Mapped[str | None] = mapped_column(
        String(45), doc="Barcode label of this dewar trip, unique across the facility."
    )
    facilityCode: Mapped[str | None] = mapped_column(
        String(20),
        doc="Facility code of the physical dewar (DewarRegistry.facilityCode), registered "
        "for the shipment's proposal; sets dewarRegistryId.",
    )
    dewarRegistryId: Mapped[int | None] = mapped_column(
        Integer,
        doc="The registered physical dewar (DewarRegistry.dewarRegistryId), derived from "
        "facilityCode.",
    )
    dewarStatus: Mapped[str | None] = mapped_column(
        String(45),
        doc="Where the dewar is in its lifecycle: opened, ready, sent to facility, at "
        "facility, returned (docs/shipments.md).",
    )
    storageLocation: Mapped[str | None] = mapped_column(
        String(45), doc="Where the dewar is stored at the facility (e.g. a rack position)."
    )
    comments: Mapped[str | None] = mapped_column(String(1024), doc="Free-text comments.")
    firstExperimentId: Mapped[int | None] = mapped_column(
        Integer,
        doc="The first session the dewar's samples are for (BLSession.sessionId, same proposal).",
    )
    customsValue: Mapped[int | None] = mapped_column(
        Integer, doc="Declared customs value of the contents, in euros."
    )
    transportValue: Mapped[int | None] = mapped_column(
        Integer, doc="Declared transport (insurance) value, in euros."
    )
    trackingNumberToSynchrotron: Mapped[str | None] = mapped_column(
        String(30), doc="Courier tracking number to the facility."
    )
    trackingNumberFromSynchrotron: Mapped[str | None] = mapped_column(
        String(30), doc="Courier tracking number of the return trip."
    )
    deliveryAgent_barcode: Mapped[str | None] = mapped_column(
        String(30), doc="Courier's piece barcode (not the airway bill)."
    )
    weight: Mapped[float | None] = mapped_column(Float, doc="Weight of the dewar, in kg.")
    isStorageDewar: Mapped[bool | None] = mapped_column(
        Boolean,
        server_default="0",
        doc="True when the dewar stays stored at the facility between sessions.",
    )
    bltimeStamp: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, doc="When the row was created (set by core, facility local time)."
    )

    Shipping: Mapped[Shipping] = relationship(Shipping, lazy="raise")
    containers: Mapped[list[Container]] = relationship(
        "Container",
        lazy="raise",
        order_by="Container.containerId",
        viewonly=True,
    )


class DewarTransportHistory(UuidMixin, Base):
    """One status change of a dewar: the status it went into, where it was, and when."""

    __tablename__ = "DewarTransportHistory"
    __table_args__ = (
        ForeignKeyConstraint(
            ["dewarId"],
            ["Dewar.dewarId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="DewarTransportHistory_ibfk_1",
        ),
        Index("DewarTransportHistory_FKIndex1", "dewarId"),
    )

    DewarTransportHistoryId: Mapped[int] = mapped_column(
        Integer, primary_key=True, doc="Database id."
    )
    dewarId: Mapped[int | None] = mapped_column(Integer, doc="The dewar (Dewar.dewarId).")
    dewarStatus: Mapped[str] = mapped_column(
        String(45), nullable=False, doc="The status the dewar went into."
    )
    storageLocation: Mapped[str] = mapped_column(
        String(45),
        nullable=False,
        doc="The dewar's storage location at that moment (empty when none).",
    )
    arrivalDate: Mapped[datetime.datetime] = mapped_column(
        DateTime, nullable=False, doc="When the change happened (facility local time)."
    )
