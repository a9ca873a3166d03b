from __future__ import annotations

from flask_restx import Namespace

from ..routes import add_resource_routes
from . import service

atlases = Namespace("atlases", path="/atlases", description="Atlases of cryo-EM grids")
grid_squares = Namespace(
    "grid-squares", path="/grid-squares", description="Grid squares of an atlas"
)
foil_holes = Namespace("foil-holes", path="/foil-holes", description="Foil holes of a grid square")
add_resource_routes(
    atlases,
    service.ATLASES,
    name="Atlas",
    plural="atlases",
    operations=("list", "create", "get"),
    create_row=service.create_atlas,
)
add_resource_routes(
    grid_squares,
    service.GRID_SQUARES,
    name="GridSquare",
    plural="grid squares",
    operations=("list", "create", "get"),
)
add_resource_routes(
    foil_holes,
    service.FOIL_HOLES,
    name="FoilHole",
    plural="foil holes",
    operations=("list", "create", "get"),
)
