"""One meaning for statistics whose convention differs between pipelines.

Correlation coefficients (CC½, CCanom) reach ISPyB in two conventions: xia2, DIALS and
autoPROC write fractions (0.998), fast_dp and others percentages (99.8). Core serves and
stores percentages. A scaling's convention is read from its own values, all shells
together, so that its shells never disagree:

1. its overall CC½, if it has one: a magnitude above 1 means percent;
2. else the largest CC½ magnitude of its shells;
3. else the largest CCanom magnitude of its shells;
4. with none of them there is nothing to convert.

A fraction is multiplied by 100. The rule misreads only a scaling whose every CC½ is
below 1 % (no usable data); it is applied when a pipeline writes (documents may use
either convention) and when a legacy row is read (the row itself is never rewritten).
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, column, inspect, select, table
from sqlalchemy.orm import Session

from ispyb_shared.plain import set_loaded

CORRELATIONS = ("ccHalf", "ccAnomalous")


def _get(shell: Any, name: str) -> Any:
    return shell.get(name) if isinstance(shell, MutableMapping) else getattr(shell, name, None)


def _type(shell: Any) -> Any:
    return _get(shell, "scalingStatisticsType")


def percent_factor(shells: Iterable[Any]) -> float:
    """100 when the shells of one scaling hold fractions, else 1."""
    shells = list(shells)
    for candidates in (
        [_get(s, "ccHalf") for s in shells if _type(s) == "overall"],
        [_get(s, "ccHalf") for s in shells],
        [_get(s, "ccAnomalous") for s in shells],
    ):
        magnitudes = [abs(value) for value in candidates if value is not None]
        if magnitudes:
            return 100.0 if max(magnitudes) <= 1 else 1.0
    return 1.0


def normalise_rows(rows: Iterable[Any]) -> None:
    """Put the rows of one scaling in percent, as if loaded so: the session will not
    write the change back (set_committed_value)."""
    rows = [row for row in rows if not getattr(row, "_correlations_in_percent", False)]
    factor = percent_factor(rows)
    for row in rows:
        # Marked, so that a row loaded twice in one session is converted once.
        row._correlations_in_percent = True
        if factor == 1.0:
            continue
        for name in CORRELATIONS:
            value = getattr(row, name, None)
            if value is not None:
                set_loaded(row, name, value * factor)


def normalise_document(statistics: MutableMapping[str, MutableMapping[str, Any]]) -> None:
    """The shells of a result document (shell -> values), put in percent in place."""
    shells = [{**values, "scalingStatisticsType": shell} for shell, values in statistics.items()]
    factor = percent_factor(shells)
    if factor == 1.0:
        return
    for values in statistics.values():
        for name in CORRELATIONS:
            if values.get(name) is not None:
                values[name] = values[name] * factor


# ESRF's flavour has no ccAnomalous: its pipelines write CCanom into ``ccAno`` (core's
# migration adds ccAnomalous for what is written through core). Served as ccAnomalous.
ESRF_ANOMALOUS_COLUMN = "ccAno"
_has_esrf_column: WeakKeyDictionary = WeakKeyDictionary()


def detect_esrf_anomalous(engine: Engine) -> bool:
    """Look once per engine (core's app factory does it at start-up) whether the database
    has ESRF's ``ccAno``."""
    # Reads run on an engine with options of its own (ispyb_shared.db): the same database.
    engine = getattr(engine, "_proxied", engine)
    if engine not in _has_esrf_column:
        columns = inspect(engine).get_columns("AutoProcScalingStatistics")
        _has_esrf_column[engine] = any(
            column["name"] == ESRF_ANOMALOUS_COLUMN for column in columns
        )
    return _has_esrf_column[engine]


def _esrf_anomalous_present(db_session: Session) -> bool:
    return detect_esrf_anomalous(db_session.get_bind())


def fill_esrf_anomalous(db_session: Session, rows: Iterable[Any]) -> None:
    """Where the database is ESRF's flavour, ccAnomalous of rows that have none comes from
    ``ccAno``: one query for all rows, none on other databases."""
    missing = {row.autoProcScalingStatisticsId: row for row in rows if row.ccAnomalous is None}
    if not missing or not _esrf_anomalous_present(db_session):
        return
    statistics = table("AutoProcScalingStatistics", column("autoProcScalingStatisticsId"))
    values = column(ESRF_ANOMALOUS_COLUMN)
    found = db_session.execute(
        select(statistics.c.autoProcScalingStatisticsId, values)
        .select_from(statistics)
        .where(statistics.c.autoProcScalingStatisticsId.in_(list(missing)), values.is_not(None))
    )
    for statistics_id, value in found:
        set_loaded(missing[statistics_id], "ccAnomalous", float(value))
