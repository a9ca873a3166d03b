from __future__ import annotations

from sqlalchemy import ForeignKeyConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ispyb_shared.types import LenientEnum

from ..database import Base, UuidMixin
from ..samples.models import BLSample

MEMBER_TYPES = ("background", "container", "sample", "calibrant", "capillary")


class BLSampleGroup(UuidMixin, Base):
    """A named, ordered group of samples of one proposal (e.g. a ligand series, or a
    sample with its buffer and background)."""

    __tablename__ = "BLSampleGroup"
    __table_args__ = (
        ForeignKeyConstraint(
            ["ownerId"], ["Person.personId"], onupdate="CASCADE", name="BLSampleGroup_fk_ownerId"
        ),
        ForeignKeyConstraint(
            ["proposalId"],
            ["Proposal.proposalId"],
            ondelete="SET NULL",
            onupdate="CASCADE",
            name="BLSampleGroup_fk_proposalId",
        ),
        Index("BLSampleGroup_fk_ownerId", "ownerId"),
        Index("BLSampleGroup_fk_proposalId", "proposalId"),
    )

    blSampleGroupId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Database id.")
    name: Mapped[str | None] = mapped_column(String(100), doc="Name of the group.")
    proposalId: Mapped[int | None] = mapped_column(
        Integer, doc="The proposal the group and all its samples belong to (Proposal id)."
    )
    ownerId: Mapped[int | None] = mapped_column(
        Integer, doc="Person who owns the group (Person.personId)."
    )

    members: Mapped[list[BLSampleGroupHasBLSample]] = relationship(
        "BLSampleGroupHasBLSample",
        lazy="raise",
        order_by="[BLSampleGroupHasBLSample.groupOrder, BLSampleGroupHasBLSample.blSampleId]",
        viewonly=True,
    )


class BLSampleGroupHasBLSample(UuidMixin, Base):
    """A sample's place in a group: its order and its role."""

    __tablename__ = "BLSampleGroup_has_BLSample"
    __table_args__ = (
        ForeignKeyConstraint(
            ["blSampleGroupId"],
            ["BLSampleGroup.blSampleGroupId"],
            name="BLSampleGroup_has_BLSample_ibfk1",
        ),
        ForeignKeyConstraint(
            ["blSampleId"], ["BLSample.blSampleId"], name="BLSampleGroup_has_BLSample_ibfk2"
        ),
        Index("BLSampleGroup_has_BLSample_ibfk2", "blSampleId"),
    )

    blSampleGroupId: Mapped[int] = mapped_column(
        Integer,
        primary_key=True,
        autoincrement=False,
        doc="The group (BLSampleGroup.blSampleGroupId).",
    )
    blSampleId: Mapped[int] = mapped_column(
        Integer, primary_key=True, autoincrement=False, doc="The sample (BLSample.blSampleId)."
    )
    groupOrder: Mapped[int | None] = mapped_column(
        Integer, doc="Position of the sample in the group, from 1; the next free one if omitted."
    )
    type: Mapped[str | None] = mapped_column(
        LenientEnum(*MEMBER_TYPES, name="sample_group_member_type"),
        doc="Role of the sample in the group: background, container, sample, calibrant or "
        "capillary.",
    )

    BLSample: Mapped[BLSample] = relationship(BLSample, lazy="raise")
