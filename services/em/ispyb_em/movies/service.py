from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ..monitoring.service import with_results
from ..resources import OwnedResource, columns_of
from .models import Movie
from .schemas import MovieRead


def _with_results(db_session: Session, movies: list[Movie]) -> list[dict[str, Any]]:
    """Movies with their results, as in the per-movie series."""
    return with_results(db_session, [columns_of(movie) for movie in movies])


# Written by POST /movies/batch (ingestion).
MOVIES = OwnedResource(model=Movie, what="Movie", read=MovieRead, with_parts=_with_results)
