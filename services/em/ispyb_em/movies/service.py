from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ispyb_shared.auth import Caller

from ..access import DataCollections
from ..monitoring.service import with_results
from ..resources import OwnedResource, columns_of, get_row
from .models import Movie
from .schemas import MovieRead

# Written by POST /movies/batch (ingestion).
MOVIES = OwnedResource(model=Movie, what="Movie", read=MovieRead)


def get_movie(
    *, db_session: Session, ref: str, caller: Caller, data_collections: DataCollections
) -> dict[str, Any]:
    """One movie with its results, as in the per-movie series."""
    movie = get_row(
        MOVIES, db_session=db_session, ref=ref, caller=caller, data_collections=data_collections
    )
    return with_results(db_session, [columns_of(movie)])[0]
