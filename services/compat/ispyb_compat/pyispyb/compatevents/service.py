"""Translating py-ispyb's events, beamline-group sessions and statistics by scope onto
core's lists (plain functions). Every answer is a fixed number of calls to core, as the
caller: compat shows what core shows the caller, nothing more."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from ispyb_shared.errors import InvalidParameter

from .. import service as base
from ..service import MAX_LIMIT, _core_one, _core_page, _integer, page_params

# --- /events: data-collection groups, robot actions, XRF spectra, energy scans ------------

# py-ispyb's event kinds: (core list, session filter, sample filter, time column, id column)
KINDS: dict[str, tuple[str, str, str, str, str]] = {
    "dc": (
        "/data-collection-groups",
        "sessionId",
        "blSampleId",
        "startTime",
        "dataCollectionGroupId",
    ),
    "robot": ("/robot-actions", "blsessionId", "blsampleId", "startTimestamp", "robotActionId"),
    "xrf": ("/xrf-spectra", "sessionId", "blSampleId", "startTime", "xfeFluorescenceSpectrumId"),
    "es": ("/energy-scans", "sessionId", "blSampleId", "startTime", "energyScanId"),
}
END_COLUMN = {"dc": "endTime", "robot": "endTimestamp", "xrf": "endTime", "es": "endTime"}
# py-ispyb's names of the non-dc kinds in /events/types
KIND_NAMES = {"robot": "Sample Actions", "xrf": "XRF Spectrum", "es": "Energy Scan"}
# core's fields that py-ispyb's Item does not carry
_DROPPED = frozenset({"uuid", "sessionUUID"})


def _problem(name: str, message: str) -> InvalidParameter:
    return InvalidParameter("Invalid query parameters.", {name: [message]})


def _event_type(args) -> str | None:
    raw = args.get("eventType")
    if raw is None or raw == "":
        return None
    if len(raw) > 45:
        raise _problem("eventType", "At most 45 characters (robot, xrf, es or an experiment type).")
    return raw


def _sort_key(moment: Any) -> tuple[int, dt.datetime]:
    """For a descending sort: newest first, no time last (as core sorts a descending list
    on both backends)."""
    value = base._moment(moment)
    return (1, value) if value is not None else (0, dt.datetime.min)


def events(args) -> dict[str, Any]:
    """``/events?skip&limit&sessionId&blSampleId&dataCollectionGroupId&eventType``:
    py-ispyb's stream of data-collection groups (``dc``), robot actions (``robot``), XRF
    spectra (``xrf``) and energy scans (``es``), newest first. One call per kind asked
    (each its first ``skip + limit`` rows, newest first), merged by start time, then one
    for the sweeps of the page's groups: at most 5 calls whatever the page."""
    skip, limit = page_params(args)
    kind = _event_type(args)
    if _integer(args, "dataCollectionGroupId", low=1) is not None:
        if kind in KIND_NAMES:  # py-ispyb: a group's events are its data collections only
            return {"results": [], "total": 0, "skip": skip, "limit": limit}
        page = base.events(args)
        if kind is not None:
            page["results"] = [
                row
                for row in page["results"]
                if row["Item"]["DataCollectionGroup"]["experimentType"] == kind
            ]
            page["total"] = len(page["results"])
        return page
    kinds = [kind] if kind in KIND_NAMES else list(KINDS)
    if kind is not None and kind not in KIND_NAMES:
        kinds = ["dc"]
    session_id = _integer(args, "sessionId", low=1)
    sample_id = _integer(args, "blSampleId", low=1)
    single = len(kinds) == 1
    depth = skip + limit
    if not single and depth > MAX_LIMIT:
        raise _problem(
            "skip",
            f"skip + limit at most {MAX_LIMIT} over all kinds of event; deeper, ask for one "
            "kind (eventType=robot, xrf, es or an experiment type).",
        )
    rows: list[tuple[str, dict[str, Any]]] = []
    total = 0
    for name in kinds:
        resource, by_session, by_sample, time, _key = KINDS[name]
        params: dict[str, Any] = {
            "offset": skip if single else 0,
            "limit": limit if single else depth,
            "sort": f"-{time}",
        }
        if session_id is not None:
            params[by_session] = session_id
        if sample_id is not None:
            params[by_sample] = sample_id
        if name == "dc" and kind is not None:
            params["experimentType"] = kind
        page = _core_page(resource, params)
        total += page.get("total") or 0
        rows.extend((name, row) for row in page.get("results", []))
    # a stable sort keeps each kind's own order (core's tie-break) among equal times
    rows.sort(key=lambda pair: _sort_key(pair[1].get(KINDS[pair[0]][3])), reverse=True)
    rows = rows if single else rows[skip:depth]
    groups = [row for name, row in rows if name == "dc"]
    sweeps: dict[int, list[dict]] = {}
    if groups:
        ids = ",".join(str(group["dataCollectionGroupId"]) for group in groups)
        found = _core_page(
            "/data-collections", {"dataCollectionGroupId.in": ids, "limit": MAX_LIMIT}
        )
        for row in found.get("results", []):
            sweeps.setdefault(row["dataCollectionGroupId"], []).append(row)
    results = [
        base._event(row, sweeps.get(row["dataCollectionGroupId"], []))
        if name == "dc"
        else _other_event(name, row)
        for name, row in rows
    ]
    return {"results": results, "total": total, "skip": skip, "limit": limit}


def _other_event(kind: str, row: dict[str, Any]) -> dict[str, Any]:
    """A robot action, XRF spectrum or energy scan as py-ispyb's event: ``Item`` is core's
    row (py-ispyb's RobotAction ``{actionType, status, message}``, EnergyScan
    ``{energyScanId}``, XFEFluorescenceSpectrum ``{xfeFluorescenceSpectrumId}`` and more)."""
    _resource, by_session, by_sample, time, key = KINDS[kind]
    start, end = row.get(time), row.get(END_COLUMN[kind])
    visit = row.get("visit")
    return {
        "id": row.get(key),
        "type": kind,
        "startTime": start,
        "endTime": end,
        "duration": base._minutes(start, end),
        "count": 1,
        "session": visit,
        "sessionId": row.get(by_session),
        "proposal": base._proposal_of_visit(visit),
        "blSample": None,
        "blSampleId": row.get(by_sample),
        "attachments": 0,
        "Item": {name: value for name, value in row.items() if name not in _DROPPED},
    }


def event_types(args) -> dict[str, Any]:
    """``/events/types?sessionId[&blSampleId]``: py-ispyb's kinds of event, each a value of
    ``/events?eventType``: the groups' experiment types (one call of at most 1000 groups),
    then ``robot``, ``xrf``, ``es`` when the session has any (one call each, one row)."""
    session_id = _integer(args, "sessionId", low=1)
    sample_id = _integer(args, "blSampleId", low=1)
    results = []
    for name, (resource, by_session, by_sample, _time, _key) in KINDS.items():
        params: dict[str, Any] = {"limit": MAX_LIMIT if name == "dc" else 1}
        if name == "dc":
            params["fields"] = "experimentType"
        if session_id is not None:
            params[by_session] = session_id
        if sample_id is not None:
            params[by_sample] = sample_id
        page = _core_page(resource, params)
        if name == "dc":
            kinds = sorted({row.get("experimentType") for row in page.get("results", [])} - {None})
            results.extend({"eventType": kind, "eventTypeName": kind} for kind in kinds)
        elif page.get("total"):
            results.append({"eventType": name, "eventTypeName": KIND_NAMES[name]})
    return {"results": results, "total": len(results), "skip": 0, "limit": len(results)}


# --- /sessions/group -----------------------------------------------------------------------


def _flag(args, name: str) -> bool:
    raw = str(args.get(name) or "").strip().lower()
    if raw in {"true", "1", "yes"}:
        return True
    if raw in {"false", "0", "no", ""}:
        return False
    raise _problem(name, "true or false expected.")


def sessions_group(args) -> dict[str, Any]:
    """``/sessions/group?beamLineGroup[&upcoming&previous&sessionType]``: py-ispyb's one
    session per beamline of the group (the ui options' ``beamLineGroups``): the next
    upcoming one, else the latest. Three calls: the options, one page of the group's
    sessions (at most 1000, newest or soonest first), their data-collection counts.
    ``sessionType`` (commissioning, remote...): core keeps no session types, so no session
    is known to be of one: an empty page."""
    unknown = sorted(set(args) - {"beamLineGroup", "upcoming", "previous", "sessionType"})
    if unknown:
        raise InvalidParameter(
            "Invalid query parameters.", {name: ["Unknown parameter."] for name in unknown}
        )
    name = (args.get("beamLineGroup") or "").strip()
    if not name or len(name) > 100:
        raise _problem("beamLineGroup", "A beamline group's name (groupName of /options/ui).")
    upcoming, previous = _flag(args, "upcoming"), _flag(args, "previous")
    session_type = (args.get("sessionType") or "").strip()
    if len(session_type) > 45:
        raise _problem("sessionType", "At most 45 characters.")
    empty = {"results": [], "total": 0, "skip": 0, "limit": 0}
    options = _core_page("/options/ui", {})  # core's refusal (a client without scope) is ours
    beamlines = next(
        (
            list(group.get("beamlines") or [])
            for group in options.get("beamlineGroups") or []
            if isinstance(group, dict) and group.get("name") == name
        ),
        [],
    )
    if not beamlines or session_type:
        return empty
    now = base._now()
    params: dict[str, Any] = {
        "beamLineName.in": ",".join(beamlines),
        "limit": MAX_LIMIT,
        "sort": "-startDate",
    }
    if upcoming:
        params.update({"endDate.gte": now, "sort": "startDate"})
    if previous:
        params["endDate.lt"] = now
    page = _core_page("/sessions", params)
    first: dict[str, dict[str, Any]] = {}
    for row in page.get("results", []):
        first.setdefault(row.get("beamLineName"), row)
    rows = [first[beamline] for beamline in beamlines if beamline in first]
    counts = base._counts("/data-collections", "sessionId", [row["sessionId"] for row in rows])
    results = [base._session_row(row, counts) for row in rows]
    for row in results:
        row["_metadata"]["uiGroups"] = [name]
    return {"results": results, "total": len(results), "skip": 0, "limit": len(results)}


# --- statistics by session, proposal, beamline or run --------------------------------------

MAX_SESSIONS = 300  # the sessions of a scope asked for by id (sessionId.in) in each list
SCOPE_PARAMS = ("sessionId", "proposal", "beamLineName", "runId")


def runs_config() -> list[dict[str, Any]]:
    from flask import current_app

    config = current_app.config.get("ISPYB_CONFIG") or {}
    return list(config.get("pyispyb_runs") or [])


def _run(run_id: int) -> dict[str, Any]:
    for run in runs_config():
        if run["runId"] == run_id:
            return run
    raise _problem("runId", "Not a run of this site (compat's pyispyb_runs; see /stats/runs).")


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.datetime | dt.date) else str(value)


def runs(args) -> dict[str, Any]:
    """``/stats/runs?skip&limit``: the site's runs (scheduling periods), newest first, from
    compat's ``pyispyb_runs`` setting (core keeps no runs): no call to core."""
    unknown = sorted(set(args) - {"skip", "limit"})
    if unknown:
        raise InvalidParameter(
            "Invalid query parameters.", {name: ["Unknown parameter."] for name in unknown}
        )
    skip, limit = page_params(args)
    rows = sorted(runs_config(), key=lambda run: _iso(run["startDate"]), reverse=True)
    results = [
        {
            "run": run["run"],
            "runId": run["runId"],
            "startDate": _iso(run["startDate"]),
            "endDate": _iso(run["endDate"]),
        }
        for run in rows[skip : skip + limit]
    ]
    return {"results": results, "total": len(rows), "skip": skip, "limit": limit}


def _scope(args, *, allowed: tuple[str, ...], also: tuple[str, ...] = ()) -> dict[str, Any]:
    """The scope of a statistics request: a session (``sessionId``), or ``proposal``, or
    ``beamLineName`` with ``runId`` (as py-ispyb; ``allowed`` says which alone suffice)."""
    unknown = sorted(set(args) - set(SCOPE_PARAMS) - set(also))
    if unknown:
        raise InvalidParameter(
            "Invalid query parameters.", {name: ["Unknown parameter."] for name in unknown}
        )
    session_id = _integer(args, "sessionId", low=1)
    run_id = _integer(args, "runId", low=1)
    if session_id is not None and session_id > 2**31 - 1:
        raise _problem("sessionId", "A session id (from 1).")
    proposal = (args.get("proposal") or "").strip()
    beamline = (args.get("beamLineName") or "").strip()
    if len(proposal) > 64:
        raise _problem("proposal", "At most 64 characters.")
    if len(beamline) > 45:
        raise _problem("beamLineName", "At most 45 characters.")
    enough = (
        session_id is not None
        or ("proposal" in allowed and proposal)
        or (beamline and run_id is not None)
    )
    if not enough:
        alone = " or ".join(f"`{name}`" for name in allowed)
        raise _problem(
            "sessionId", f"Give {alone} or (`beamLineName` and `runId`), as py-ispyb does."
        )
    return {
        "sessionId": session_id,
        "proposal": proposal or None,
        "beamLineName": beamline or None,
        "run": _run(run_id) if run_id is not None else None,
    }


def _activity(scope: dict[str, Any]) -> dict[str, Any]:
    """The scope's sessions and their groups, data collections, robot actions, energy
    scans and XRF spectra: one call each (at most 1000 rows of each kind, the scope's
    first 300 sessions by start), as the caller."""
    params: dict[str, Any] = {"limit": MAX_SESSIONS, "sort": "startDate"}
    if scope["sessionId"] is not None:
        sessions = [_core_one(f"/sessions/{scope['sessionId']}")]
        sessions = [row for row in sessions if _in_scope(row, scope)]
    else:
        if scope["proposal"]:
            params["proposal.in"] = base._proposal_names(scope["proposal"])
        if scope["beamLineName"]:
            params["beamLineName"] = scope["beamLineName"]
        run = scope["run"]
        if run is not None:  # py-ispyb: the sessions starting within the run
            params["startDate.gte"] = _iso(run["startDate"])
            params["startDate.lte"] = _iso(run["endDate"])
        sessions = _core_page("/sessions", params).get("results", [])
    activity: dict[str, Any] = {"sessions": sessions, "kinds": {}, "dc": []}
    for key in ("robot", "edge", "xrf"):
        activity[key] = []
    if not sessions:
        return activity
    ids = ",".join(str(row["sessionId"]) for row in sessions)
    page = {"limit": MAX_LIMIT}
    groups = _core_page("/data-collection-groups", {**page, "sessionId.in": ids})["results"]
    activity["kinds"] = {row["dataCollectionGroupId"]: row.get("experimentType") for row in groups}
    activity["dc"] = _core_page("/data-collections", {**page, "sessionId.in": ids})["results"]
    activity["robot"] = _core_page("/robot-actions", {**page, "blsessionId.in": ids})["results"]
    activity["edge"] = _core_page("/energy-scans", {**page, "sessionId.in": ids})["results"]
    activity["xrf"] = _core_page("/xrf-spectra", {**page, "sessionId.in": ids})["results"]
    return activity


def _in_scope(session: dict[str, Any], scope: dict[str, Any]) -> bool:
    """A session named by id, checked against the other parameters given with it."""
    if scope["beamLineName"] and session.get("beamLineName") != scope["beamLineName"]:
        return False
    if scope["proposal"] and (base._proposal_of_visit(session.get("visit")) or "").lower() != (
        scope["proposal"].lower()
    ):
        return False
    run = scope["run"]
    if run is None:
        return True
    start = base._moment(session.get("startDate"))
    first, last = base._moment(_iso(run["startDate"])), base._moment(_iso(run["endDate"]))
    return start is not None and first is not None and last is not None and first <= start <= last


def _session_of(activity: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {row["sessionId"]: row for row in activity["sessions"]}


def stats_breakdown(args) -> dict[str, Any]:
    """``/stats/breakdown?sessionId`` or ``?beamLineName&runId``: py-ispyb's breakdown;
    for a run, ``overview`` is the run's (``run``, its dates) and ``history`` has a
    ``session`` point per scheduled session."""
    scope = _scope(args, allowed=("sessionId",))
    if _only_session(scope):
        return base.stats_breakdown({"sessionId": str(scope["sessionId"])})
    activity = _activity(scope)
    answer = _breakdown(activity)
    if scope["sessionId"] is not None:
        session = (activity["sessions"] or [{}])[0]
        answer["overview"].update(
            startDate=session.get("startDate"),
            endDate=session.get("endDate"),
            duration=base._hours(session.get("startDate"), session.get("endDate")),
            beamLineName=session.get("beamLineName"),
            session=session.get("visit"),
        )
        return answer
    run = scope["run"]
    answer["overview"].update(
        startDate=_iso(run["startDate"]),
        endDate=_iso(run["endDate"]),
        duration=base._hours(_iso(run["startDate"]), _iso(run["endDate"])),
        run=run["run"],
    )
    for session in activity["sessions"]:
        if session.get("scheduled") in (None, True, 1):
            answer["history"].append(
                {
                    "eventType": "session",
                    "startTime": session.get("startDate"),
                    "endTime": session.get("endDate"),
                    "protein": None,
                    "sample": None,
                    "subType": None,
                    "status": None,
                    "title": None,
                    "session": session.get("visit"),
                }
            )
    return answer


def _breakdown(activity: dict[str, Any]) -> dict[str, Any]:
    visits = {sid: row.get("visit") for sid, row in _session_of(activity).items()}
    return base.breakdown(
        activity, lambda row, column: visits.get(row.get(column)) or row.get("visit")
    )


def _only_session(scope: dict[str, Any]) -> bool:
    return (
        scope["sessionId"] is not None
        and not scope["beamLineName"]
        and not scope["proposal"]
        and scope["run"] is None
    )


def stats_times(args) -> dict[str, Any]:
    """``/stats/times?sessionId`` or ``?proposal`` or ``?beamLineName&runId``: py-ispyb's
    times per session of the scope (those with data collections, newest first) and their
    average (``count`` the sessions)."""
    scope = _scope(args, allowed=("sessionId", "proposal"))
    if _only_session(scope):
        return base.stats_times({"sessionId": str(scope["sessionId"])})
    activity = _activity(scope)
    by_session: dict[Any, dict[str, list]] = {}
    for key, column in (
        ("dc", "sessionId"),
        ("robot", "blsessionId"),
        ("edge", "sessionId"),
        ("xrf", "sessionId"),
    ):
        for row in activity[key]:
            by_session.setdefault(row.get(column), {}).setdefault(key, []).append(row)
    sessions = []
    newest = sorted(
        activity["sessions"], key=lambda row: _sort_key(row.get("startDate")), reverse=True
    )
    for session in newest:
        rows = by_session.get(session["sessionId"], {})
        if not rows.get("dc"):
            continue  # py-ispyb's times are those of sessions with data collections
        entry = _times_entry(session, rows)
        sessions.append({"session": session.get("visit"), **entry})
    average = dict.fromkeys(base.TIME_FIELDS, 0.0)
    for name in base.TIME_FIELDS:
        if sessions:
            average[name] = sum(row[name] for row in sessions) / len(sessions)
    return {"average": {**average, "count": len(sessions)}, "sessions": sessions}


def _times_entry(session: dict[str, Any], rows: dict[str, list]) -> dict[str, float]:
    start, end = session.get("startDate"), session.get("endDate")
    dcs = rows.get("dc", [])
    entry = dict.fromkeys(base.TIME_FIELDS, 0.0)
    entry["duration"] = base._hours(start, end)
    starts = [s for s in (base._moment(row.get("startTime")) for row in dcs) if s]
    ends = [e for e in (base._moment(row.get("endTime")) for row in dcs) if e]
    entry["datacollection"] = sum(base._hours(r.get("startTime"), r.get("endTime")) for r in dcs)
    if starts and base._moment(start):
        entry["startup"] = max(base._hours(start, min(starts).isoformat()), 0.0)
    if ends and base._moment(end):
        entry["remaining"] = max(base._hours(max(ends).isoformat(), end), 0.0)
    entry["robot"] = sum(
        base._hours(r.get("startTimestamp"), r.get("endTimestamp")) for r in rows.get("robot", [])
    )
    for key in ("edge", "xrf"):
        entry[key] = sum(
            base._hours(r.get("startTime"), r.get("endTime")) for r in rows.get(key, [])
        )
    spent = [name for name in base.TIME_FIELDS if name not in ("duration", "remaining", "thinking")]
    entry["thinking"] = entry["duration"] - sum(entry[name] for name in spent)
    return entry


def stats_errors(args) -> dict[str, Any]:
    """``/stats/errors?sessionId`` or ``?beamLineName&runId``."""
    from ..datacollections import service as dcs

    scope = _scope(args, allowed=("sessionId",))
    if _only_session(scope):
        return dcs.stats_errors({"sessionId": str(scope["sessionId"])})
    return dcs.errors_of(_activity(scope))


def stats_hourlies(args) -> dict[str, Any]:
    """``/stats/hourlies?sessionId`` or ``?proposal`` or ``?beamLineName&runId``: averaged
    over the calendar days of the scope's sessions."""
    from ..datacollections import service as dcs

    scope = _scope(args, allowed=("sessionId", "proposal"))
    if _only_session(scope):
        return dcs.stats_hourlies({"sessionId": str(scope["sessionId"])})
    activity = _activity(scope)
    days = 0
    for session in activity["sessions"]:
        start, end = base._moment(session.get("startDate")), base._moment(session.get("endDate"))
        ok = start is not None and end is not None and end >= start
        days += max((end.date() - start.date()).days + 1, 1) if ok else 1
    return dcs.hourlies_of(activity, max(days, 1))


# py-ispyb's histogram parameters: (unit, start, end, bin size, value of a data collection)
HISTOGRAMS = {
    "energy": (
        "eV",
        1000,
        25000,
        200,
        lambda row: (
            12398.419843320026 / row["wavelength"]
            if isinstance(row.get("wavelength"), base.NUMBER) and row["wavelength"] > 0
            else None
        ),
    ),
    "beamsizex": ("um", 0, 150, 5, lambda row: _scaled(row.get("beamSizeAtSampleX"), 1000)),
    "beamsizey": ("um", 0, 150, 5, lambda row: _scaled(row.get("beamSizeAtSampleY"), 1000)),
    "exposuretime": ("ms", 0, 5000, 50, lambda row: _scaled(row.get("exposureTime"), 1000)),
}


def _scaled(value: Any, factor: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, base.NUMBER):
        return None
    return value * factor


def parameter_histogram(args) -> dict[str, Any]:
    """``/stats/parameters/histogram?parameter&(sessionId | beamLineName&runId)
    [&beamLineGroup]``: py-ispyb's ``{parameter, unit, beamLines: [{beamLineName, bin,
    frequency}]}``: per beamline, how many data collections fall in each bin (from
    ``start`` to ``end`` by the parameter's bin size; values outside are left out)."""
    parameter = (args.get("parameter") or "energy").strip().lower()
    if parameter not in HISTOGRAMS:
        raise _problem("parameter", "One of: " + ", ".join(HISTOGRAMS) + ".")
    scope = _scope(args, allowed=("sessionId",), also=("parameter", "beamLineGroup"))
    group = (args.get("beamLineGroup") or "").strip()
    if len(group) > 100:
        raise _problem("beamLineGroup", "At most 100 characters.")
    activity = _activity(scope)
    if group:
        groups = base.ui_options()["beamLineGroups"]
        wanted = set(next((g["beamLines"] for g in groups if g["groupName"] == group), []))
    unit, start, end, size, value_of = HISTOGRAMS[parameter]
    beamline_of = {sid: row.get("beamLineName") for sid, row in _session_of(activity).items()}
    counts: dict[str, dict[int, int]] = {}
    for row in activity["dc"]:
        beamline = beamline_of.get(row.get("sessionId"))
        if beamline is None or (group and beamline not in wanted):
            continue
        value = value_of(row)
        if value is None or not math.isfinite(value) or not start <= value < end:
            counts.setdefault(beamline, {})
            continue
        edge = start + int((value - start) // size) * size
        bins = counts.setdefault(beamline, {})
        bins[edge] = bins.get(edge, 0) + 1
    edges = list(range(start, end, size))
    return {
        "parameter": parameter,
        "unit": unit,
        "beamLines": [
            {
                "beamLineName": beamline,
                "bin": edges,
                "frequency": [counts[beamline].get(edge, 0) for edge in edges],
            }
            for beamline in sorted(counts)
        ],
    }
