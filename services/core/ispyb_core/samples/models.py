from __future__ import annotations

import datetime

from sqlalchemy import (
    TIMESTAMP,
    Boolean,
    Double,
    ForeignKeyConstraint,
    Index,
    Integer,
    SmallInteger,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..containers.models import Container
from ..crystals.models import Crystal
from ..database import Base, UuidMixin
from ..diffraction_plans.models import DiffractionPlan


class BLSample(UuidMixin, Base):
    """A sample: a crystal (of a protein) on a pin or in a drop, at a position of a
    container. It belongs to the proposal of its crystal's protein."""

    __tablename__ = "BLSample"
    __table_args__ = (
        ForeignKeyConstraint(
            ["containerId"],
            ["Container.containerId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="BLSample_ibfk_1",
        ),
        ForeignKeyConstraint(
            ["crystalId"],
            ["Crystal.crystalId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="BLSample_ibfk_2",
        ),
        ForeignKeyConstraint(
            ["diffractionPlanId"],
            ["DiffractionPlan.diffractionPlanId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="BLSample_ibfk_3",
        ),
        Index("BLSample_FKIndex1", "containerId"),
        Index("BLSample_FKIndex3", "diffractionPlanId"),
        Index("BLSample_FKIndex_Status", "blSampleStatus"),
        Index("BLSample_Index1", "name"),
        Index(
            "BLSample_uidx_containerId_location_subLocation",
            "containerId",
            "location",
            "subLocation",
            unique=True,
        ),
        Index("crystalId", "crystalId", "containerId"),
    )

    blSampleId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    containerId: Mapped[int | None] = mapped_column(
        Integer, doc="The container holding the sample (Container.containerId)."
    )
    location: Mapped[str | None] = mapped_column(
        String(45),
        doc="Position in the container: a whole number from 1 to the container's capacity, "
        "written without leading zeros ('1', '16'); one sample per position.",
    )
    subLocation: Mapped[int | None] = mapped_column(
        SmallInteger,
        doc="Position on a multi-sample pin, 1 being closest to the pin's base; null for "
        "ordinary pins.",
    )
    crystalId: Mapped[int | None] = mapped_column(
        Integer, doc="The crystal (Crystal.crystalId); its protein's proposal owns the sample."
    )
    diffractionPlanId: Mapped[int | None] = mapped_column(
        Integer, doc="What to collect on this sample (DiffractionPlan.diffractionPlanId)."
    )
    name: Mapped[str | None] = mapped_column(String(45), doc="Name the user gives the sample.")
    code: Mapped[str | None] = mapped_column(
        String(45), doc="Barcode or code of the pin (or well) holding the sample."
    )
    comments: Mapped[str | None] = mapped_column(String(1024), doc="Free-text comments.")
    staffComments: Mapped[str | None] = mapped_column(
        String(255), doc="Comments by facility staff."
    )
    blSampleStatus: Mapped[str | None] = mapped_column(
        String(20), doc="Processing status at the beamline (free text, e.g. 'collected')."
    )
    isInSampleChanger: Mapped[bool | None] = mapped_column(
        Boolean, doc="True while the sample is in the beamline's sample changer."
    )
    holderLength: Mapped[float | None] = mapped_column(
        Double, doc="Length of the pin (sample holder), in mm."
    )
    loopLength: Mapped[float | None] = mapped_column(Double, doc="Loop size, in mm.")
    loopType: Mapped[str | None] = mapped_column(
        String(45), doc="Kind of loop (e.g. nylon, mesh, litholoop)."
    )
    wireWidth: Mapped[float | None] = mapped_column(Double, doc="Pin wire width, in mm.")
    recordTimeStamp: Mapped[datetime.datetime] = mapped_column(
        TIMESTAMP,
        server_default=func.current_timestamp(),
        nullable=False,
        doc="When the row was created (set by the database).",
    )

    Container: Mapped[Container | None] = relationship(Container, lazy="raise")
    Crystal: Mapped[Crystal | None] = relationship(Crystal, lazy="raise")
    DiffractionPlan: Mapped[DiffractionPlan | None] = relationship(DiffractionPlan, lazy="raise")
