"""Tomograms and their tilt image alignments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ispyb_shared.listing import Filter, ListSpec

from ..grids.models import GridSquare
from ..grids.service import grid_square_group
from ..movies.models import Movie
from ..ownership import References, data_collection_filter
from ..programs.models import AutoProcProgram
from ..resources import OwnedResource
from .models import TiltImageAlignment, Tomogram
from .schemas import (
    TiltImageAlignmentCreate,
    TiltImageAlignmentRead,
    TomogramCreate,
    TomogramRead,
)


def _tomogram_owner(references: References, data: Mapping[str, Any]) -> str | None:
    uuid = data["dataCollectionUUID"]
    record = references.data_collection("dataCollectionUUID", uuid)
    program = references.row(
        "autoProcProgramId", AutoProcProgram, data.get("autoProcProgramId"), table="program run"
    )
    references.same_data_collection("autoProcProgramId", program, uuid)
    square = data.get("gridSquareId")
    square_visible = references.row("gridSquareId", GridSquare, square, table="grid square")
    grid = record.get("dataCollectionGroupUUID") if record else None
    if square_visible and grid and grid_square_group(references.db_session, square) != grid:
        references.add("gridSquareId", f"Grid square {square} is on another grid.")
    return uuid if record else None


def _alignment_owner(references: References, data: Mapping[str, Any]) -> str | None:
    owner = references.row("tomogramId", Tomogram, data["tomogramId"], table="tomogram")
    movie = references.row("movieId", Movie, data["movieId"], table="movie")
    references.same_data_collection("movieId", movie, owner)
    return owner


TOMOGRAMS = OwnedResource(
    model=Tomogram,
    what="Tomogram",
    read=TomogramRead,
    create=TomogramCreate,
    owner_of=_tomogram_owner,
    list_spec=ListSpec(
        filters={
            "dataCollectionUUID": data_collection_filter(Tomogram),
            "gridSquareId": Filter(Tomogram.gridSquareId, ("eq", "in"), "Grid square"),
            "autoProcProgramId": Filter(Tomogram.autoProcProgramId, ("eq", "in"), "Program"),
        },
        sortable={"tomogramId": Tomogram.tomogramId},
        default_sort=("tomogramId",),
        tiebreak=(Tomogram.tomogramId,),
    ),
)
TILT_IMAGE_ALIGNMENTS = OwnedResource(
    model=TiltImageAlignment,
    what="Tilt image alignment",
    read=TiltImageAlignmentRead,
    create=TiltImageAlignmentCreate,
    owner_of=_alignment_owner,
    list_spec=ListSpec(
        filters={
            "dataCollectionUUID": data_collection_filter(TiltImageAlignment),
            "tomogramId": Filter(TiltImageAlignment.tomogramId, ("eq", "in"), "Tomogram"),
            "movieId": Filter(TiltImageAlignment.movieId, ("eq", "in"), "Tilt image (movie)"),
        },
        sortable={
            "tomogramId": TiltImageAlignment.tomogramId,
            "movieId": TiltImageAlignment.movieId,
            "refinedTiltAngle": TiltImageAlignment.refinedTiltAngle,
        },
        default_sort=("tomogramId", "movieId"),
        tiebreak=(TiltImageAlignment.tomogramId, TiltImageAlignment.movieId),
    ),
)
