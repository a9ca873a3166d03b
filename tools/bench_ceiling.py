"""The ceiling of the benchmark: a minimal app doing each main read's work by hand.

What ``tools/bench.py`` compares the services with. For each main read it answers the
same rows as the service, with the same token check (``ispyb_shared.auth.TokenVerifier``,
keys from the same JWKS), the same database driver and conversions, and the same JSON
field names, but with nothing else: Flask, SQLAlchemy Core, hand-written SQL (one
statement a read; the EM summary one a table), no ORM, no marshmallow, no flask-restx, no
per-request logging. Where the service asks core over HTTP (em: who may see a data
collection; ssx: the session and its data collections), the ceiling makes the same calls
(em's answers cached as em caches them).

Served under ``/ceiling/...`` by gunicorn, with the same number of workers as the
services (``tools/bench.py`` starts it). Settings, from the environment:

  ISPYB_CEILING_CORE_DB, ISPYB_CEILING_EM_DB, ISPYB_CEILING_SSX_DB   SQLAlchemy URLs
  ISPYB_CEILING_JWKS_URL   the JWKS the services trust
  ISPYB_CEILING_CORE_URL   core, for em's and ssx's calls

The best result of a data collection and CC½ in percent follow core's rules
(``ispyb_core.processing``: the same functions are called on plain rows).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import threading
import time
from collections import defaultdict
from typing import Any

import requests
from flask import Flask, Response, request
from sqlalchemy import bindparam, create_engine, text

from ispyb_shared.auth import TokenVerifier, bearer_token
from ispyb_shared.db import legacy_safe_conversions

COMPLETE_ENOUGH = 90.0
CACHE_SECONDS = 60


def _engine(url: str):
    """Autocommit connections, and reads only: nothing to commit or roll back, so
    SQLAlchemy's COMMIT/ROLLBACK calls are not sent."""
    args: dict[str, Any] = {"autocommit": True}
    if url.startswith("mysql+pymysql"):
        args["conv"] = legacy_safe_conversions()
    engine = create_engine(url, connect_args=args, pool_size=5, max_overflow=10, pool_recycle=3600)
    engine.dialect.do_rollback = lambda _connection: None  # type: ignore[method-assign]
    engine.dialect.do_commit = lambda _connection: None  # type: ignore[method-assign]
    return engine


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(type(value))


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, default=_default), status, mimetype="application/json")


def _rows(connection, statement, **params) -> list[dict[str, Any]]:
    return [dict(row) for row in connection.execute(statement, params).mappings()]


def _split(row: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The columns of ``row`` named ``prefix__x``, as {x: value}."""
    marker = f"{prefix}__"
    return {key[len(marker) :]: value for key, value in row.items() if key.startswith(marker)}


# --- statements ------------------------------------------------------------------------------

PROPOSALS = text(
    "SELECT p.*, CONCAT(p.proposalCode, p.proposalNumber) AS name, "
    "(SELECT COUNT(*) FROM Proposal) AS total "
    "FROM Proposal p ORDER BY p.proposalCode, p.proposalNumber, p.proposalId LIMIT :limit"
)
SESSIONS_OF_PROPOSAL = text(
    "SELECT s.*, CONCAT(p.proposalCode, p.proposalNumber, '-', s.visit_number) AS visit, "
    "p.uuid AS proposalUUID FROM BLSession s JOIN Proposal p ON p.proposalId = s.proposalId "
    "WHERE p.proposalCode = :code AND p.proposalNumber = :number "
    "ORDER BY s.startDate DESC, s.sessionId LIMIT :limit"
)
_STATISTICS = (
    "resolutionLimitLow",
    "resolutionLimitHigh",
    "completeness",
    "rMerge",
    "ccHalf",
    "ccAnomalous",
    "meanIOverSigI",
)
SESSION_DATA_COLLECTIONS = text(
    "SELECT dc.*, g.uuid AS dataCollectionGroupUUID, g.sessionId AS sessionId, "
    "s.uuid AS sessionUUID, CONCAT(p.proposalCode, p.proposalNumber, '-', s.visit_number) "
    "AS visit, g.experimentType AS experimentType, g.blSampleId AS blSampleId, "
    "ap.autoProcId AS r__autoProcId, ap.autoProcProgramId AS r__autoProcProgramId, "
    "app.processingPrograms AS r__processingPrograms, ap.spaceGroup AS r__spaceGroup, "
    "st.autoProcScalingId AS r__scaling, st.scalingStatisticsType AS r__type, "
    + ", ".join(f"st.{name} AS r__{name}" for name in _STATISTICS)
    + " FROM DataCollection dc JOIN DataCollectionGroup g "
    "ON g.dataCollectionGroupId = dc.dataCollectionGroupId "
    "JOIN BLSession s ON s.sessionId = g.sessionId JOIN Proposal p ON p.proposalId = s.proposalId "
    "LEFT JOIN AutoProcIntegration i ON i.dataCollectionId = dc.dataCollectionId "
    "LEFT JOIN AutoProcScaling_has_Int h ON h.autoProcIntegrationId = i.autoProcIntegrationId "
    "LEFT JOIN AutoProcScaling sc ON sc.autoProcScalingId = h.autoProcScalingId "
    "LEFT JOIN AutoProc ap ON ap.autoProcId = sc.autoProcId "
    "LEFT JOIN AutoProcProgram app ON app.autoProcProgramId = ap.autoProcProgramId "
    "AND (app.processingStatus IS NULL OR app.processingStatus != 0) "
    "LEFT JOIN AutoProcScalingStatistics st ON st.autoProcScalingId = sc.autoProcScalingId "
    "AND app.autoProcProgramId IS NOT NULL "
    "WHERE p.proposalCode = :code AND p.proposalNumber = :number AND s.visit_number = :visit "
    "ORDER BY dc.startTime, dc.dataCollectionId, st.autoProcScalingStatisticsId"
)
PROCESSING = text(
    "SELECT app.*, i.autoProcIntegrationId AS i__autoProcIntegrationId, "
    "i.dataCollectionId AS i__dataCollectionId, i.startImageNumber AS i__startImageNumber, "
    "i.endImageNumber AS i__endImageNumber, i.cell_a AS i__cell_a, i.cell_b AS i__cell_b, "
    "i.cell_c AS i__cell_c, i.cell_alpha AS i__cell_alpha, i.cell_beta AS i__cell_beta, "
    "i.cell_gamma AS i__cell_gamma, i.anomalous AS i__anomalous, i.uuid AS i__uuid, "
    "dc.uuid AS i__dataCollectionUUID, "
    "ap.autoProcId AS a__autoProcId, ap.spaceGroup AS a__spaceGroup, "
    "ap.refinedCell_a AS a__refinedCell_a, ap.refinedCell_b AS a__refinedCell_b, "
    "ap.refinedCell_c AS a__refinedCell_c, ap.refinedCell_alpha AS a__refinedCell_alpha, "
    "ap.refinedCell_beta AS a__refinedCell_beta, ap.refinedCell_gamma AS a__refinedCell_gamma, "
    "ap.uuid AS a__uuid, sc.autoProcScalingId AS a__autoProcScalingId, "
    "st.autoProcScalingStatisticsId AS s__autoProcScalingStatisticsId, "
    "st.scalingStatisticsType AS s__scalingStatisticsType, "
    "st.resolutionLimitLow AS s__resolutionLimitLow, "
    "st.resolutionLimitHigh AS s__resolutionLimitHigh, st.rMerge AS s__rMerge, "
    "st.rMeasAllIPlusIMinus AS s__rMeasAllIPlusIMinus, "
    "st.rPimAllIPlusIMinus AS s__rPimAllIPlusIMinus, st.nTotalObservations AS "
    "s__nTotalObservations, st.nTotalUniqueObservations AS s__nTotalUniqueObservations, "
    "st.meanIOverSigI AS s__meanIOverSigI, st.completeness AS s__completeness, "
    "st.multiplicity AS s__multiplicity, st.anomalousCompleteness AS "
    "s__anomalousCompleteness, st.anomalousMultiplicity AS s__anomalousMultiplicity, "
    "st.ccHalf AS s__ccHalf, st.ccAnomalous AS s__ccAnomalous, st.uuid AS s__uuid, "
    "an.resolutionLimit1 AS n__resolutionLimit1, an.resolutionLimit2 AS n__resolutionLimit2, "
    "an.resolutionLimit3 AS n__resolutionLimit3, "
    "at.fileName AS f__fileName, at.filePath AS f__filePath, at.fileType AS f__fileType "
    "FROM AutoProcIntegration i JOIN DataCollection dc ON dc.dataCollectionId = "
    "i.dataCollectionId JOIN AutoProcProgram app ON app.autoProcProgramId = i.autoProcProgramId "
    "LEFT JOIN AutoProc ap ON ap.autoProcProgramId = app.autoProcProgramId "
    "LEFT JOIN AutoProcScaling sc ON sc.autoProcId = ap.autoProcId "
    "LEFT JOIN AutoProcScalingStatistics st ON st.autoProcScalingId = sc.autoProcScalingId "
    "LEFT JOIN AutoProcScalingAnisotropy an ON an.autoProcScalingId = sc.autoProcScalingId "
    "LEFT JOIN AutoProcProgramAttachment at ON at.autoProcProgramId = app.autoProcProgramId "
    "WHERE i.dataCollectionId = :id "
    "ORDER BY app.autoProcProgramId, ap.autoProcId, st.autoProcScalingStatisticsId"
)
SHIPMENT = text(
    "SELECT sh.*, d.dewarId AS d__dewarId, d.code AS d__code, d.barCode AS d__barCode, "
    "d.type AS d__type, d.dewarStatus AS d__dewarStatus, d.uuid AS d__uuid, "
    "c.containerId AS c__containerId, c.code AS c__code, c.barcode AS c__barcode, "
    "c.containerType AS c__containerType, c.capacity AS c__capacity, c.uuid AS c__uuid, "
    "b.blSampleId AS b__blSampleId, b.name AS b__name, b.location AS b__location, "
    "b.uuid AS b__uuid, x.crystalId AS x__crystalId, x.spaceGroup AS x__spaceGroup, "
    "x.cell_a AS x__cell_a, x.cell_b AS x__cell_b, x.cell_c AS x__cell_c, x.uuid AS x__uuid, "
    "pr.proteinId AS p__proteinId, pr.name AS p__name, pr.acronym AS p__acronym, "
    "pr.uuid AS p__uuid, dp.diffractionPlanId AS dp__diffractionPlanId, "
    "dp.experimentKind AS dp__experimentKind, "
    "(SELECT JSON_ARRAYAGG(JSON_OBJECT('sessionId', s.sessionId, 'uuid', s.uuid, "
    "'beamLineName', s.beamLineName, 'visit', CONCAT(sp.proposalCode, sp.proposalNumber, '-', "
    "s.visit_number))) FROM ShippingHasSession hs JOIN BLSession s ON s.sessionId = "
    "hs.sessionId JOIN Proposal sp ON sp.proposalId = s.proposalId "
    "WHERE hs.shippingId = sh.shippingId) AS sessions "
    "FROM Shipping sh LEFT JOIN Dewar d ON d.shippingId = sh.shippingId "
    "LEFT JOIN Container c ON c.dewarId = d.dewarId "
    "LEFT JOIN BLSample b ON b.containerId = c.containerId "
    "LEFT JOIN Crystal x ON x.crystalId = b.crystalId "
    "LEFT JOIN Protein pr ON pr.proteinId = x.proteinId "
    "LEFT JOIN DiffractionPlan dp ON dp.diffractionPlanId = b.diffractionPlanId "
    "WHERE sh.shippingId = :id ORDER BY d.dewarId, c.containerId, b.blSampleId"
)
MOVIES = text(
    "SELECT m.*, mc.motionCorrectionId AS mc__motionCorrectionId, mc.totalMotion AS "
    "mc__totalMotion, mc.averageMotionPerFrame AS mc__averageMotionPerFrame, mc.dosePerFrame "
    "AS mc__dosePerFrame, mc.micrographFullPath AS mc__micrographFullPath, mc.uuid AS mc__uuid, "
    "ctf.ctfId AS ctf__ctfId, ctf.estimatedDefocus AS ctf__estimatedDefocus, "
    "ctf.estimatedResolution AS ctf__estimatedResolution, ctf.astigmatism AS "
    "ctf__astigmatism, ctf.astigmatismAngle AS ctf__astigmatismAngle, ctf.ccValue AS "
    "ctf__ccValue, ctf.uuid AS ctf__uuid "
    "FROM Movie m LEFT JOIN MotionCorrection mc ON mc.movieId = m.movieId "
    "LEFT JOIN CTF ctf ON ctf.motionCorrectionId = mc.motionCorrectionId "
    "WHERE m.dataCollectionUUID = :uuid AND m.movieNumber > :after "
    "ORDER BY m.movieNumber, mc.motionCorrectionId, ctf.ctfId LIMIT :limit"
)
_PERCENTILES = (("p5", 5), ("p25", 25), ("median", 50), ("p75", 75), ("p95", 95))
_MOVIE_JOIN = "JOIN Movie m ON m.movieId = mc.movieId WHERE m.dataCollectionUUID = :uuid"
_MOTION_JOIN = "JOIN MotionCorrection mc ON mc.motionCorrectionId = {column} " + _MOVIE_JOIN
# Per table: its rows of one data collection, and the figures summarised.
SUMMARY_TABLES = (
    (
        "motionCorrections",
        "MotionCorrection mc " + _MOVIE_JOIN,
        ("totalMotion", "averageMotionPerFrame"),
        "mc",
    ),
    (
        "ctfs",
        "CTF c " + _MOTION_JOIN.format(column="c.motionCorrectionId"),
        ("estimatedDefocus", "estimatedResolution", "astigmatism"),
        "c",
    ),
    (
        "relativeIceThicknesses",
        "RelativeIceThickness r " + _MOTION_JOIN.format(column="r.motionCorrectionId"),
        ("median",),
        "r",
    ),
    (
        "particlePickers",
        "ParticlePicker pp " + _MOTION_JOIN.format(column="pp.firstMotionCorrectionId"),
        ("numberOfParticles",),
        "pp",
    ),
)
SUMMARY_MOVIES = text(
    "SELECT COUNT(*) AS n, MIN(createdTimeStamp) AS first, MAX(createdTimeStamp) AS last, "
    "MAX(movieNumber) AS lastNumber FROM Movie WHERE dataCollectionUUID = :uuid"
)


def _aggregate(rows: str, figures: tuple[str, ...], alias: str):
    columns = ["COUNT(*) AS n"]
    for name in figures:
        column = f"{alias}.{name}"
        columns += [
            f"COUNT({column}) AS `{name}.count`",
            f"SUM({column}) AS `{name}.sum`",
            f"MIN({column}) AS `{name}.min`",
            f"MAX({column}) AS `{name}.max`",
        ]
    return text(f"SELECT {', '.join(columns)} FROM {rows}")


def _ranked(rows: str, name: str, alias: str):
    """The values at the given ranks (the two around each percentile), as core computes
    continuous percentiles."""
    column = f"{alias}.{name}"
    return text(
        f"SELECT value, ordinal FROM (SELECT {column} AS value, ROW_NUMBER() OVER "
        f"(ORDER BY {column}) - 1 AS ordinal FROM {rows} AND {column} IS NOT NULL) ranked "
        "WHERE ordinal IN :ranks"
    ).bindparams(bindparam("ranks", expanding=True))


SUMMARY_STATEMENTS = {
    label: (
        _aggregate(rows, figures, alias),
        {name: _ranked(rows, name, alias) for name in figures},
    )
    for label, rows, figures, alias in SUMMARY_TABLES
}


SSX_RUNS = text(
    "SELECT r.*, res.ssxProcessingResultId AS res__ssxProcessingResultId, res.status AS "
    "res__status, res.programs AS res__programs, res.numberOfImages AS res__numberOfImages, "
    "res.numberOfHits AS res__numberOfHits, res.numberOfIndexed AS res__numberOfIndexed, "
    "res.hitRate AS res__hitRate, res.indexingRate AS res__indexingRate, res.spaceGroup AS "
    "res__spaceGroup, res.recordTimeStamp AS res__recordTimeStamp "
    "FROM SSXDataCollection r LEFT JOIN SSXProcessingResult res ON "
    "res.ssxProcessingResultId = (SELECT MAX(x.ssxProcessingResultId) FROM "
    "SSXProcessingResult x WHERE x.ssxDataCollectionId = r.ssxDataCollectionId) "
    "WHERE r.sessionUUID = :uuid ORDER BY r.ssxDataCollectionId"
)


# --- core's rules on plain rows ---------------------------------------------------------------


def _percent_factor(shells: list[dict[str, Any]]) -> float:
    from ispyb_core.processing.conventions import percent_factor

    return percent_factor(shells)


def _best(candidates: dict[int, dict[str, Any]]) -> dict[str, Any] | None:
    def quality(entry):
        overall = entry["shells"].get("overall")
        if overall is None:
            return (2, 0.0, 0.0, -entry["autoProcId"])
        completeness = overall["completeness"] or 0.0
        resolution = overall["resolutionLimitHigh"] or float("inf")
        complete = 0 if completeness >= COMPLETE_ENOUGH else 1
        return (complete, resolution, -completeness, -entry["autoProcId"])

    if not candidates:
        return None
    best = min(candidates.values(), key=quality)
    overall, outer = best["shells"].get("overall") or {}, best["shells"].get("outerShell")
    return {
        "autoProcId": best["autoProcId"],
        "autoProcProgramId": best["autoProcProgramId"],
        "processingPrograms": best["processingPrograms"],
        "spaceGroup": best["spaceGroup"],
        "resolutionLimitLow": overall.get("resolutionLimitLow"),
        "resolutionLimitHigh": overall.get("resolutionLimitHigh"),
        "completeness": overall.get("completeness"),
        "rMerge": overall.get("rMerge"),
        "ccHalf": overall.get("ccHalf"),
        "meanIOverSigI": overall.get("meanIOverSigI"),
        "outerShell": None
        if outer is None
        else {
            "resolutionLimitHigh": outer["resolutionLimitHigh"],
            "completeness": outer["completeness"],
            "ccHalf": outer["ccHalf"],
            "meanIOverSigI": outer["meanIOverSigI"],
        },
    }


def _normalise(shells: list[dict[str, Any]]) -> None:
    factor = _percent_factor(shells)
    if factor != 1.0:
        for shell in shells:
            for name in ("ccHalf", "ccAnomalous"):
                if shell.get(name) is not None:
                    shell[name] = shell[name] * factor


# --- the app ---------------------------------------------------------------------------------

_VISIT = re.compile(r"^([A-Za-z]+)(\d+)-(\d+)$")
_PROPOSAL = re.compile(r"^([A-Za-z]+)(\d+)$")


def create_app() -> Flask:
    core_db = _engine(os.environ["ISPYB_CEILING_CORE_DB"])
    em_db = (
        _engine(os.environ["ISPYB_CEILING_EM_DB"])
        if os.environ.get("ISPYB_CEILING_EM_DB")
        else None
    )
    ssx_db = (
        _engine(os.environ["ISPYB_CEILING_SSX_DB"])
        if os.environ.get("ISPYB_CEILING_SSX_DB")
        else None
    )
    core_url = os.environ.get("ISPYB_CEILING_CORE_URL", "")
    verifier = TokenVerifier(
        issuer="ispyb", audience="ispyb", jwks_url=os.environ["ISPYB_CEILING_JWKS_URL"]
    )
    http = threading.local()
    seen: dict[tuple[str, str], float] = {}
    app = Flask("ceiling")

    def authorised() -> str:
        token = bearer_token(request.headers.get("Authorization"))
        verifier.verify(token)
        return token

    def core_get(path: str, token: str, **params) -> Any:
        session = getattr(http, "session", None)
        if session is None:
            session = http.session = requests.Session()
        answer = session.get(
            f"{core_url}/ispyb/api/v1/core{path}",
            params=params,
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        answer.raise_for_status()
        return answer.json()

    def visible_to(token: str, uuid: str) -> bool:
        """em's check (a data collection core shows the caller), cached as em caches."""
        key = (token, uuid)
        if seen.get(key, 0) > time.monotonic():
            return True
        found = core_get("/data-collections", token, **{"uuid.in": uuid, "limit": 1000})
        if not any(row["uuid"] == uuid for row in found["results"]):
            return False
        seen[key] = time.monotonic() + CACHE_SECONDS
        return True

    @app.get("/ceiling/proposals")
    def proposals():
        authorised()
        with core_db.connect() as connection:
            rows = _rows(connection, PROPOSALS, limit=int(request.args.get("limit", 25)))
        total = rows[0].pop("total") if rows else 0
        for row in rows[1:]:
            row.pop("total")
        return _json({"total": total, "limit": 25, "offset": 0, "results": rows})

    @app.get("/ceiling/proposals/<name>/sessions")
    def sessions(name):
        authorised()
        code, number = _PROPOSAL.match(name).groups()
        with core_db.connect() as connection:
            rows = _rows(connection, SESSIONS_OF_PROPOSAL, code=code, number=number, limit=25)
        return _json({"total": len(rows), "limit": 25, "offset": 0, "results": rows})

    @app.get("/ceiling/sessions/<visit>/data-collections")
    def session_data_collections(visit):
        authorised()
        code, number, visit_number = _VISIT.match(visit).groups()
        with core_db.connect() as connection:
            rows = _rows(
                connection,
                SESSION_DATA_COLLECTIONS,
                code=code,
                number=number,
                visit=int(visit_number),
            )
        collections: dict[int, dict[str, Any]] = {}
        candidates: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
        shells_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            result = _split(row, "r")
            collection = {k: v for k, v in row.items() if not k.startswith("r__")}
            collections.setdefault(collection["dataCollectionId"], collection)
            if result["autoProcId"] is None or result["type"] is None:
                continue
            entry = candidates[collection["dataCollectionId"]].setdefault(
                result["autoProcId"],
                {
                    "autoProcId": result["autoProcId"],
                    "autoProcProgramId": result["autoProcProgramId"],
                    "processingPrograms": result["processingPrograms"],
                    "spaceGroup": result["spaceGroup"],
                    "shells": {},
                },
            )
            shell = {name: result[name] for name in _STATISTICS}
            shell["scalingStatisticsType"] = result["type"]
            entry["shells"][result["type"]] = shell
            shells_of[result["scaling"]].append(shell)
        for shells in shells_of.values():
            _normalise(shells)
        results = []
        for collection_id, collection in collections.items():
            collection["bestResult"] = _best(candidates.get(collection_id, {}))
            results.append(collection)
        return _json({"total": len(results), "limit": 25, "offset": 0, "results": results[:25]})

    @app.get("/ceiling/data-collections/<int:collection_id>/processing")
    def processing(collection_id):
        authorised()
        with core_db.connect() as connection:
            rows = _rows(connection, PROCESSING, id=collection_id)
        runs: dict[int, dict[str, Any]] = {}
        results: dict[int, dict[str, Any]] = {}
        for row in rows:
            program = {k: v for k, v in row.items() if "__" not in k}
            run = runs.setdefault(
                program["autoProcProgramId"],
                {"program": program, "integrations": {}, "results": [], "attachments": {}},
            )
            integration = _split(row, "i")
            run["integrations"].setdefault(integration["autoProcIntegrationId"], integration)
            result = _split(row, "a")
            if result["autoProcId"] is not None and result["autoProcId"] not in results:
                results[result["autoProcId"]] = {
                    "autoProc": result,
                    "autoProcScalingId": result["autoProcScalingId"],
                    "statistics": {},
                    "anisotropy": _split(row, "n"),
                }
                run["results"].append(results[result["autoProcId"]])
            shell = _split(row, "s")
            if result["autoProcId"] is not None and shell["scalingStatisticsType"]:
                results[result["autoProcId"]]["statistics"][shell["scalingStatisticsType"]] = shell
            attachment = _split(row, "f")
            if attachment["fileName"]:
                run["attachments"][attachment["fileName"]] = attachment
        for result in results.values():
            _normalise(list(result["statistics"].values()))
        body = [
            {
                **run,
                "integrations": list(run["integrations"].values()),
                "attachments": list(run["attachments"].values()),
            }
            for run in runs.values()
        ]
        return _json(body)

    @app.get("/ceiling/shipments/<int:shipping_id>")
    def shipment(shipping_id):
        authorised()
        with core_db.connect() as connection:
            rows = _rows(connection, SHIPMENT, id=shipping_id)
        if not rows:
            return _json({"message": "not found"}, 404)
        head = {k: v for k, v in rows[0].items() if "__" not in k}
        head["sessions"] = json.loads(head["sessions"] or "[]")
        dewars: dict[int, dict[str, Any]] = {}
        for row in rows:
            dewar = _split(row, "d")
            if dewar["dewarId"] is None:
                continue
            dewar = dewars.setdefault(dewar["dewarId"], {**dewar, "containers": {}})
            container = _split(row, "c")
            if container["containerId"] is None:
                continue
            container = dewar["containers"].setdefault(
                container["containerId"], {**container, "samples": []}
            )
            sample = _split(row, "b")
            if sample["blSampleId"] is not None:
                crystal = _split(row, "x")
                crystal["protein"] = _split(row, "p")
                sample["crystal"] = crystal
                sample["diffractionPlan"] = _split(row, "dp")
                container["samples"].append(sample)
        head["dewars"] = [
            {**dewar, "containers": list(dewar["containers"].values())} for dewar in dewars.values()
        ]
        return _json(head)

    @app.get("/ceiling/data-collections/<uuid>/movies")
    def movies(uuid):
        token = authorised()
        if not visible_to(token, uuid):
            return _json({"message": "not found"}, 404)
        limit = int(request.args.get("limit", 25))
        with em_db.connect() as connection:
            rows = _rows(
                connection,
                MOVIES,
                uuid=uuid,
                after=int(request.args.get("after", 0)),
                limit=limit + 1,
            )
        movies: dict[int, dict[str, Any]] = {}
        for row in rows:
            movie = movies.setdefault(
                row["movieId"],
                {**{k: v for k, v in row.items() if "__" not in k}, "motionCorrections": {}},
            )
            motion = _split(row, "mc")
            if motion["motionCorrectionId"] is None:
                continue
            motion = movie["motionCorrections"].setdefault(
                motion["motionCorrectionId"], {**motion, "ctfs": []}
            )
            ctf = _split(row, "ctf")
            if ctf["ctfId"] is not None:
                motion["ctfs"].append(ctf)
        page = list(movies.values())
        more = len(page) > limit
        page = page[:limit]
        for movie in page:
            movie["motionCorrections"] = list(movie["motionCorrections"].values())
        return _json(
            {
                "limit": limit,
                "next": {"after": page[-1]["movieNumber"]} if more else None,
                "results": page,
            }
        )

    @app.get("/ceiling/data-collections/<uuid>/summary")
    def summary(uuid):
        token = authorised()
        if not visible_to(token, uuid):
            return _json({"message": "not found"}, 404)
        body: dict[str, Any] = {"dataCollectionUUID": uuid, "statistics": {}}
        with em_db.connect() as connection:
            movie = _rows(connection, SUMMARY_MOVIES, uuid=uuid)[0]
            body.update(
                movies=movie["n"],
                firstMovieTime=movie["first"],
                lastMovieTime=movie["last"],
                lastMovieNumber=movie["lastNumber"],
            )
            for label, (aggregate, ranked) in SUMMARY_STATEMENTS.items():
                row = _rows(connection, aggregate, uuid=uuid)[0]
                body[label] = row["n"]
                for name, statement in ranked.items():
                    count = row[f"{name}.count"]
                    figures = {
                        "count": count,
                        "mean": float(row[f"{name}.sum"]) / count if count else None,
                        "min": row[f"{name}.min"],
                        "max": row[f"{name}.max"],
                    }
                    if count:
                        positions = {key: p / 100 * (count - 1) for key, p in _PERCENTILES}
                        ranks = sorted(
                            {math.floor(x) for x in positions.values()}
                            | {math.ceil(x) for x in positions.values()}
                        )
                        values = {
                            r["ordinal"]: float(r["value"])
                            for r in _rows(connection, statement, uuid=uuid, ranks=ranks)
                        }
                        for key, position in positions.items():
                            low, high = values[math.floor(position)], values[math.ceil(position)]
                            figures[key] = low + (high - low) * (position - math.floor(position))
                    body["statistics"][name] = figures
        return _json(body)

    @app.get("/ceiling/sessions/<uuid>/ssx-runs")
    def ssx_runs(uuid):
        token = authorised()
        session = core_get(f"/sessions/{uuid}", token)
        with ssx_db.connect() as connection:
            rows = _rows(connection, SSX_RUNS, uuid=session["uuid"])
        uuids = ",".join(row["dataCollectionUUID"] for row in rows)
        collections = (
            {
                row["uuid"]: row
                for row in core_get(
                    "/data-collections", token, **{"uuid.in": uuids, "limit": 1000}
                )["results"]
            }
            if rows
            else {}
        )
        results = []
        for row in rows:
            collection = collections.get(row["dataCollectionUUID"])
            if collection is None:
                continue
            run = {k: v for k, v in row.items() if "__" not in k}
            latest = _split(row, "res")
            run.update(
                startTime=collection.get("startTime"),
                numberOfImages=collection.get("numberOfImages"),
                latestResult=latest if latest["ssxProcessingResultId"] is not None else None,
            )
            results.append(run)
        return _json({"session": session.get("visit"), "sessionUUID": uuid, "results": results})

    @app.get("/ceiling/health")
    def health():
        return _json({"status": "ok"})

    return app
