"""Translating py-ispyb's requests and answers onto core's and auth's (plain functions)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ..upstreams import credentials, upstreams


def auth_config() -> dict[str, Any]:
    """auth's /config as py-ispyb's ``{plugins: [{name, config}]}``; an OIDC plugin whose
    issuer is a Keycloak realm gets the settings py-ispyb-ui's keycloak-js login reads."""
    answer = upstreams().auth.request("GET", "/config", credentials())
    plugins = answer.body.get("plugins", []) if isinstance(answer.body, dict) else []
    return {
        "plugins": [
            {"name": plugin.get("name"), "config": keycloak_config(plugin.get("oidc"))}
            for plugin in plugins
            if isinstance(plugin, dict) and plugin.get("name")
        ]
    }


def keycloak_config(oidc: Any) -> dict[str, Any]:
    """py-ispyb's keycloak settings (``KEYCLOAK_SERVER_URL``, ``KEYCLOAK_REALM_NAME``,
    ``KEYCLOAK_CLIENT_ID``) from auth's public OIDC description, when its issuer is a
    Keycloak realm (``<server>/realms/<realm>``); else ``{}``."""
    if not isinstance(oidc, Mapping) or not isinstance(oidc.get("issuer"), str):
        return {}
    server, marker, realm = oidc["issuer"].rstrip("/").rpartition("/realms/")
    if not marker or not server or not realm or "/" in realm:
        return {}
    return {
        "KEYCLOAK_SERVER_URL": f"{server}/",
        "KEYCLOAK_REALM_NAME": realm,
        "KEYCLOAK_CLIENT_ID": oidc.get("clientId"),
    }


def _tokens_answer(tokens: dict[str, Any]) -> dict[str, Any]:
    """auth's tokens as py-ispyb's answer: ``{login, token, permissions}`` plus what
    mxcubecore reads to refresh (``refreshToken``, ``expiresIn``)."""
    from ispyb_shared.core_client import Credentials

    token = tokens.get("access_token")
    me = (
        upstreams()
        .auth.request("GET", "/me", Credentials(f"Bearer {token}", credentials().request_id))
        .body
    )
    me = me if isinstance(me, dict) else {}
    return {
        "login": me.get("subject"),
        "token": token,
        "permissions": me.get("permissions", []),
        "refreshToken": tokens.get("refresh_token"),
        "expiresIn": tokens.get("expires_in"),
    }


def _auth_write(path: str, body: dict[str, Any], *, what: str) -> dict[str, Any]:
    answer = upstreams().auth.write(
        "POST", path, credentials(), body=body, what=what, forbidden=f"auth refused {what}."
    )
    if not isinstance(answer.body, dict) or "access_token" not in answer.body:
        from ispyb_shared.errors import CoreUnavailable

        raise CoreUnavailable(f"auth's answer to {what} cannot be read.", maybe_done=False)
    return answer.body


def login(*, body: dict[str, Any]) -> dict[str, Any]:
    """py-ispyb's login onto auth's: ``login`` is auth's ``username``."""
    sent = {"plugin": body["plugin"]}
    if "token" in body:
        sent["token"] = body["token"]
    else:
        sent.update(username=body["login"], password=body["password"])
    return _tokens_answer(_auth_write("/login", sent, what="the login"))


def refresh(*, body: dict[str, Any]) -> dict[str, Any]:
    """mxcubecore's ``{refreshToken}`` onto auth's /token/refresh."""
    tokens = _auth_write(
        "/token/refresh", {"refresh_token": body["refreshToken"]}, what="the refresh"
    )
    return _tokens_answer(tokens)


# --- reads ---------------------------------------------------------------------------------
# Each list is a fixed number of calls to core whatever the page size: the page, then one
# call per join (counts, containers), never one per row.

MAX_LIMIT = 1000  # core's api.max_limit: the UI asks for 9999, clamped
DEFAULT_LIMIT = 25
_TRUE = {"true", "1", "yes"}


def _integer(args, name: str, *, default: int | None = None, low: int = 0) -> int | None:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < low or value > 2**63 - 1:
        from ispyb_shared.errors import InvalidParameter

        raise InvalidParameter(
            "Invalid query parameters.", {name: [f"An integer from {low} is expected."]}
        )
    return value


def page_params(args) -> tuple[int, int]:
    """py-ispyb's ``skip``/``limit`` as core's offset and (clamped) limit."""
    skip = _integer(args, "skip", default=0)
    limit = min(_integer(args, "limit", default=DEFAULT_LIMIT, low=1), MAX_LIMIT)
    return skip, limit


def _core_page(resource: str, params: dict[str, Any]) -> dict[str, Any]:
    from ispyb_shared.errors import CoreUnavailable, Forbidden

    answer = upstreams().core.request("GET", resource, credentials(), params=params)
    if answer.status == 403:
        raise Forbidden("Core refuses this list to the caller.")
    if answer.status == 404:
        from ispyb_shared.errors import NotFound

        raise NotFound("Not found.")
    if answer.status != 200 or not isinstance(answer.body, dict):
        from ispyb_shared.core_client import error_from_envelope

        if 400 <= answer.status < 500:
            raise error_from_envelope(answer.status, answer.body, what="the list")
        raise CoreUnavailable("Core's answer cannot be read; nothing was done.", maybe_done=False)
    return answer.body


def _envelope(page: dict[str, Any], rows: list[dict], skip: int, limit: int) -> dict[str, Any]:
    return {"results": rows, "total": page.get("total") or 0, "skip": skip, "limit": limit}


def _counts(resource: str, key: str, ids: list[int]) -> dict[int, int]:
    """How many rows of ``resource`` each of ``ids`` has (``key``), in one call of at most
    1000 rows (beyond, the counts stop at what one page holds)."""
    if not ids:
        return {}
    page = _core_page(
        resource,
        {f"{key}.in": ",".join(map(str, sorted(set(ids)))), "limit": MAX_LIMIT, "fields": key},
    )
    counts: dict[int, int] = {}
    for row in page.get("results", []):
        counts[row.get(key)] = counts.get(row.get(key), 0) + 1
    return counts


def _proposal_of_visit(visit: str | None) -> str | None:
    return visit.rsplit("-", 1)[0] if visit and "-" in visit else visit


def _now() -> str:

    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def user_current() -> dict[str, Any]:
    """``/user/current`` from the verified token and core's person row (if any)."""
    from ispyb_shared.auth import current_caller, permissions_of

    caller = current_caller()
    person = (
        upstreams().core.request("GET", f"/persons/{_quote(caller.subject)}", credentials()).body
    )
    person = person if isinstance(person, dict) and "personId" in person else {}
    groups = ui_options()["beamLineGroups"]
    mine = [
        group["groupName"]
        for group in groups
        if caller.is_staff and (not caller.beamlines or set(group["beamLines"]) & caller.beamlines)
    ]
    return {
        "login": caller.subject,
        "givenName": person.get("givenName"),
        "familyName": person.get("familyName"),
        "personId": person.get("personId"),
        "Permissions": permissions_of(caller),
        "beamLineGroups": mine,
        "beamLines": sorted(caller.beamlines),
    }


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(str(value), safe="")


def ui_options() -> dict[str, Any]:
    """core's /options/ui in py-ispyb's shape."""
    options = upstreams().core.request("GET", "/options/ui", credentials()).body
    options = options if isinstance(options, dict) else {}
    return {
        "motd": options.get("messageOfTheDay") or "",
        "beamLineGroups": [
            {
                "groupName": group.get("name"),
                "uiGroup": "mx",
                "permission": "",
                "beamLines": list(group.get("beamlines", [])),
            }
            for group in options.get("beamlineGroups", [])
        ],
    }


def proposals(args) -> dict[str, Any]:
    """``/proposals?skip&limit&search[&proposal]`` onto core's list; ``_metadata.sessions``
    counted in one more call."""
    skip, limit = page_params(args)
    params: dict[str, Any] = {"offset": skip, "limit": limit}
    if args.get("search"):
        params["title.contains"] = args["search"][:255]
    if args.get("proposal"):
        name = args["proposal"]
        code = name.rstrip("0123456789")
        params.update(proposalCode=code, proposalNumber=name[len(code) :] or "-")
    page = _core_page("/proposals", params)
    rows = page.get("results", [])
    sessions = _counts("/sessions", "proposalId", [row["proposalId"] for row in rows])
    results = [
        {
            "proposalId": row.get("proposalId"),
            "proposalCode": row.get("proposalCode"),
            "proposalNumber": row.get("proposalNumber"),
            "proposal": row.get("name"),
            "title": row.get("title"),
            "state": row.get("state"),
            "proposalType": row.get("proposalType"),
            "personId": row.get("personId"),
            "_metadata": {"sessions": sessions.get(row.get("proposalId"), 0), "persons": 0},
        }
        for row in rows
    ]
    return _envelope(page, results, skip, limit)


def _session_row(row: dict[str, Any], counts: dict[int, int]) -> dict[str, Any]:
    now = _now()
    start, end = row.get("startDate"), row.get("endDate")
    return {
        "sessionId": row.get("sessionId"),
        "proposalId": row.get("proposalId"),
        "session": row.get("visit"),
        "proposal": _proposal_of_visit(row.get("visit")),
        "visit_number": row.get("visit_number"),
        "beamLineName": row.get("beamLineName"),
        "beamLineOperator": row.get("beamLineOperator"),
        "startDate": start,
        "endDate": end,
        "comments": row.get("comments"),
        "_metadata": {
            "active": bool(start and start <= now and (end is None or end >= now)),
            "datacollections": counts.get(row.get("sessionId"), 0),
            "sessionTypes": [],
            "uiGroups": [],
            "persons": 0,
        },
    }


def _proposal_names(name: str) -> str:
    """A proposal's name as sent (mxcubecore upper-cases the code: MX1001) and as ISPyB
    usually stores it (mx1001), for core's ``proposal.in``."""
    return ",".join(dict.fromkeys((name, name.lower())))


def sessions(args) -> dict[str, Any]:
    """``/sessions?skip&limit&proposal&upcoming&previous&year&month&beamLineName``."""
    skip, limit = page_params(args)
    params: dict[str, Any] = {"offset": skip, "limit": limit}
    if args.get("proposal"):
        params["proposal.in"] = _proposal_names(args["proposal"][:64])
    if args.get("beamLineName"):
        params["beamLineName"] = args["beamLineName"][:45]
    now = _now()
    if str(args.get("upcoming", "")).lower() in _TRUE:
        params["endDate.gte"] = now
        params["sort"] = "startDate"
    if str(args.get("previous", "")).lower() in _TRUE:
        params["endDate.lt"] = now
    year = _integer(args, "year", low=1)
    month = _integer(args, "month", low=1)
    if month is not None and (month > 12 or year is None):
        from ispyb_shared.errors import InvalidParameter

        raise InvalidParameter("Invalid query parameters.", {"month": ["From 1 to 12, with year."]})
    if year is not None:
        if year > 9998:
            from ispyb_shared.errors import InvalidParameter

            raise InvalidParameter("Invalid query parameters.", {"year": ["Up to 9998."]})
        if month is None:
            first, after = f"{year:04d}-01-01", f"{year + 1:04d}-01-01"
        else:
            first = f"{year:04d}-{month:02d}-01"
            after = f"{year + (month == 12):04d}-{month % 12 + 1:02d}-01"
        params.update({"startDate.gte": first, "startDate.lt": after})
    day = _integer(args, "day", low=1)
    if day is not None:  # mxcubecore's today: the sessions overlapping that day
        from ispyb_shared.errors import InvalidParameter

        try:
            date = dt.date(year or 0, month or 0, day)
        except ValueError:
            raise InvalidParameter(
                "Invalid query parameters.", {"day": ["A day of the year and month given."]}
            ) from None
        params.pop("startDate.gte", None)
        params.update(
            {
                "startDate.lt": (date + dt.timedelta(days=1)).isoformat(),
                "endDate.gte": date.isoformat(),
            }
        )
    page = _core_page("/sessions", params)
    rows = page.get("results", [])
    counts = _counts("/data-collections", "sessionId", [row["sessionId"] for row in rows])
    return _envelope(page, [_session_row(row, counts) for row in rows], skip, limit)


def session(session_id: int) -> dict[str, Any]:
    row = _core_one(f"/sessions/{session_id}")
    return _session_row(row, _counts("/data-collections", "sessionId", [session_id]))


def _core_one(path: str) -> dict[str, Any]:
    from ispyb_shared.errors import Forbidden, NotFound

    answer = upstreams().core.request("GET", path, credentials())
    if answer.status == 404:
        raise NotFound("Not found (or not visible to the caller).")
    if answer.status == 403:
        raise Forbidden("Core refuses this look-up to the caller.")
    if answer.status != 200 or not isinstance(answer.body, dict):
        from ispyb_shared.errors import CoreUnavailable

        raise CoreUnavailable("Core's answer cannot be read; nothing was done.", maybe_done=False)
    return answer.body


def events(args) -> dict[str, Any]:
    """``/events?skip&limit&sessionId[&dataCollectionGroupId&blSampleId]``: one event per
    data-collection group (py-ispyb's), ``id`` its latest data collection, ``count`` its
    data collections, ``duration`` in minutes. Two calls: the groups' page, their sweeps."""
    skip, limit = page_params(args)
    params: dict[str, Any] = {"offset": skip, "limit": limit, "sort": "-startTime"}
    for name in ("sessionId", "dataCollectionGroupId", "blSampleId"):
        value = _integer(args, name, low=1)
        if value is not None:
            params[name] = value
    group_id = params.pop("dataCollectionGroupId", None)
    if group_id is not None:
        # core's group list has no id filter: the group's own look-up, as a page of one
        group = _core_one(f"/data-collection-groups/{group_id}")
        wanted = params.get("sessionId") in (None, group.get("sessionId"))
        groups = [group] if wanted and skip == 0 else []
        page = {"total": int(wanted)}
    else:
        page = _core_page("/data-collection-groups", params)
        groups = page.get("results", [])
    sweeps: dict[int, list[dict]] = {}
    if groups:
        ids = ",".join(str(group["dataCollectionGroupId"]) for group in groups)
        found = _core_page(
            "/data-collections", {"dataCollectionGroupId.in": ids, "limit": MAX_LIMIT}
        )
        for row in found.get("results", []):
            sweeps.setdefault(row["dataCollectionGroupId"], []).append(row)
    results = [_event(group, sweeps.get(group["dataCollectionGroupId"], [])) for group in groups]
    return _envelope(page, results, skip, limit)


def _minutes(start: str | None, end: str | None) -> int | None:

    if not start or not end:
        return None
    try:
        delta = dt.datetime.fromisoformat(end) - dt.datetime.fromisoformat(start)
    except ValueError:
        return None
    return round(delta.total_seconds() / 60)


def _event(group: dict[str, Any], sweeps: list[dict]) -> dict[str, Any]:
    latest = max(sweeps, key=lambda row: row["dataCollectionId"]) if sweeps else {}
    start = group.get("startTime") or latest.get("startTime")
    end = group.get("endTime") or latest.get("endTime")
    return {
        "id": latest.get("dataCollectionId", group["dataCollectionGroupId"]),
        "type": "dc",
        "startTime": start,
        "endTime": end,
        "duration": _minutes(start, end),
        "count": len(sweeps),
        "session": group.get("visit"),
        "sessionId": group.get("sessionId"),
        "proposal": _proposal_of_visit(group.get("visit")),
        "blSample": None,
        "blSampleId": group.get("blSampleId"),
        "attachments": 0,
        "Item": {
            "dataCollectionId": latest.get("dataCollectionId"),
            "runStatus": latest.get("runStatus"),
            "imageDirectory": latest.get("imageDirectory"),
            "fileTemplate": latest.get("fileTemplate"),
            "numberOfImages": latest.get("numberOfImages"),
            "wavelength": latest.get("wavelength"),
            "exposureTime": latest.get("exposureTime"),
            "beamSizeAtSampleX": latest.get("beamSizeAtSampleX"),
            "beamSizeAtSampleY": latest.get("beamSizeAtSampleY"),
            "DataCollectionGroup": {
                "dataCollectionGroupId": group["dataCollectionGroupId"],
                "experimentType": group.get("experimentType"),
                "Workflow": None,
            },
            "_metadata": {
                "snapshots": {
                    str(n): bool(latest.get(f"xtalSnapshotFullPath{n}")) for n in range(1, 5)
                }
            },
        },
    }


def samples(args) -> dict[str, Any]:
    """``/samples?skip&limit&proposal[&proteinId&search]``, with ``Container.code`` and
    ``_metadata.datacollections`` (one call each)."""
    skip, limit = page_params(args)
    # core answers a sample's crystal, protein and plan on request (expand=)
    params: dict[str, Any] = {
        "offset": skip,
        "limit": limit,
        "expand": "crystal.protein,diffractionPlan",
    }
    if args.get("proposal"):
        params["proposal.in"] = _proposal_names(args["proposal"][:64])
    protein = _integer(args, "proteinId", low=1)
    if protein is not None:
        params["proteinId"] = protein
    if args.get("search"):
        params["name.contains"] = args["search"][:45]
    page = _core_page("/samples", params)
    rows = page.get("results", [])
    # core has no containerId filter: the containers of the samples' proposals, one call
    proposal_ids = sorted(
        {
            ((row.get("crystal") or {}).get("protein") or {}).get("proposalId")
            for row in rows
            if row.get("containerId")
        }
        - {None}
    )
    containers: dict[int, dict] = {}
    if proposal_ids:
        found = _core_page(
            "/containers",
            {"proposalId.in": ",".join(map(str, proposal_ids)), "limit": MAX_LIMIT},
        )
        containers = {row["containerId"]: row for row in found.get("results", [])}
    counts = _counts("/data-collections", "blSampleId", [row["blSampleId"] for row in rows])
    results = []
    beamline = (args.get("beamLineName") or "")[:45]
    for row in rows:
        container = containers.get(row.get("containerId")) or {}
        if beamline and container.get("beamlineLocation") not in (None, "", beamline):
            continue  # mxcubecore's sample changer: this beamline's containers or none
        results.append(
            {
                **{key: value for key, value in row.items() if key not in CORE_NESTED},
                # mxcubecore's names: space_group, DiffractionPlan always an object
                "Crystal": pyispyb_crystal(row.get("crystal")),
                "DiffractionPlan": row.get("diffractionPlan")
                or {"diffractionPlanId": row.get("diffractionPlanId")},
                "Container": {
                    "containerId": container.get("containerId"),
                    "code": container.get("code"),
                    "sampleChangerLocation": container.get("sampleChangerLocation"),
                }
                if container
                else None,
                "_metadata": {
                    "datacollections": counts.get(row["blSampleId"], 0),
                    "subsamples": 0,
                    "types": [],
                    "integratedResolution": None,
                },
            }
        )
    return _envelope(page, results, skip, limit)


# core's nested blocks of a sample (lowerCamelCase, docs/migration-notes.md), answered
# under py-ispyb's capitalised names instead.
CORE_NESTED = frozenset({"uuid", "crystal", "diffractionPlan"})


def pyispyb_crystal(crystal: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Core's crystal in py-ispyb's shape: ``Protein`` nested, ``space_group``."""
    if not crystal:
        return crystal  # type: ignore[return-value]
    answer = {key: value for key, value in crystal.items() if key != "protein"}
    answer["space_group"] = crystal.get("spaceGroup")
    answer["Protein"] = crystal.get("protein") or {}
    return answer


def proteins(args) -> dict[str, Any]:
    """``/proteins?skip&limit&proposal[&search]`` onto core's list (``search`` →
    ``acronym.contains``), with ``_metadata.samples`` counted in one more call."""
    skip, limit = page_params(args)
    params: dict[str, Any] = {"offset": skip, "limit": limit}
    if args.get("proposal"):
        params["proposal"] = args["proposal"][:64]
    if args.get("search"):
        params["acronym.contains"] = args["search"][:45]
    page = _core_page("/proteins", params)
    rows = page.get("results", [])
    samples: dict[int, int] = {}
    if rows:  # a sample's protein is in its Crystal: counted from one page of samples
        found = _core_page(
            "/samples",
            {
                "proteinId.in": ",".join(str(row["proteinId"]) for row in rows),
                "limit": MAX_LIMIT,
                "fields": "crystal",
                "expand": "crystal",
            },
        )
        for sample in found.get("results", []):
            protein = (sample.get("crystal") or {}).get("proteinId")
            samples[protein] = samples.get(protein, 0) + 1
    results = [
        {
            **{key: value for key, value in row.items() if key != "uuid"},
            "_metadata": {"samples": samples.get(row["proteinId"], 0)},
        }
        for row in rows
    ]
    return _envelope(page, results, skip, limit)


def event_types(args) -> dict[str, Any]:
    """``/events/types?sessionId``: the distinct experiment types of the session's groups
    (one call of at most 1000 groups), as ``{results: [{eventType, eventTypeName}]}``."""
    session_id = _integer(args, "sessionId", low=1)
    params: dict[str, Any] = {"limit": MAX_LIMIT, "fields": "experimentType"}
    if session_id is not None:
        params["sessionId"] = session_id
    page = _core_page("/data-collection-groups", params)
    kinds = sorted({row.get("experimentType") for row in page.get("results", [])} - {None})
    results = [{"eventType": "dc", "eventTypeName": kind} for kind in kinds]
    return {"results": results, "total": len(results), "skip": 0, "limit": len(results)}


# --- processing status ---------------------------------------------------------------------

MAX_STATUS_IDS = 200  # core's /data-collections/status limit


def _status_ids(args) -> list[int]:
    """py-ispyb-ui's ``dataCollectionIds``: a JSON list of ids (``[10,11]``); a
    comma-separated list is taken too."""
    import json

    from ispyb_shared.errors import InvalidParameter

    unknown = sorted(set(args) - {"dataCollectionIds"})
    if unknown:
        raise InvalidParameter(
            "Invalid query parameters.", {name: ["Unknown parameter."] for name in unknown}
        )
    raw = (args.get("dataCollectionIds") or "").strip()
    problem = None
    try:
        values = json.loads(raw) if raw.startswith("[") else [int(v) for v in raw.split(",")]
    except ValueError:
        values, problem = [], "A JSON list of data collection ids expected."
    if not problem and (
        not isinstance(values, list)
        or not values
        or any(
            not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 2**31 - 1 for v in values
        )
    ):
        problem = "A non-empty JSON list of data collection ids (integers from 1) expected."
    if not problem and len(values) > MAX_STATUS_IDS:
        problem = f"At most {MAX_STATUS_IDS} ids."
    if problem:
        raise InvalidParameter("Invalid query parameters.", {"dataCollectionIds": [problem]})
    return list(dict.fromkeys(values))


def _program_statuses(program: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One py-ispyb status per run of the program kind: 1 success, 0 failed, None
    running (core counts them; their ids are not in its answer)."""
    statuses = []
    for outcome, status in (("success", 1), ("failed", 0), ("running", None)):
        statuses.extend(
            {"status": status, "autoProcProgramId": None}
            for _ in range(int(program.get(outcome) or 0))
        )
    return statuses


def processing_statuses(args) -> dict[str, Any]:
    """``/processings/status?dataCollectionIds=[...]``: py-ispyb's ``{statuses: {dcId:
    {screening, xrc, processing, autoIntegration, em}}}`` from one call to core's
    ``/data-collections/status`` (its processing runs per program kind, under
    ``autoIntegration``); ids the caller may not see are left out."""
    ids = _status_ids(args)
    answer = _core_page("/data-collections/status", {"ids": ",".join(map(str, ids))})
    statuses: dict[str, Any] = {}
    for row in answer.get("results", []):
        programs = {
            program.get("processingPrograms") or "unknown": _program_statuses(program)
            for program in row.get("programs") or []
        }
        statuses[str(row["dataCollectionId"])] = {
            "screening": None,
            "xrc": None,
            "processing": None,
            "autoIntegration": programs or None,
            "em": None,
        }
    return {"statuses": statuses}


# --- statistics of a session ---------------------------------------------------------------
# py-ispyb's /stats/breakdown and /stats/times of one session (py-ispyb-ui's session and
# statistics pages), from a fixed number of calls to core: the session, its groups, its
# data collections, robot actions, energy scans and XRF spectra (at most 1000 of each).


def _session_id(args) -> int:
    from ispyb_shared.errors import InvalidParameter

    unknown = sorted(set(args) - {"sessionId"})
    if unknown:
        raise InvalidParameter(
            "Invalid query parameters.", {name: ["Unknown parameter."] for name in unknown}
        )
    value = _integer(args, "sessionId", low=1)
    if value is None or value > 2**31 - 1:
        raise InvalidParameter(
            "Invalid query parameters.", {"sessionId": ["A session id (from 1) is required."]}
        )
    return value


def _moment(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=None) if moment.tzinfo else moment


def _hours(start: Any, end: Any) -> float:
    begin, finish = _moment(start), _moment(end)
    if begin is None or finish is None or finish < begin:
        return 0.0
    return (finish - begin).total_seconds() / 3600


def _session_activity(session_id: int) -> dict[str, Any]:
    session = _core_one(f"/sessions/{session_id}")
    page = {"limit": MAX_LIMIT}
    groups = _core_page("/data-collection-groups", {**page, "sessionId": session_id})
    kinds = {row["dataCollectionGroupId"]: row.get("experimentType") for row in groups["results"]}
    return {
        "session": session,
        "dc": _core_page("/data-collections", {**page, "sessionId": session_id})["results"],
        "kinds": kinds,
        "robot": _core_page("/robot-actions", {**page, "blsessionId": session_id})["results"],
        "edge": _core_page("/energy-scans", {**page, "sessionId": session_id})["results"],
        "xrf": _core_page("/xrf-spectra", {**page, "sessionId": session_id})["results"],
    }


def _energy(wavelength: Any) -> float | None:
    """keV from Å, as py-ispyb plots it."""
    return (
        round(12.398419843320026 / wavelength, 4)
        if isinstance(wavelength, NUMBER) and wavelength
        else None
    )


NUMBER = (int, float)


# Each kind of activity but data collections: its rows' start, end, sub-type, status and
# session columns.
ACTIVITY_COLUMNS = (
    ("robot", "startTimestamp", "endTimestamp", "actionType", "status", "blsessionId"),
    ("edge", "startTime", "endTime", "element", None, "sessionId"),
    ("xrf", "startTime", "endTime", None, None, "sessionId"),
)


def breakdown(activity: dict[str, Any], visit_of) -> dict[str, Any]:
    """py-ispyb's breakdown of ``activity`` (counts, history, plottables), whatever its
    scope; ``visit_of(row, session_column)`` names the session of each history point."""
    dcs = activity["dc"]
    history = [
        {
            "eventType": "dc",
            "startTime": row.get("startTime"),
            "endTime": row.get("endTime"),
            "protein": None,
            "sample": None,
            "subType": activity["kinds"].get(row.get("dataCollectionGroupId")),
            "status": row.get("runStatus"),
            "title": None,
            "session": visit_of(row, "sessionId"),
        }
        for row in dcs
    ]
    for key, start, end, sub, status, session_column in ACTIVITY_COLUMNS:
        for row in activity[key]:
            history.append(
                {
                    "eventType": key,
                    "startTime": row.get(start),
                    "endTime": row.get(end),
                    "protein": None,
                    "sample": None,
                    "subType": row.get(sub) if sub else None,
                    "status": row.get(status) if status else None,
                    "title": None,
                    "session": visit_of(row, session_column),
                }
            )
    types: dict[str, int] = {}
    for point in history[: len(dcs)]:
        if point["subType"]:
            types[point["subType"]] = types.get(point["subType"], 0) + 1
    series = [
        {"title": "energy", "unit": "keV", "data": [_energy(row.get("wavelength")) for row in dcs]}
    ] + [
        {"title": name, "unit": None, "data": [row.get(name) for row in dcs]}
        for name in ("beamSizeAtSampleX", "beamSizeAtSampleY", "chiStart", "phiStart", "kappaStart")
    ]
    return {
        "overview": {
            "counts": {
                "datacollections": len(dcs),
                "failed": sum("fail" in (row.get("runStatus") or "").lower() for row in dcs),
                "datacollectionTypes": types,
                "robot": len(activity["robot"]),
                "edge": len(activity["edge"]),
                "xrf": len(activity["xrf"]),
            },
        },
        "history": history,
        "plottables": {"time": [row.get("startTime") for row in dcs], "series": series},
    }


def stats_breakdown(args) -> dict[str, Any]:
    """``/stats/breakdown?sessionId``: py-ispyb's ``{overview: {startDate, endDate,
    duration (h), beamLineName, session, counts}, history, plottables}``."""
    activity = _session_activity(_session_id(args))
    session = activity["session"]
    visit = session.get("visit")
    answer = breakdown(activity, lambda row, column: visit)
    answer["overview"] = {
        "startDate": session.get("startDate"),
        "endDate": session.get("endDate"),
        "duration": _hours(session.get("startDate"), session.get("endDate")),
        "beamLineName": session.get("beamLineName"),
        "session": visit,
        **answer["overview"],
    }
    return answer


TIME_FIELDS = (
    "duration",
    "startup",
    "datacollection",
    "edge",
    "xrf",
    "robot",
    "strategy",
    "centring",
    "fault",
    "remaining",
    "thinking",
)


def stats_times(args) -> dict[str, Any]:
    """``/stats/times?sessionId``: py-ispyb's ``{average, sessions: [{session, duration,
    startup, datacollection, edge, xrf, robot, strategy, centring, fault, remaining,
    thinking}]}`` in hours; strategy, centring and fault are 0 (not kept by core)."""
    activity = _session_activity(_session_id(args))
    session, dcs = activity["session"], activity["dc"]
    start, end = session.get("startDate"), session.get("endDate")
    entry = dict.fromkeys(TIME_FIELDS, 0.0)
    entry["duration"] = _hours(start, end)
    if dcs:
        starts = [s for s in (_moment(row.get("startTime")) for row in dcs) if s]
        ends = [e for e in (_moment(row.get("endTime")) for row in dcs) if e]
        entry["datacollection"] = sum(_hours(r.get("startTime"), r.get("endTime")) for r in dcs)
        if starts and _moment(start):
            entry["startup"] = max(_hours(start, min(starts).isoformat()), 0.0)
        if ends and _moment(end):
            entry["remaining"] = max(_hours(max(ends).isoformat(), end), 0.0)
    entry["robot"] = sum(
        _hours(r.get("startTimestamp"), r.get("endTimestamp")) for r in activity["robot"]
    )
    entry["edge"] = sum(_hours(r.get("startTime"), r.get("endTime")) for r in activity["edge"])
    entry["xrf"] = sum(_hours(r.get("startTime"), r.get("endTime")) for r in activity["xrf"])
    entry["thinking"] = entry["duration"] - sum(
        entry[name] for name in TIME_FIELDS if name not in ("duration", "remaining", "thinking")
    )
    row = {"session": session.get("visit"), **entry}
    return {"average": {**entry, "count": 1}, "sessions": [row]}
