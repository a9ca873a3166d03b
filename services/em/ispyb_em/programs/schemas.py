from __future__ import annotations

from ..schemas import EMSchema
from .models import AutoProcProgram

READ_ONLY = ("autoProcProgramId", "uuid", "recordTimeStamp")


class ProgramRead(EMSchema):
    """A processing program run on a data collection."""

    class Meta(EMSchema.Meta):
        model = AutoProcProgram
        dump_only = READ_ONLY


class ProgramCreate(EMSchema):
    """A new program run; its results then name it (autoProcProgramId)."""

    class Meta(EMSchema.Meta):
        model = AutoProcProgram
        exclude = READ_ONLY
        required_fields = ("dataCollectionUUID",)


class ProgramUpdate(EMSchema):
    """Progress of a run: status, message, end time... (its data collection stays)."""

    class Meta(EMSchema.Meta):
        model = AutoProcProgram
        exclude = (*READ_ONLY, "dataCollectionUUID")
