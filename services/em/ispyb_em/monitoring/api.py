from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import current_app, request
from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.errors import InvalidParameter, NotFound
from ispyb_shared.operations import operation
from ispyb_shared.uuids import parse_uuid

from ..access import authorize_reader, caller_data_collections
from . import service
from .fields import NUMERIC_FIELDS
from .schemas import Histogram, MovieSeries, Summary

ns = Namespace(
    "data-collections",
    path="/data-collections",
    description="Live monitoring of a data collection: summary, histograms, per-movie series",
)


def _integer(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ValueError("Not a valid integer.") from None


def _number(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError("Not a valid number.") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("Not a finite number.")
    return value


def _query(parsers: Mapping[str, Callable[[str], Any]]) -> dict[str, Any]:
    """The query parameters, parsed; unknown ones and bad values are refused, named."""
    problems: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for key, raw in request.args.items():
        if key not in parsers:
            problems[key] = ["Unknown parameter."]
            continue
        try:
            values[key] = parsers[key](raw)
        except ValueError as exc:
            problems[key] = [str(exc)]
    if problems:
        raise InvalidParameter("Invalid query parameters.", problems)
    return values


def _data_collection(uuid: str) -> str:
    """The canonical UUID of a data collection the caller may see; else 404."""
    canonical = parse_uuid(uuid)
    if canonical is None:
        raise NotFound(f"Data collection {uuid} does not exist.", {"ref": [uuid]})
    service.require_data_collection(
        caller=current_caller(), data_collections=caller_data_collections(), uuid=canonical
    )
    return canonical


@ns.route("/<string:uuid>/summary")
@ns.param("uuid", "UUID of the data collection (in core)")
class DataCollectionSummary(Resource):
    @operation(
        ns,
        response=Summary,
        description="Counts and statistics",
        errors=(400, 404),
        authorize=authorize_reader,
    )
    def get(self, uuid: str):
        """Counts, and mean, min, max, median and percentiles of total motion, defocus, CTF
        resolution, astigmatism, ice thickness and particles per micrograph."""
        _query({})
        canonical = _data_collection(uuid)
        return service.summary(db_session=db_session(), data_collection_uuid=canonical)


@ns.route("/<string:uuid>/histogram")
@ns.param("uuid", "UUID of the data collection (in core)")
class DataCollectionHistogram(Resource):
    @ns.doc(
        params={
            "field": {
                "type": "string",
                "required": True,
                "description": "Numeric field: " + ", ".join(NUMERIC_FIELDS),
            },
            "bins": {
                "type": "integer",
                "description": f"Number of buckets, 1 to {service.MAX_BINS} (default 20).",
            },
            "low": {"type": "number", "description": "Lower edge (default: smallest value)."},
            "high": {"type": "number", "description": "Upper edge (default: largest value)."},
        }
    )
    @operation(
        ns,
        response=Histogram,
        description="The histogram",
        errors=(400, 404),
        authorize=authorize_reader,
    )
    def get(self, uuid: str):
        """Histogram of a numeric field over the data collection, computed in the
        database: bucket = floor((x - low) / width)."""
        query = _query({"field": str, "bins": _integer, "low": _number, "high": _number})
        if "field" not in query:
            raise InvalidParameter("Invalid query parameters.", {"field": ["Required."]})
        canonical = _data_collection(uuid)
        return service.histogram(
            db_session=db_session(),
            data_collection_uuid=canonical,
            field=query["field"],
            bins=query.get("bins", 20),
            low=query.get("low"),
            high=query.get("high"),
        )


@ns.route("/<string:uuid>/movies")
@ns.param("uuid", "UUID of the data collection (in core)")
class DataCollectionMovies(Resource):
    @ns.doc(
        params={
            "after": {
                "type": "integer",
                "description": "Movies numbered above this movieNumber, in acquisition order "
                "(default: from the first).",
            },
            "before": {
                "type": "integer",
                "description": "Movies numbered below this movieNumber, newest first.",
            },
            "limit": {
                "type": "integer",
                "description": "Page size, 1 to api.max_limit (default api.default_limit).",
            },
        }
    )
    @operation(
        ns,
        response=MovieSeries,
        description="A page of the series",
        errors=(400, 404),
        authorize=authorize_reader,
    )
    def get(self, uuid: str):
        """The per-movie series with each movie's results, paged by keyset on movieNumber
        (pass next.after or next.before to get the next page; fast at any depth)."""
        api_config = current_app.config["ISPYB_CONFIG"]["api"]
        query = _query({"after": _integer, "before": _integer, "limit": _integer})
        limit = query.get("limit", api_config["default_limit"])
        if not 1 <= limit <= api_config["max_limit"]:
            raise InvalidParameter(
                "Invalid query parameters.",
                {"limit": [f"Must be between 1 and {api_config['max_limit']}."]},
            )
        canonical = _data_collection(uuid)
        return service.movie_series(
            db_session=db_session(),
            data_collection_uuid=canonical,
            limit=limit,
            after=query.get("after"),
            before=query.get("before"),
        )
