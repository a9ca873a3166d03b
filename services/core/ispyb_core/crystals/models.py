from __future__ import annotations

import datetime

from sqlalchemy import TIMESTAMP, Double, ForeignKeyConstraint, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Base, UuidMixin
from ..proteins.models import Protein


class Crystal(UuidMixin, Base):
    """A crystal form of a protein: space group, unit cell and size.

    Samples point at a crystal; several samples may share one crystal form.
    """

    __tablename__ = "Crystal"
    __table_args__ = (
        ForeignKeyConstraint(
            ["diffractionPlanId"],
            ["DiffractionPlan.diffractionPlanId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="Crystal_ibfk_2",
        ),
        ForeignKeyConstraint(
            ["proteinId"],
            ["Protein.proteinId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="Crystal_ibfk_1",
        ),
        Index("Crystal_FKIndex1", "proteinId"),
        Index("Crystal_FKIndex2", "diffractionPlanId"),
    )

    crystalId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    proteinId: Mapped[int] = mapped_column(
        Integer,
        server_default="0",
        nullable=False,
        doc="The protein the crystal is made of (Protein.proteinId); its proposal owns the "
        "crystal.",
    )
    diffractionPlanId: Mapped[int | None] = mapped_column(
        Integer, doc="Default data collection plan for the crystal (DiffractionPlan id)."
    )
    crystalUUID: Mapped[str | None] = mapped_column(
        String(45),
        doc="Identifier given by another system (e.g. a crystal-imaging LIMS); kept as sent. "
        "Not core's uuid.",
    )
    name: Mapped[str | None] = mapped_column(String(255), doc="Name of the crystal form.")
    spaceGroup: Mapped[str | None] = mapped_column(
        String(20), doc="Space group symbol, e.g. P212121 or C2."
    )
    morphology: Mapped[str | None] = mapped_column(
        String(255), doc="Shape of the crystals (needles, plates, ...)."
    )
    color: Mapped[str | None] = mapped_column(String(45), doc="Colour of the crystals.")
    size_X: Mapped[float | None] = mapped_column(Double, doc="Crystal size along X, in µm.")
    size_Y: Mapped[float | None] = mapped_column(Double, doc="Crystal size along Y, in µm.")
    size_Z: Mapped[float | None] = mapped_column(Double, doc="Crystal size along Z, in µm.")
    cell_a: Mapped[float | None] = mapped_column(Double, doc="Unit cell length a, in Å.")
    cell_b: Mapped[float | None] = mapped_column(Double, doc="Unit cell length b, in Å.")
    cell_c: Mapped[float | None] = mapped_column(Double, doc="Unit cell length c, in Å.")
    cell_alpha: Mapped[float | None] = mapped_column(
        Double, doc="Unit cell angle alpha, in degrees."
    )
    cell_beta: Mapped[float | None] = mapped_column(Double, doc="Unit cell angle beta, in degrees.")
    cell_gamma: Mapped[float | None] = mapped_column(
        Double, doc="Unit cell angle gamma, in degrees."
    )
    comments: Mapped[str | None] = mapped_column(String(255), doc="Free-text comments.")
    pdbFileName: Mapped[str | None] = mapped_column(
        String(255), doc="File name of a model (PDB) for molecular replacement."
    )
    pdbFilePath: Mapped[str | None] = mapped_column(
        String(1024), doc="Directory of that PDB file at the facility."
    )
    recordTimeStamp: Mapped[datetime.datetime] = mapped_column(
        TIMESTAMP,
        server_default=func.current_timestamp(),
        nullable=False,
        doc="When the row was created (set by the database).",
    )

    Protein: Mapped[Protein] = relationship(Protein, lazy="raise")
