from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ispyb_shared.auth import Caller
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page

from ..acquisition import SessionRows
from ..sessions.models import BLSession
from .models import XFEFluorescenceSpectrum

LIST_SPEC = ListSpec(
    filters={
        "uuid": Filter(XFEFluorescenceSpectrum.uuid, ("eq", "in"), "UUID"),
        "sessionId": Filter(XFEFluorescenceSpectrum.sessionId, ("eq", "in"), "Session id"),
        "proposalId": Filter(BLSession.proposalId, ("eq", "in"), "Proposal id"),
        "blSampleId": Filter(XFEFluorescenceSpectrum.blSampleId, ("eq", "in"), "Sample id"),
        "startTime": Filter(XFEFluorescenceSpectrum.startTime, ("gt", "gte", "lt", "lte"), "Start"),
    },
    sortable={
        "xfeFluorescenceSpectrumId": XFEFluorescenceSpectrum.xfeFluorescenceSpectrumId,
        "startTime": XFEFluorescenceSpectrum.startTime,
    },
    default_sort=("startTime",),
    tiebreak=(XFEFluorescenceSpectrum.xfeFluorescenceSpectrumId,),
)

ROWS = SessionRows(
    XFEFluorescenceSpectrum, key="xfeFluorescenceSpectrumId", what="fluorescence spectrum"
)


def list_xrf_spectra(*, db_session: Session, params: ListParams, caller: Caller) -> Page:
    return ROWS.list(db_session=db_session, params=params, spec=LIST_SPEC, caller=caller)


def get_one(*, db_session: Session, ref: str, caller: Caller) -> XFEFluorescenceSpectrum:
    """By id or UUID."""
    return ROWS.get(db_session=db_session, ref=ref, caller=caller)


def create_one(
    *, db_session: Session, data: dict[str, Any], caller: Caller
) -> XFEFluorescenceSpectrum:
    return ROWS.create(db_session=db_session, data=data, caller=caller)


def update_one(
    *, db_session: Session, row: XFEFluorescenceSpectrum, data: dict[str, Any], caller: Caller
) -> XFEFluorescenceSpectrum:
    return ROWS.update(db_session=db_session, row=row, data=data, caller=caller)
