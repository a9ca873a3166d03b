from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.operations import operation

from ..access import authorize_reader, authorize_writer, request_scope
from ..resources import create_row, get_row, list_rows
from . import service
from .schemas import (
    AtlasCreate,
    AtlasRead,
    FoilHoleCreate,
    FoilHoleRead,
    GridSquareCreate,
    GridSquareRead,
)
from .service import ATLASES, FOIL_HOLES, GRID_SQUARES

atlases = Namespace("atlases", path="/atlases", description="Atlases of cryo-EM grids")
grid_squares = Namespace(
    "grid-squares", path="/grid-squares", description="Grid squares of an atlas"
)
foil_holes = Namespace("foil-holes", path="/foil-holes", description="Foil holes of a grid square")

# --- atlases -------------------------------------------------------------------------------


@atlases.route("")
class AtlasCollection(Resource):
    @operation(
        atlases,
        response=AtlasRead,
        list_spec=ATLASES.list_spec,
        authorize=authorize_reader,
    )
    def get(self, *, params):
        """List atlases of data collections.

        dataCollectionUUID or dataCollectionUUID.in is required.
        """
        return list_rows(ATLASES, params=params, **request_scope())

    @operation(
        atlases,
        body=AtlasCreate,
        response=AtlasRead,
        status=201,
        authorize=authorize_writer,
    )
    def post(self, *, body):
        """Create the atlas of a data collection's grid (pipelines with em:write, staff)."""
        return service.create_atlas(data=body, **request_scope())


@atlases.route("/<string:ref>")
@atlases.param("ref", "Id or UUID")
class AtlasItem(Resource):
    @operation(atlases, response=AtlasRead, errors=(404,), authorize=authorize_reader)
    def get(self, ref: str):
        """Get an atlas by id or UUID."""
        return get_row(ATLASES, ref=ref, **request_scope())


# --- grid squares --------------------------------------------------------------------------


@grid_squares.route("")
class GridSquareCollection(Resource):
    @operation(
        grid_squares,
        response=GridSquareRead,
        list_spec=GRID_SQUARES.list_spec,
        authorize=authorize_reader,
    )
    def get(self, *, params):
        """List grid squares of data collections.

        dataCollectionUUID or dataCollectionUUID.in is required.
        """
        return list_rows(GRID_SQUARES, params=params, **request_scope())

    @operation(
        grid_squares,
        body=GridSquareCreate,
        response=GridSquareRead,
        status=201,
        authorize=authorize_writer,
    )
    def post(self, *, body):
        """Create a grid square of an atlas (pipelines with em:write, staff)."""
        return create_row(GRID_SQUARES, data=body, **request_scope())


@grid_squares.route("/<string:ref>")
@grid_squares.param("ref", "Id or UUID")
class GridSquareItem(Resource):
    @operation(grid_squares, response=GridSquareRead, errors=(404,), authorize=authorize_reader)
    def get(self, ref: str):
        """Get a grid square by id or UUID."""
        return get_row(GRID_SQUARES, ref=ref, **request_scope())


# --- foil holes ----------------------------------------------------------------------------


@foil_holes.route("")
class FoilHoleCollection(Resource):
    @operation(
        foil_holes,
        response=FoilHoleRead,
        list_spec=FOIL_HOLES.list_spec,
        authorize=authorize_reader,
    )
    def get(self, *, params):
        """List foil holes of data collections.

        dataCollectionUUID or dataCollectionUUID.in is required.
        """
        return list_rows(FOIL_HOLES, params=params, **request_scope())

    @operation(
        foil_holes,
        body=FoilHoleCreate,
        response=FoilHoleRead,
        status=201,
        authorize=authorize_writer,
    )
    def post(self, *, body):
        """Create a foil hole of a grid square (pipelines with em:write, staff)."""
        return create_row(FOIL_HOLES, data=body, **request_scope())


@foil_holes.route("/<string:ref>")
@foil_holes.param("ref", "Id or UUID")
class FoilHoleItem(Resource):
    @operation(foil_holes, response=FoilHoleRead, errors=(404,), authorize=authorize_reader)
    def get(self, ref: str):
        """Get a foil hole by id or UUID."""
        return get_row(FOIL_HOLES, ref=ref, **request_scope())
