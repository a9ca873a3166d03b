"""DataCollectionComment: ISPyB's comments on a data collection, one row per comment."""

from __future__ import annotations

import datetime

from sqlalchemy import Date, DateTime, ForeignKeyConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..data_collections.models import DataCollection
from ..database import Base, UuidMixin
from ..persons.models import Person


class DataCollectionComment(UuidMixin, Base):
    """A person's comment on a sweep (ISPyB's table, columns as ISPyB names them)."""

    __tablename__ = "DataCollectionComment"
    __table_args__ = (
        ForeignKeyConstraint(
            ["dataCollectionId"],
            ["DataCollection.dataCollectionId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="dataCollectionComment_fk1",
        ),
        ForeignKeyConstraint(
            ["personId"],
            ["Person.personId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="dataCollectionComment_fk2",
        ),
        Index("dataCollectionComment_fk1", "dataCollectionId"),
        Index("dataCollectionComment_fk2", "personId"),
    )

    dataCollectionCommentId: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Id.")
    dataCollectionId: Mapped[int] = mapped_column(
        Integer, nullable=False, doc="The data collection commented on."
    )
    personId: Mapped[int] = mapped_column(Integer, nullable=False, doc="The author.")
    createTime: Mapped[datetime.datetime] = mapped_column(
        DateTime, nullable=False, doc="When it was written (UTC)."
    )
    comments: Mapped[str | None] = mapped_column(String(4000), doc="The comment.")
    modTime: Mapped[datetime.date | None] = mapped_column(
        Date, doc="Day of the last change (ISPyB keeps a date only)."
    )

    DataCollection: Mapped[DataCollection] = relationship(lazy="raise")
    Person: Mapped[Person] = relationship(lazy="raise")
