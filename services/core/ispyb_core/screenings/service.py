from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import flag_modified

from ispyb_shared.auth import Caller
from ispyb_shared.crud import one_or_404, ref_condition, update_row
from ispyb_shared.errors import Conflict
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate

from ..access import require_acquisition_writer
from ..acquisition import visible_session_condition
from ..data_collections.models import DataCollectionGroup
from ..sweep_rows import beamline_of, target_group, with_session
from .models import (
    Screening,
    ScreeningOutput,
    ScreeningOutputLattice,
    ScreeningStrategy,
    ScreeningStrategySubWedge,
    ScreeningStrategyWedge,
)

LIST_SPEC = ListSpec(
    filters={
        "uuid": Filter(Screening.uuid, ("eq", "in"), "UUID"),
        "dataCollectionId": Filter(Screening.dataCollectionId, ("eq", "in"), "Data collection"),
        "dataCollectionGroupId": Filter(
            DataCollectionGroup.dataCollectionGroupId, ("eq", "in"), "Group (of the sweep)"
        ),
        "sessionId": Filter(DataCollectionGroup.sessionId, ("eq", "in"), "Session id"),
        "programVersion": Filter(
            Screening.programVersion, ("eq", "in", "contains"), "Program and version"
        ),
    },
    sortable={"screeningId": Screening.screeningId, "bltimeStamp": Screening.bltimeStamp},
    default_sort=("screeningId",),
    tiebreak=(Screening.screeningId,),
)

_WITH_EVERYTHING = (
    selectinload(Screening.ScreeningOutput).selectinload(ScreeningOutput.ScreeningOutputLattice),
    selectinload(Screening.ScreeningOutput)
    .selectinload(ScreeningOutput.ScreeningStrategy)
    .selectinload(ScreeningStrategy.ScreeningStrategyWedge)
    .selectinload(ScreeningStrategyWedge.ScreeningStrategySubWedge),
)


def visible_screenings(caller: Caller):
    return (
        with_session(select(Screening), Screening)
        .where(visible_session_condition(caller))
        .options(*_WITH_EVERYTHING)
    )


def list_screenings(*, db_session: Session, params: ListParams, caller: Caller) -> Page:
    return paginate(db_session, visible_screenings(caller), params, LIST_SPEC)


def get_screening(*, db_session: Session, ref: str, caller: Caller) -> Screening:
    """By id or UUID, with everything it found."""
    condition = ref_condition(ref, id_column=Screening.screeningId, uuid_column=Screening.uuid)
    return one_or_404(db_session, visible_screenings(caller).where(condition), "Screening", ref)


def _output(values: dict[str, Any]) -> ScreeningOutput:
    values = dict(values)
    lattices = [ScreeningOutputLattice(**lattice) for lattice in values.pop("lattices")]
    strategies = []
    for strategy in values.pop("strategies"):
        strategy = dict(strategy)
        wedges = []
        for wedge in strategy.pop("wedges"):
            wedge = dict(wedge)
            sub_wedges = [ScreeningStrategySubWedge(**sub) for sub in wedge.pop("subWedges")]
            wedges.append(ScreeningStrategyWedge(**wedge, ScreeningStrategySubWedge=sub_wedges))
        strategies.append(ScreeningStrategy(**strategy, ScreeningStrategyWedge=wedges))
    return ScreeningOutput(**values, ScreeningOutputLattice=lattices, ScreeningStrategy=strategies)


def create_screening(*, db_session: Session, data: dict[str, Any], caller: Caller) -> Screening:
    data = dict(data)
    outputs = data.pop("outputs", [])
    group = target_group(db_session, data)
    require_acquisition_writer(
        caller, beamline=group.BLSession.beamLineName, action="record screenings"
    )
    screening = Screening(**data, ScreeningOutput=[_output(output) for output in outputs])
    db_session.add(screening)
    db_session.flush()
    return _reload(db_session, screening)


def update_screening(
    *, db_session: Session, screening: Screening, data: dict[str, Any], caller: Caller
) -> Screening:
    beamline = beamline_of(db_session, Screening, Screening.screeningId, screening.screeningId)
    require_acquisition_writer(caller, beamline=beamline, action="change screenings")
    for name in ("dataCollectionId", "dataCollectionGroupId"):
        if name in data and data[name] != getattr(screening, name):
            raise Conflict(
                "A screening cannot move to another data collection.",
                {name: ["Cannot be changed."]},
            )
    # ISPyB declares bltimeStamp ON UPDATE current_timestamp(): it keeps its own value.
    flag_modified(screening, "bltimeStamp")
    update_row(db_session, screening, data)
    return _reload(db_session, screening)


def _reload(db_session: Session, screening: Screening) -> Screening:
    statement = (
        select(Screening)
        .where(Screening.screeningId == screening.screeningId)
        .options(*_WITH_EVERYTHING)
        .execution_options(populate_existing=True)
    )
    return db_session.execute(statement).scalar_one()
