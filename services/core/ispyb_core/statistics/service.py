"""Statistics of a session, a proposal or a beamline, computed in the database.

The MX counterpart of em's monitoring summary and histograms: what the time of the
sessions went to, how many rows of each kind (and how many failed), the activity hour by
hour, and the distributions of the data quality of the sweeps. Seven statements whatever
the number of rows (the scope's lookup, the times, the counts, the run statuses, the
hours, the quality aggregates and the quality buckets); the database does the sums, the
counting and the bucketing, and only the answer's numbers leave it.

The rows of a scope are those of its sessions (the sessions the caller may see) that start
in [since, until) when those are given. The times (docs/front-ends.md, "Statistics"):

- an activity is a data collection, a robot action, an energy scan or an XRF spectrum
  with both its start and its end; its interval is clipped to its session's scheduled
  time (startDate..endDate, where given) and to [since, until);
- collecting, robot, energyScans, xrf: the sum of the clipped intervals of each kind;
- total: the sessions' scheduled time (a session without a start or an end is taken from
  its first activity or to its last), clipped to [since, until);
- busy: the union of all clipped intervals of a session, summed over the sessions, so
  activities that overlap (a robot action during a sweep) count once;
- idle = total - busy.

The kinds may add up to more than busy (overlaps count in each kind); an activity without
an end time, and whatever the beamline did that writes no row (centring, alignment,
waiting for the beam), counts as idle. The sessions' own overlaps (two sessions of a
proposal at the same time on two beamlines) are not merged: each is its own time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from ispyb_shared.auth import Caller, Forbidden
from ispyb_shared.errors import InvalidParameter
from ispyb_shared.sql import floor_nonnegative
from ispyb_shared.types import not_failed

from ..access import READ_SCOPE, require_staff, session_condition
from ..data_collections.models import DataCollection, DataCollectionGroup
from ..energy_scans.models import EnergyScan
from ..processing.models import (
    AutoProc,
    AutoProcIntegration,
    AutoProcProgram,
    AutoProcScaling,
    AutoProcScalingHasInt,
    AutoProcScalingStatistics,
)
from ..processing.service import COMPLETE_ENOUGH
from ..proposals.service import get_proposal
from ..robot_actions.models import RobotAction
from ..screenings.models import Screening
from ..sessions.models import BLSession
from ..sessions.service import get_session
from ..sweep_rows import with_session
from ..xrf_spectra.models import XFEFluorescenceSpectrum
from .sql import epoch_hours, epoch_seconds

SECONDS = "s"
DEFAULT_BINS = 10
MAX_BINS = 100
EPOCH = dt.datetime(1970, 1, 1)

# Robot outcomes that are failures (WARNING is not: the action was done).
ROBOT_FAILURES = ("ERROR", "CRITICAL", "EPICSFAIL", "COMMANDNOTSENT")

# The figures whose distributions across sweeps are answered: the overall shell of each
# sweep's best result (processing.service.best_results chooses it the same way).
QUALITY = (
    ("resolution", "Å", "resolutionLimitHigh"),
    ("completeness", "%", "completeness"),
    ("ccHalf", "%", "ccHalf"),
    ("meanIOverSigI", "", "meanIOverSigI"),
)


@dataclass(frozen=True)
class Scope:
    """The sessions counted (a condition on BLSession) and the period."""

    kind: str
    sessions: ColumnElement[bool]
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def started(self, column) -> ColumnElement[bool]:
        """Rows whose start ``column`` is in [since, until) (every row without bounds)."""
        conditions = []
        if self.since is not None:
            conditions.append(column >= self.since)
        if self.until is not None:
            conditions.append(column < self.until)
        return and_(true(), *conditions)


def check_period(since: dt.datetime | None, until: dt.datetime | None) -> None:
    if since is not None and until is not None and until <= since:
        raise InvalidParameter("Invalid query parameters.", {"until": ["Must be after since."]})


def check_bins(bins: int) -> None:
    if not 1 <= bins <= MAX_BINS:
        raise InvalidParameter(
            "Invalid query parameters.", {"bins": [f"Between 1 and {MAX_BINS}."]}
        )


# --- the scopes ----------------------------------------------------------------------------


def session_statistics(
    *,
    db_session: Session,
    ref: str,
    caller: Caller,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    bins: int = DEFAULT_BINS,
) -> dict[str, Any]:
    """Statistics of session ``ref`` (id, UUID or visit name); 404 if not visible."""
    check_period(since, until)
    check_bins(bins)
    session = get_session(db_session=db_session, ref=ref, caller=caller)
    scope = Scope("session", BLSession.sessionId == session.sessionId, since, until)
    answer = statistics(db_session=db_session, scope=scope, bins=bins)
    return {"sessionId": session.sessionId, "visit": session.visit, **answer}


def proposal_statistics(
    *,
    db_session: Session,
    ref: str,
    caller: Caller,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    bins: int = DEFAULT_BINS,
) -> dict[str, Any]:
    """Statistics of the sessions of proposal ``ref`` that the caller may see."""
    check_period(since, until)
    check_bins(bins)
    proposal = get_proposal(db_session=db_session, ref=ref, caller=caller)
    condition = and_(BLSession.proposalId == proposal.proposalId, session_condition(caller))
    scope = Scope("proposal", condition, since, until)
    answer = statistics(db_session=db_session, scope=scope, bins=bins)
    name = f"{proposal.proposalCode}{proposal.proposalNumber}"
    return {"proposalId": proposal.proposalId, "proposal": name, **answer}


def require_beamline_reader(caller: Caller, beamline: str) -> None:
    """Beamline statistics are the facility's: staff of the beamline (or of all), admins,
    clients that read core."""
    if caller.kind == "client":
        if not caller.has_scope(READ_SCOPE):
            raise Forbidden("This client's scopes do not include reading core data.")
        return
    require_staff(caller, action="read beamline statistics", beamline=beamline)


def beamline_statistics(
    *,
    db_session: Session,
    beamline: str,
    caller: Caller,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    bins: int = DEFAULT_BINS,
) -> dict[str, Any]:
    """Statistics of the sessions on ``beamline`` (a name nobody used answers zeros)."""
    require_beamline_reader(caller, beamline)
    check_period(since, until)
    check_bins(bins)
    condition = and_(BLSession.beamLineName == beamline, session_condition(caller))
    scope = Scope("beamline", condition, since, until)
    return {"beamLineName": beamline, **statistics(db_session=db_session, scope=scope, bins=bins)}


def statistics(*, db_session: Session, scope: Scope, bins: int) -> dict[str, Any]:
    counts = _counts(db_session, scope)
    return {
        "since": scope.since,
        "until": scope.until,
        "timeBreakdown": _time_breakdown(db_session, scope),
        "counts": counts,
        "hourly": _hourly(db_session, scope),
        "quality": _quality(db_session, scope, bins),
    }


# --- time ----------------------------------------------------------------------------------


def _later(a, b):
    """The later of two epoch values, ``b`` possibly NULL (then ``a``)."""
    return case((b.is_(None), a), (b > a, b), else_=a)


def _earlier(a, b):
    return case((b.is_(None), a), (b < a, b), else_=a)


def _seconds(value: dt.datetime | None):
    return None if value is None else literal(int((value - EPOCH).total_seconds()))


def _clip(start, end, sessions, scope: Scope):
    """An interval's [start, end) in epoch seconds, clipped to its session and the period."""
    start = _later(epoch_seconds(start), sessions.c.opens)
    end = _earlier(epoch_seconds(end), sessions.c.closes)
    if scope.since is not None:
        start = _later(start, _seconds(scope.since))
    if scope.until is not None:
        end = _earlier(end, _seconds(scope.until))
    return start, end


def _activities(scope: Scope):
    """The scope's sessions (their scheduled times in epoch seconds) and its activities,
    one row per interval (kind, sessionId, s, e), clipped, only those of positive length."""
    sessions = (
        select(
            BLSession.sessionId.label("sessionId"),
            epoch_seconds(BLSession.startDate).label("opens"),
            epoch_seconds(BLSession.endDate).label("closes"),
        )
        .where(scope.sessions)
        .cte("scope_sessions")
    )
    sources = (
        (
            "collecting",
            DataCollection.startTime,
            DataCollection.endTime,
            DataCollectionGroup.sessionId,
            lambda s: s.select_from(DataCollection).join(
                DataCollectionGroup,
                DataCollectionGroup.dataCollectionGroupId == DataCollection.dataCollectionGroupId,
            ),
        ),
        (
            "robot",
            RobotAction.startTimestamp,
            RobotAction.endTimestamp,
            RobotAction.blsessionId,
            lambda s: s.select_from(RobotAction),
        ),
        (
            "energyScans",
            EnergyScan.startTime,
            EnergyScan.endTime,
            EnergyScan.sessionId,
            lambda s: s.select_from(EnergyScan),
        ),
        (
            "xrf",
            XFEFluorescenceSpectrum.startTime,
            XFEFluorescenceSpectrum.endTime,
            XFEFluorescenceSpectrum.sessionId,
            lambda s: s.select_from(XFEFluorescenceSpectrum),
        ),
    )
    parts = []
    for kind, start, end, session_id, source in sources:
        s, e = _clip(start, end, sessions, scope)
        parts.append(
            source(
                select(
                    literal(kind).label("kind"),
                    sessions.c.sessionId.label("sessionId"),
                    s.label("s"),
                    e.label("e"),
                )
            )
            .join(sessions, sessions.c.sessionId == session_id)
            .where(start.is_not(None), end.is_not(None), scope.started(start))
        )
    intervals = union_all(*parts).subquery("intervals")
    activities = select(intervals).where(intervals.c.e > intervals.c.s).cte("activities")
    return sessions, activities


def _time_breakdown(db_session: Session, scope: Scope) -> dict[str, Any]:
    sessions, activities = _activities(scope)
    a = activities.c
    by_kind = select(a.kind, func.sum(a.e - a.s)).group_by(a.kind)

    # Sorted by start, an interval adds what reaches beyond every earlier interval of its
    # session: max(0, e - max(s, reach)), reach being the latest end before it.
    reach = func.max(a.e).over(partition_by=a.sessionId, order_by=(a.s, a.e), rows=(None, -1))
    ordered = select(a.s, a.e, reach.label("reach")).subquery("ordered")
    o = ordered.c
    added = case(
        (o.reach.is_(None), o.e - o.s),
        (o.e <= o.reach, 0),
        (o.s >= o.reach, o.e - o.s),
        else_=o.e - o.reach,
    )
    busy = select(literal("busy"), func.sum(added))

    spans = (
        select(a.sessionId, func.min(a.s).label("first"), func.max(a.e).label("last"))
        .group_by(a.sessionId)
        .subquery("spans")
    )
    opens = func.coalesce(sessions.c.opens, spans.c.first)
    closes = func.coalesce(sessions.c.closes, spans.c.last)
    if scope.since is not None:
        opens = _later(opens, _seconds(scope.since))
    if scope.until is not None:
        closes = _earlier(closes, _seconds(scope.until))
    length = case((closes > opens, closes - opens), else_=0)
    total = select(literal("total"), func.sum(length)).select_from(
        sessions.outerjoin(spans, spans.c.sessionId == sessions.c.sessionId)
    )
    seconds = {
        kind: int(value or 0)
        for kind, value in db_session.execute(union_all(by_kind, busy, total)).all()
    }
    answer = {
        "unit": SECONDS,
        **{kind: seconds.get(kind, 0) for kind in ("collecting", "robot", "energyScans", "xrf")},
    }
    total_seconds = seconds.get("total", 0)
    busy_seconds = min(seconds.get("busy", 0), total_seconds)
    answer.update(busy=busy_seconds, idle=total_seconds - busy_seconds, total=total_seconds)
    return answer


# --- counts --------------------------------------------------------------------------------


def _in_scope(statement: Select, session_id, scope: Scope) -> Select:
    return statement.join(BLSession, BLSession.sessionId == session_id).where(scope.sessions)


def _collections(scope: Scope, *columns) -> Select:
    return (
        select(*columns)
        .select_from(DataCollection)
        .join(
            DataCollectionGroup,
            DataCollectionGroup.dataCollectionGroupId == DataCollection.dataCollectionGroupId,
        )
        .join(BLSession, BLSession.sessionId == DataCollectionGroup.sessionId)
        .where(scope.sessions, scope.started(DataCollection.startTime))
    )


def _status_like(*words: str) -> ColumnElement[bool]:
    status = func.lower(DataCollection.runStatus)
    return or_(*(status.like(f"%{word}%") for word in words))


FAILED_WORDS = ("fail", "error")
ABORTED_WORDS = ("abort", "stop")


def _counts(db_session: Session, scope: Scope) -> dict[str, Any]:
    def count_of(statement: Select):
        return statement.scalar_subquery()

    collections = _collections(
        scope,
        func.count(),
        func.sum(case((_status_like(*FAILED_WORDS), 1), else_=0)),
        func.sum(case((_status_like(*ABORTED_WORDS), 1), else_=0)),
        func.sum(DataCollection.numberOfImages),
    ).subquery("collections")
    row = db_session.execute(
        select(
            select(func.count()).select_from(BLSession).where(scope.sessions).scalar_subquery(),
            *collections.c,
            count_of(
                _in_scope(
                    select(func.count()).select_from(RobotAction),
                    RobotAction.blsessionId,
                    scope,
                ).where(scope.started(RobotAction.startTimestamp))
            ),
            count_of(
                _in_scope(
                    select(func.count()).select_from(RobotAction),
                    RobotAction.blsessionId,
                    scope,
                ).where(
                    scope.started(RobotAction.startTimestamp),
                    RobotAction.status.in_(ROBOT_FAILURES),
                )
            ),
            count_of(
                _in_scope(
                    select(func.count()).select_from(EnergyScan), EnergyScan.sessionId, scope
                ).where(scope.started(EnergyScan.startTime))
            ),
            count_of(
                _in_scope(
                    select(func.count()).select_from(XFEFluorescenceSpectrum),
                    XFEFluorescenceSpectrum.sessionId,
                    scope,
                ).where(scope.started(XFEFluorescenceSpectrum.startTime))
            ),
            count_of(
                with_session(select(func.count()).select_from(Screening), Screening).where(
                    scope.sessions, scope.started(Screening.bltimeStamp)
                )
            ),
        ).select_from(collections)
    ).one()
    (sessions, collected, failed, aborted, images, robot, robot_failed, energy, xrf, screens) = (
        int(value or 0) for value in row
    )
    status_column = DataCollection.runStatus
    by_status = db_session.execute(
        _collections(scope, status_column, func.count())
        .group_by(status_column)
        .order_by(func.count().desc(), status_column)
    ).all()
    return {
        "sessions": sessions,
        "dataCollections": collected,
        "dataCollectionsFailed": failed,
        "dataCollectionsAborted": aborted,
        "images": images,
        "runStatus": [{"runStatus": status, "count": count} for status, count in by_status],
        "robotActions": robot,
        "robotActionsFailed": robot_failed,
        "energyScans": energy,
        "xrfSpectra": xrf,
        "screenings": screens,
    }


# --- hourly --------------------------------------------------------------------------------


def _hourly(db_session: Session, scope: Scope) -> list[dict[str, Any]]:
    """Data collections and images per hour of their start, the hours that have any."""
    hour = epoch_hours(DataCollection.startTime).label("hour")
    rows = db_session.execute(
        _collections(scope, hour, func.count(), func.sum(DataCollection.numberOfImages))
        .where(DataCollection.startTime.is_not(None))
        .group_by(hour)
        .order_by(hour)
    ).all()
    return [
        {
            "hour": EPOCH + dt.timedelta(hours=int(number)),
            "dataCollections": count,
            "images": int(images or 0),
        }
        for number, count, images in rows
    ]


# --- quality -------------------------------------------------------------------------------


def _best_overall(scope: Scope):
    """Per sweep of the scope, the overall shell of its best successful result: complete
    enough first, then the smallest resolution, the most complete, the newest (the order
    of processing.service.result_quality: a resolution of 0 or none is unknown, the worst),
    ranked by the database."""
    shell = AutoProcScalingStatistics
    completeness = func.coalesce(shell.completeness, 0.0)
    unknown_resolution = or_(shell.resolutionLimitHigh.is_(None), shell.resolutionLimitHigh == 0)
    rank = func.row_number().over(
        partition_by=AutoProcIntegration.dataCollectionId,
        order_by=(
            case((completeness >= COMPLETE_ENOUGH, 0), else_=1),
            case((unknown_resolution, 1), else_=0),
            shell.resolutionLimitHigh,
            completeness.desc(),
            AutoProc.autoProcId.desc(),
            shell.autoProcScalingStatisticsId.desc(),
        ),
    )
    # CC½ in percent: a fraction (|CC½| <= 1) is multiplied by 100, the rule of
    # processing.conventions for a scaling that has an overall CC½.
    cc_half = case((func.abs(shell.ccHalf) <= 1, shell.ccHalf * 100), else_=shell.ccHalf)
    ranked = (
        _collections(
            scope,
            shell.resolutionLimitHigh.label("resolution"),
            shell.completeness.label("completeness"),
            cc_half.label("ccHalf"),
            shell.meanIOverSigI.label("meanIOverSigI"),
            rank.label("rank"),
        )
        .join(
            AutoProcIntegration,
            AutoProcIntegration.dataCollectionId == DataCollection.dataCollectionId,
        )
        .join(
            AutoProcScalingHasInt,
            AutoProcScalingHasInt.autoProcIntegrationId
            == AutoProcIntegration.autoProcIntegrationId,
        )
        .join(
            AutoProcScaling,
            AutoProcScaling.autoProcScalingId == AutoProcScalingHasInt.autoProcScalingId,
        )
        .join(AutoProc, AutoProc.autoProcId == AutoProcScaling.autoProcId)
        .join(AutoProcProgram, AutoProcProgram.autoProcProgramId == AutoProc.autoProcProgramId)
        .join(shell, shell.autoProcScalingId == AutoProcScaling.autoProcScalingId)
        .where(
            shell.scalingStatisticsType == "overall",
            not_failed(AutoProcProgram.processingStatus),
        )
        .subquery("ranked")
    )
    return select(ranked).where(ranked.c.rank == 1).cte("best")


def _quality(db_session: Session, scope: Scope, bins: int) -> dict[str, Any]:
    best = _best_overall(scope)
    columns = []
    for name, _unit, _column in QUALITY:
        value = best.c[name]
        columns += [func.count(value), func.min(value), func.max(value), func.sum(value)]
    row = db_session.execute(select(*columns)).one()
    answer: dict[str, Any] = {}
    ranges: dict[str, tuple[float, float, float]] = {}
    for position, (name, unit, _column) in enumerate(QUALITY):
        count, low, high, total = row[4 * position : 4 * position + 4]
        answer[name] = {
            "unit": unit,
            "count": count,
            "min": None if low is None else float(low),
            "max": None if high is None else float(high),
            "mean": float(total) / count if count else None,
            "bins": [],
        }
        if not count:
            continue
        low, high = float(low), float(high)
        if high == low:
            answer[name]["bins"] = [{"from": low, "to": high, "count": count}]
        else:
            ranges[name] = (low, high, (high - low) / bins)
    if ranges:
        answer.update(_buckets(db_session, best, ranges, bins, answer))
    return answer


def _buckets(
    db_session: Session,
    best,
    ranges: dict[str, tuple[float, float, float]],
    bins: int,
    answer: dict[str, Any],
) -> Iterable[tuple[str, dict[str, Any]]]:
    """``bins`` equal buckets over [min, max] of each figure, in one statement; the
    maximum counts in the last bucket."""
    parts = []
    for name, (low, _high, width) in ranges.items():
        value = best.c[name]
        raw = floor_nonnegative((value - low) / width)
        # Clamped at both ends: every value is in [min, max], but MariaDB answers a FLOAT
        # column's min and max rounded to 6 digits (1.8 for 1.7999999523), so the stored
        # minimum can fall a hair below ``low``.
        bucket = case((raw < 0, 0), (raw >= bins, bins - 1), else_=raw).label("bucket")
        parts.append(
            select(literal(name).label("figure"), bucket, func.count())
            .where(value.is_not(None))
            .group_by(bucket)
        )
    counts: dict[str, dict[int, int]] = {name: {} for name in ranges}
    for name, bucket, count in db_session.execute(union_all(*parts)).all():
        counts[name][int(bucket)] = count
    for name, (low, high, width) in ranges.items():
        figure = dict(answer[name])
        figure["bins"] = [
            {
                "from": low + index * width,
                "to": high if index == bins - 1 else low + (index + 1) * width,
                "count": counts[name].get(index, 0),
            }
            for index in range(bins)
        ]
        yield name, figure
