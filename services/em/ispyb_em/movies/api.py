from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.operations import operation

from ..access import authorize_reader, request_scope
from ..resources import get_row
from .schemas import MovieRead
from .service import MOVIES

ns = Namespace(
    "movies",
    path="/movies",
    description="Movies with their per-micrograph results; POST /movies/batch ingests them",
)


@ns.route("/<string:ref>")
@ns.param("ref", "Id or UUID")
class MovieItem(Resource):
    @operation(ns, response=MovieRead, errors=(404,), authorize=authorize_reader)
    def get(self, ref: str):
        """Get a movie, with its motion corrections and their results, by id or UUID."""
        return get_row(MOVIES, ref=ref, **request_scope())
