from __future__ import annotations

from flask_restx import Namespace

from ..routes import add_resource_routes
from .service import MOVIES, get_movie

ns = Namespace(
    "movies",
    path="/movies",
    description="Movies with their per-micrograph results; POST /movies/batch ingests them",
)
add_resource_routes(
    ns, MOVIES, name="Movie", plural="movies", operations=("get",), get_row=get_movie
)
