"""Statistics of a session, a proposal, a beamline: one GET each (docs/front-ends.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from flask import request
from flask_restx import Namespace, Resource
from marshmallow import ValidationError

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.errors import InvalidParameter
from ispyb_shared.operations import operation
from ispyb_shared.schemas import NaiveDateTime

from . import service
from .schemas import BeamlineStatisticsRead, ProposalStatisticsRead, SessionStatisticsRead

ns = Namespace(
    "statistics",
    path="/",
    description="Statistics of sessions, proposals and beamlines: time breakdown, counts, "
    "hourly activity, data-quality distributions, computed in the database",
)

_PARAMS = {
    "since": {
        "type": "string",
        "format": "date-time",
        "description": "Only rows starting at or after this (date or date-time, ISO 8601).",
    },
    "until": {
        "type": "string",
        "format": "date-time",
        "description": "Only rows starting before this; times are clipped to it.",
    },
    "bins": {
        "type": "integer",
        "description": f"Bins of each quality distribution, 1 to {service.MAX_BINS} "
        f"(default {service.DEFAULT_BINS}).",
    },
}


def _date_time(raw: str) -> dt.datetime:
    # A bare date means midnight (as in the list filters).
    try:
        if len(raw) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(raw), dt.time())
        return NaiveDateTime().deserialize(raw)
    except (ValueError, OverflowError, ValidationError):
        raise ValueError("Not a valid date or date-time (ISO 8601).") from None


def _bins(raw: str) -> int:
    if not (raw.isascii() and raw.isdigit()):
        raise ValueError("Not a valid integer.")
    return int(raw)


_PARSERS: Mapping[str, Callable[[str], Any]] = {
    "since": _date_time,
    "until": _date_time,
    "bins": _bins,
    "fields": str,  # the sparse fieldset, read by @operation
}


def _query() -> dict[str, Any]:
    """since, until and bins, parsed; unknown parameters and bad values refused, named."""
    problems: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for key, raw in request.args.items():
        if key not in _PARSERS:
            problems[key] = ["Unknown parameter."]
            continue
        try:
            values[key] = _PARSERS[key](raw)
        except ValueError as exc:
            problems[key] = [str(exc)]
    if problems:
        raise InvalidParameter("Invalid query parameters.", problems)
    values.pop("fields", None)
    return values


def _authorize_beamline() -> None:
    service.require_beamline_reader(current_caller(), request.view_args["name"])


@ns.route("/sessions/<string:ref>/statistics")
@ns.param("ref", "Session id, UUID or visit name (e.g. mx1234-5)")
class SessionStatistics(Resource):
    @ns.doc(params=_PARAMS)
    @operation(ns, response=SessionStatisticsRead, errors=(400, 404))
    def get(self, ref: str):
        """Statistics of a session: time breakdown, counts and failures, hourly activity,
        data-quality distributions of its sweeps."""
        return service.session_statistics(
            db_session=db_session(), ref=ref, caller=current_caller(), **_query()
        )


@ns.route("/proposals/<string:ref>/statistics")
@ns.param("ref", "Proposal id, UUID or name (e.g. mx1234)")
class ProposalStatistics(Resource):
    @ns.doc(params=_PARAMS)
    @operation(ns, response=ProposalStatisticsRead, errors=(400, 404))
    def get(self, ref: str):
        """Statistics of the sessions of a proposal (those the caller may see)."""
        return service.proposal_statistics(
            db_session=db_session(), ref=ref, caller=current_caller(), **_query()
        )


@ns.route("/beamlines/<string:name>/statistics")
@ns.param("name", "Beamline name (BLSession.beamLineName), e.g. i03")
class BeamlineStatistics(Resource):
    @ns.doc(params=_PARAMS)
    @operation(
        ns,
        response=BeamlineStatisticsRead,
        errors=(400, 403),
        authorize=_authorize_beamline,
    )
    def get(self, name: str):
        """Statistics of the sessions on a beamline over a period (staff of the beamline)."""
        return service.beamline_statistics(
            db_session=db_session(), beamline=name, caller=current_caller(), **_query()
        )
