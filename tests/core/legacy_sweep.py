"""Read every row of a database through every GET endpoint of core and compare with SQL.

Endpoints come from core's own OpenAPI document: lists are paged to the end, item and
nested endpoints are called for every row of the collection their path names. Every JSON
object that carries a ``uuid`` is matched to its row by that uuid, and every field named
like one of the row's columns must equal the column's value as documented: zero dates as
null, ``BINARY(16)`` external ids as UUID text, ``processingStatus`` as true/false/null,
CC½ and CCanom in percent (docs/data-collections.md, "Statistics with one meaning").
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid as uuid_module
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

PREFIX = "/ispyb/api/v1/core"
PAGE = 200
PARAMETER = re.compile(r"\{([^}]+)\}")
CORRELATIONS = ("ccHalf", "ccAnomalous")


@dataclass
class Sweep:
    model_columns: dict[str, set[str]]
    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    compared_values: int = 0
    seen: set[tuple[str, str]] = field(default_factory=set)
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    not_found: list[str] = field(default_factory=list)


def database_rows(query, tables: list[str]) -> dict[str, tuple[str, dict[str, Any]]]:
    """uuid -> (table, row) for every row of ``tables``."""
    rows = {}
    for table in tables:
        for row in query(f"SELECT * FROM `{table}`"):
            rows[row["uuid"]] = (table, {key.lower(): value for key, value in row.items()})
    return rows


def correlation_factors(rows: dict[str, tuple[str, dict[str, Any]]]) -> dict[int, float]:
    """autoProcScalingId -> the factor that puts its CC½ and CCanom in percent.

    The documented rule: a scaling's convention is read from its overall CC½ (a
    magnitude above 1 means percent); without one, from the largest CC½ of its shells,
    then from the largest CCanom.
    """
    shells: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for table, row in rows.values():
        if table == "AutoProcScalingStatistics" and row["autoprocscalingid"] is not None:
            shells[row["autoprocscalingid"]].append(row)
    factors = {}
    for scaling_id, members in shells.items():
        overall = [
            abs(row["cchalf"])
            for row in members
            if row["scalingstatisticstype"] == "overall" and row["cchalf"] is not None
        ]
        candidates = overall or [abs(r["cchalf"]) for r in members if r["cchalf"] is not None]
        if not candidates:
            anomalous = [
                r["ccanomalous"] if r.get("ccanomalous") is not None else r.get("ccano")
                for r in members
            ]
            candidates = [abs(value) for value in anomalous if value is not None]
        factors[scaling_id] = 100.0 if candidates and max(candidates) <= 1 else 1.0
    return factors


def expected(table: str, column: str, value: Any, row: dict[str, Any], factors) -> Any:
    if isinstance(value, str) and value.startswith("0000-00-00"):
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value
    if isinstance(value, bytes):
        return str(uuid_module.UUID(bytes=value)) if len(value) == 16 else value
    if isinstance(value, Decimal):
        return float(value)
    if table == "AutoProcProgram" and column == "processingstatus" and value is not None:
        text = str(value).upper()
        return True if text in ("1", "SUCCESS") else False if text in ("0", "FAILED") else None
    if table == "AutoProcScalingStatistics" and column in ("cchalf", "ccanomalous"):
        if column == "ccanomalous" and value is None:
            value = row.get("ccano")  # ESRF's flavour keeps CCanom there
        if value is None:
            return None
        return value * factors.get(row["autoprocscalingid"], 1.0)
    return value


def same(served: Any, wanted: Any) -> bool:
    if isinstance(wanted, dt.datetime | dt.date) and isinstance(served, str):
        parsed = dt.datetime.fromisoformat(served.replace("Z", "+00:00"))
        if isinstance(wanted, dt.datetime):
            return parsed.replace(tzinfo=None) == wanted
        return parsed.date() == wanted
    if isinstance(served, bool) or isinstance(wanted, bool):
        return wanted is None if served is None else bool(served) == bool(wanted)
    if isinstance(served, float) or isinstance(wanted, float):
        if served is None or wanted is None:
            return served is wanted
        return math.isclose(float(served), float(wanted), rel_tol=1e-6, abs_tol=1e-9)
    return served == wanted


def check_object(sweep: Sweep, path: str, obj: dict, rows, factors) -> None:
    found = rows.get(obj.get("uuid")) if isinstance(obj.get("uuid"), str) else None
    if found is not None:
        table, row = found
        sweep.seen.add((table, obj["uuid"]))
        for key, served in obj.items():
            # A field is a column when core's model maps a column of that name; the
            # database's name may differ in case (ESRF's diffractionPlanUUID).
            column = key.lower()
            if key not in sweep.model_columns[table] or isinstance(served, dict | list):
                continue
            wanted = expected(table, column, row[column], row, factors)
            sweep.compared_values += 1
            if not same(served, wanted):
                sweep.mismatches.append(
                    f"{path}: {table}.{key} of {obj['uuid']}: served {served!r}, "
                    f"database {row[column]!r} (expected {wanted!r})"
                )
    for value in obj.values():
        walk(sweep, path, value, rows, factors)


def walk(sweep: Sweep, path: str, value: Any, rows, factors) -> None:
    if isinstance(value, dict):
        check_object(sweep, path, value, rows, factors)
    elif isinstance(value, list):
        for item in value:
            walk(sweep, path, item, rows, factors)


def get(sweep: Sweep, client, path: str, rows, factors) -> Any:
    response = client.get(PREFIX + path)
    sweep.requests += 1
    sweep.statuses[response.status_code] += 1
    if response.status_code >= 500:
        sweep.server_errors.append(f"GET {path}: {response.status_code} {response.get_data()!r}")
        return None
    if response.status_code == 404:
        sweep.not_found.append(path)
    if response.status_code != 200 or not response.is_json:
        return None
    body = response.json
    walk(sweep, path, body, rows, factors)
    return body


def get_all(sweep: Sweep, client, path: str, rows, factors) -> list[dict] | None:
    """A list endpoint paged to the end (its results), or an item endpoint's body."""
    separator = "&" if "?" in path else "?"
    body = get(sweep, client, f"{path}{separator}limit={PAGE}", rows, factors)
    if not isinstance(body, dict) or "results" not in body:
        return None if body is None else [body]
    results = list(body["results"])
    total = body.get("total", len(results))
    if total is None:  # a cursor-only list (the timelines): follow links.next to the end
        while (body.get("links") or {}).get("next"):
            cursor = parse_qs(urlsplit(body["links"]["next"]).query).get("after", [None])[0]
            if cursor is None:
                break
            body = get(
                sweep,
                client,
                f"{path}{separator}limit={PAGE}&{urlencode({'after': cursor})}",
                rows,
                factors,
            )
            if not isinstance(body, dict) or not body.get("results"):
                break
            results += body["results"]
        return results
    while len(results) < total:
        page = get(
            sweep, client, f"{path}{separator}limit={PAGE}&offset={len(results)}", rows, factors
        )
        if not page or not page.get("results"):
            break
        results += page["results"]
    return results


def run(client, rows, factors, model_columns: dict[str, set[str]]) -> Sweep:
    sweep = Sweep(model_columns)
    spec = client.get(PREFIX + "/swagger.json").json
    paths = sorted(path for path, operations in spec["paths"].items() if "get" in operations)
    collections: dict[str, list[dict]] = {}
    for path in paths:
        if "{" not in path:
            collections[path] = get_all(sweep, client, path, rows, factors) or []
    for path in paths:
        if "{" in path:
            _expand(sweep, client, path, "", collections, rows, factors)
    return sweep


def _expand(sweep, client, template: str, done: str, collections, rows, factors) -> None:
    """Fill the path's parameters left to right from the collection each one names."""
    match = PARAMETER.search(template)
    if match is None:
        results = get_all(sweep, client, done + template, rows, factors)
        if results is not None:
            collections[done + template] = results
        return
    before = done + template[: match.start()].rstrip("/")
    if before not in collections:
        collections[before] = get_all(sweep, client, before, rows, factors) or []
    collection = collections[before]
    for item in collection:
        reference = _reference(item, match.group(1))
        if reference is None:
            continue
        _expand(
            sweep,
            client,
            template[match.end() :],
            f"{done}{template[: match.start()]}{reference}",
            collections,
            rows,
            factors,
        )


def _reference(item: dict, parameter: str) -> str | None:
    """What to put for ``parameter`` from an item of the collection the path names.

    ``ref`` is the item itself; ``person_ref`` in ``/proposals/{ref}/members/{person_ref}``
    is the person the membership item names (its nested ``Person`` or its ``personId``).
    """
    if parameter == "ref":
        return item.get("uuid") if isinstance(item.get("uuid"), str) else None
    name = parameter.removesuffix("_ref").replace("_", "").lower()
    for key, value in item.items():
        if key.lower() == name and isinstance(value, dict) and isinstance(value.get("uuid"), str):
            return value["uuid"]
    for key, value in item.items():
        if key.lower() in (f"{name}id", f"blsample{name}id") and isinstance(value, int):
            return str(value)
    return None
