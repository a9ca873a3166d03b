from __future__ import annotations

from ispyb_shared.listing import Filter, ListSpec

from ..ownership import data_collection_filter
from ..resources import OwnedResource
from .models import AutoProcProgram
from .schemas import ProgramCreate, ProgramRead, ProgramUpdate

LIST_SPEC = ListSpec(
    filters={
        "dataCollectionUUID": data_collection_filter(AutoProcProgram),
        "processingPrograms": Filter(
            AutoProcProgram.processingPrograms, ("eq", "in", "contains"), "Program names"
        ),
        "processingStatus": Filter(AutoProcProgram.processingStatus, ("eq",), "Succeeded"),
        "processingStartTime": Filter(
            AutoProcProgram.processingStartTime, ("gt", "gte", "lt", "lte"), "Start time"
        ),
    },
    sortable={
        "autoProcProgramId": AutoProcProgram.autoProcProgramId,
        "processingStartTime": AutoProcProgram.processingStartTime,
    },
    default_sort=("autoProcProgramId",),
    tiebreak=(AutoProcProgram.autoProcProgramId,),
)


def _owner(references, data):
    uuid = data["dataCollectionUUID"]
    return uuid if references.data_collection("dataCollectionUUID", uuid) else None


PROGRAMS = OwnedResource(
    model=AutoProcProgram,
    what="Program run",
    read=ProgramRead,
    list_spec=LIST_SPEC,
    create=ProgramCreate,
    update=ProgramUpdate,
    owner_of=_owner,
)
