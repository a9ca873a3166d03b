"""DataCollectionFileAttachment: files a data collection's pipelines leave beside it
(per-image analysis plots, logs, x/y data), one row per file (ISPyB's table)."""

from __future__ import annotations

import datetime

from sqlalchemy import TIMESTAMP, ForeignKeyConstraint, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ispyb_shared.types import LenientEnum

from ..data_collections.models import DataCollection
from ..database import Base, UuidMixin

# Diamond's values; ESRF's flavour has the first four (a site's other values are served
# as stored).
FILE_TYPES = ("snapshot", "log", "xy", "recip", "pia", "warning", "params")


class DataCollectionFileAttachment(UuidMixin, Base):
    """A file attached to a data collection."""

    __tablename__ = "DataCollectionFileAttachment"
    __table_args__ = (
        ForeignKeyConstraint(
            ["dataCollectionId"],
            ["DataCollection.dataCollectionId"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="_dataCollectionFileAttachmentId_fk1",
        ),
        Index("_dataCollectionFileAttachmentId_fk1", "dataCollectionId"),
    )

    dataCollectionFileAttachmentId: Mapped[int] = mapped_column(
        Integer, primary_key=True, doc="Database id."
    )
    dataCollectionId: Mapped[int] = mapped_column(
        Integer, nullable=False, doc="The data collection the file belongs to."
    )
    fileFullPath: Mapped[str] = mapped_column(
        String(255), nullable=False, doc="Absolute path of the file."
    )
    createTime: Mapped[datetime.datetime] = mapped_column(
        TIMESTAMP,
        nullable=False,
        server_default=func.current_timestamp(),
        doc="When the row was written (set by the database).",
    )
    fileType: Mapped[str | None] = mapped_column(
        LenientEnum(*FILE_TYPES, name="data_collection_file_type"),
        doc="snapshot: an image, usually of the sample; log: a text log; xy: x/y data as "
        "text; recip: compressed CSV of reciprocal-space coordinates; pia: per-image "
        "analysis; warning; params.",
    )

    DataCollection: Mapped[DataCollection] = relationship(DataCollection, lazy="raise")
