"""Translating the Java server's REST dialect (EXI, py-ispyb-ui's Java mode) onto core's and
auth's answers (plain functions).

The token sits in the path (``/compat/java/{token}/...``): it must be one auth minted for
this purpose only (``purpose: compat-java``: short-lived, read-only in every service, no
refresh token) and is verified here, then sent to core as the caller's own
``Authorization: Bearer`` header: compat can never show more than core shows that caller.
Rows are the Java server's flat ``Table_column`` keys (its ``v_session`` and
``v_datacollection_summary`` views); fields core does not have are ``None``.
"""

from __future__ import annotations

import re
from typing import Any

from flask import current_app, g

from ispyb_shared.auth import COMPAT_JAVA
from ispyb_shared.core_client import Credentials
from ispyb_shared.errors import (
    CoreUnavailable,
    Forbidden,
    InvalidParameter,
    NotFound,
    Unauthorized,
)

from ..upstreams import credentials, upstreams

MAX_ROWS = 1000  # core's api.max_limit: the Java routes are not paged
_PROPOSAL = re.compile(r"^([A-Za-z]{1,45})(\d{1,45})$")
_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


# --- login and the token in the path ----------------------------------------------------------


def authenticate(*, login: str | None, password: str | None, plugin: str) -> dict[str, Any]:
    """EXI's form login onto auth's ``/login`` with ``purpose: compat-java``: ``{token,
    roles, user}`` (EXI reads ``token`` and ``roles``; ``Manager`` for staff)."""
    problems = {}
    for name, value in (("login", login), ("password", password)):
        if not value:
            problems[name] = ["A form field is required."]
        elif len(value) > (255 if name == "login" else 1024):
            problems[name] = ["Too long."]
    if problems:
        raise InvalidParameter("Invalid form fields.", problems)
    answer = upstreams().auth.write(
        "POST",
        "/login",
        credentials(),
        body={"plugin": plugin, "username": login, "password": password, "purpose": COMPAT_JAVA},
        what="the login",
        forbidden="auth refused the login.",
    )
    body = answer.body if isinstance(answer.body, dict) else {}
    token = body.get("access_token")
    if not token:
        raise CoreUnavailable("auth's answer to the login cannot be read.", maybe_done=False)
    claims = _claims(token)
    roles = set(claims.get("roles") or [])
    return {
        "token": token,
        "roles": ["Manager" if roles & {"staff", "admin"} else "User"],
        "user": claims.get("sub"),
        "expiresIn": body.get("expires_in"),
    }


def _claims(token: str) -> dict[str, Any]:
    import jwt

    try:
        return jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise CoreUnavailable("auth's token cannot be read.", maybe_done=False) from None


def enter(token: str) -> Credentials:
    """Verify the path's token (a compat-java one only) and make it the caller's
    credentials for core; ``g.caller`` is set as for a header token."""
    verifier = current_app.extensions["ispyb_token_verifier"]
    caller = verifier.verify(token)
    if caller.purpose != COMPAT_JAVA:
        raise Unauthorized(
            "The token in the path must be one of the Java login "
            "(POST /compat/java/authenticate): short-lived and read-only."
        )
    g.caller = caller
    return Credentials(f"Bearer {token}", credentials().request_id)


# --- core ------------------------------------------------------------------------------------


def _get(creds: Credentials, path: str, params: dict[str, Any] | None = None) -> Any:
    answer = upstreams().core.request("GET", path, creds, params=params)
    if answer.status == 404:
        raise NotFound("Not found (or not visible to the caller).")
    if answer.status == 403:
        raise Forbidden("Core refuses this to the caller.")
    if answer.status != 200:
        from ispyb_shared.core_client import error_from_envelope

        if 400 <= answer.status < 500:
            raise error_from_envelope(answer.status, answer.body, what="the list")
        raise CoreUnavailable("Core's answer cannot be read; nothing was done.", maybe_done=False)
    return answer.body


def _rows(creds: Credentials, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    body = _get(creds, path, {"limit": MAX_ROWS, **params})
    return body.get("results", []) if isinstance(body, dict) else []


def _proposal_params(proposal: str) -> dict[str, str]:
    match = _PROPOSAL.match(proposal)
    if match is None:
        raise InvalidParameter(
            "Invalid path.", {"proposal": ["A proposal name: its code and number (mx1234)."]}
        )
    return {"proposalCode": match.group(1), "proposalNumber": match.group(2)}


def _date(value: str, name: str) -> str:
    match = _DATE.match(value)
    if match is None or not ("01" <= match.group(2) <= "12" and "01" <= match.group(3) <= "31"):
        raise InvalidParameter("Invalid path.", {name: ["A date, YYYYMMDD."]})
    return f"{match.group(1)}-{match.group(2)}-{match.group(3)}"


def _positive(value: int, name: str) -> int:
    if value < 1 or value > 2**63 - 1:
        raise InvalidParameter("Invalid path.", {name: ["A positive id."]})
    return value


def _name(code: str | None, number: str | None) -> str:
    return f"{code or ''}{number or ''}"


def _proposal_of_visit(visit: str | None) -> str:
    return (visit or "").rsplit("-", 1)[0]


# --- rows ------------------------------------------------------------------------------------


def _session_row(row: dict[str, Any], proposal: dict[str, Any] | None, counts) -> dict:
    """One ``v_session`` row (the keys EXI's session grids read)."""
    proposal = proposal or {}
    session_id = row.get("sessionId")
    return {
        "sessionId": session_id,
        "BLSession_sessionId": session_id,
        "proposalId": row.get("proposalId"),
        "beamLineName": row.get("beamLineName"),
        "beamLineOperator": row.get("beamLineOperator"),
        "BLSession_startDate": row.get("startDate"),
        "BLSession_endDate": row.get("endDate"),
        "BLSession_visit_number": row.get("visit_number"),
        "BLSession_protectedData": None,
        "comments": row.get("comments"),
        "expSessionPk": None,
        "Proposal_proposalId": row.get("proposalId"),
        "Proposal_proposalCode": proposal.get("proposalCode"),
        "Proposal_ProposalNumber": proposal.get("proposalNumber"),
        "Proposal_title": proposal.get("title"),
        "dataCollectionGroupCount": counts.get(session_id, 0),
        "testDataCollectionGroupCount": 0,
        "energyScanCount": 0,
        "xrfSpectrumCount": 0,
        "sampleCount": 0,
        "imagesCount": 0,
    }


def _sessions(creds: Credentials, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Sessions (core's list, as the caller) as ``v_session`` rows: three calls, whatever
    the number of rows (sessions, their proposals, their groups)."""
    rows = _rows(creds, "/sessions", {"sort": "-startDate", **params})
    proposals: dict[int, dict[str, Any]] = {}
    counts: dict[int, int] = {}
    if rows:
        # core's proposal list has no id filter: their codes and numbers (from the visits),
        # a superset that is then matched by id.
        names = {_PROPOSAL.match(_proposal_of_visit(row.get("visit"))) for row in rows}
        names.discard(None)
        if names:
            proposals = {
                p["proposalId"]: p
                for p in _rows(
                    creds,
                    "/proposals",
                    {
                        "proposalCode.in": ",".join(sorted({m.group(1) for m in names})),
                        "proposalNumber.in": ",".join(sorted({m.group(2) for m in names})),
                    },
                )
            }
        session_ids = ",".join(str(row["sessionId"]) for row in rows)
        for group in _rows(
            creds, "/data-collection-groups", {"sessionId.in": session_ids, "fields": "sessionId"}
        ):
            counts[group.get("sessionId")] = counts.get(group.get("sessionId"), 0) + 1
    return [_session_row(row, proposals.get(row.get("proposalId")), counts) for row in rows]


def session_list(creds: Credentials) -> list[dict[str, Any]]:
    """``/{token}/session/list``: the caller's sessions."""
    return _sessions(creds, {})


def proposal_session_list(creds: Credentials, proposal: str) -> list[dict[str, Any]]:
    """``/{token}/proposal/{proposal}/session/list``."""
    return _sessions(creds, {"proposal": _name(**_split(proposal))})


def _split(proposal: str) -> dict[str, str]:
    params = _proposal_params(proposal)
    return {"code": params["proposalCode"], "number": params["proposalNumber"]}


def sessions_between(creds: Credentials, start: str, end: str) -> list[dict[str, Any]]:
    """``/{token}/proposal/session/date/{YYYYMMDD}/{YYYYMMDD}/list`` (managers' welcome):
    sessions starting from ``start`` to ``end`` included."""
    first, last = _date(start, "start"), _date(end, "end")
    if last < first:
        raise InvalidParameter("Invalid path.", {"end": ["Not before start."]})
    return _sessions(creds, {"startDate.gte": first, "startDate.lte": f"{last}T23:59:59"})


def _proposal_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "Proposal_proposalId": row.get("proposalId"),
        "Proposal_proposalCode": row.get("proposalCode"),
        "Proposal_proposalNumber": row.get("proposalNumber"),
        "Proposal_title": row.get("title"),
        "Proposal_proposalType": row.get("proposalType"),
        "Proposal_personId": row.get("personId"),
    }


def proposal_list(creds: Credentials) -> list[dict[str, Any]]:
    """``/{token}/proposal/list``: the proposals the caller may see (one call)."""
    return [_proposal_row(row) for row in _rows(creds, "/proposals", {"sort": "proposalId"})]


def proposal_info(creds: Credentials, proposal: str) -> list[dict[str, Any]]:
    """``/{token}/proposal/{proposal}/info/get``: ``[{proposal, proteins, crystals,
    labcontacts, ...}]``; the SAXS lists are empty (three calls)."""
    found = _rows(creds, "/proposals", _proposal_params(proposal))
    if not found:
        raise NotFound("Not found (or not visible to the caller).")
    row = found[0]
    proteins = _rows(creds, "/proteins", {"proposalId": row["proposalId"]})
    contacts = _rows(creds, "/lab-contacts", {"proposalId": row["proposalId"]})
    return [
        {
            "proposal": [_proposal_row(row)],
            "proteins": [
                {
                    "proteinId": p.get("proteinId"),
                    "acronym": p.get("acronym"),
                    "name": p.get("name"),
                }
                for p in proteins
            ],
            "crystals": [],
            "labcontacts": [
                {"labContactId": c.get("labContactId"), "cardName": c.get("cardName")}
                for c in contacts
            ],
            "plateTypes": [],
            "macromolecules": [],
            "buffers": [],
            "stockSolutions": [],
            "ligands": [],
        }
    ]


# The v_datacollection_summary keys EXI reads, from core's data-collection row.
_DC_FIELDS = {
    "DataCollection_dataCollectionId": "dataCollectionId",
    "DataCollection_dataCollectionNumber": "dataCollectionNumber",
    "DataCollection_imagePrefix": "imagePrefix",
    "DataCollection_imageDirectory": "imageDirectory",
    "DataCollection_fileTemplate": "fileTemplate",
    "DataCollection_numberOfImages": "numberOfImages",
    "DataCollection_startImageNumber": "startImageNumber",
    "DataCollection_startTime": "startTime",
    "DataCollection_endTime": "endTime",
    "DataCollection_runStatus": "runStatus",
    "DataCollection_wavelength": "wavelength",
    "DataCollection_exposureTime": "exposureTime",
    "DataCollection_resolution": "resolution",
    "DataCollection_axisStart": "axisStart",
    "DataCollection_axisRange": "axisRange",
    "DataCollection_detectorDistance": "detectorDistance",
    "DataCollection_transmission": "transmission",
    "DataCollection_flux": "flux",
    "DataCollection_beamSizeAtSampleX": "beamSizeAtSampleX",
    "DataCollection_beamSizeAtSampleY": "beamSizeAtSampleY",
    "DataCollection_comments": "comments",
    "DataCollectionGroup_dataCollectionGroupId": "dataCollectionGroupId",
    "DataCollectionGroup_experimentType": "experimentType",
    "DataCollectionGroup_sessionId": "sessionId",
    "BLSession_sessionId": "sessionId",
    "BLSample_blSampleId": "blSampleId",
}


def _dc_row(row: dict[str, Any]) -> dict[str, Any]:
    flat = {key: row.get(name) for key, name in _DC_FIELDS.items()}
    images = row.get("numberOfImages")
    flat.update(
        totalNumberOfImages=images,
        firstImageId=None,
        lastImageId=None,
        hasPhasing=False,
        hasMR=False,
        autoProcIntegrationId=None,
        processingPrograms=None,
        processingStatus=None,
        resolutionsLimitHigh=None,
        rMerges=None,
        completenessList=None,
    )
    return flat


def session_data_collections(
    creds: Credentials, proposal: str, session_id: int
) -> list[dict[str, Any]]:
    """``/{token}/proposal/{p}/mx/datacollection/session/{id}/list``: the session's data
    collections as flat rows, newest first (one call); another proposal's session is not
    found."""
    _proposal_params(proposal)
    _positive(session_id, "sessionId")
    rows = _rows(creds, "/data-collections", {"sessionId": session_id, "sort": "-startTime"})
    wanted = proposal.lower()
    rows = [row for row in rows if (row.get("visit") or "").rsplit("-", 1)[0].lower() == wanted]
    return [_dc_row(row) for row in rows]


def data_collection(creds: Credentials, proposal: str, dc_id: int) -> list[dict[str, Any]]:
    """``/{token}/proposal/{p}/mx/datacollection/{id}/list``: that one row, as a list."""
    _proposal_params(proposal)
    _positive(dc_id, "dataCollectionId")
    row = _get(creds, f"/data-collections/{dc_id}")
    if (row.get("visit") or "").rsplit("-", 1)[0].lower() != proposal.lower():
        raise NotFound("Not found (or not visible to the caller).")
    return [_dc_row(row)]
