"""``/data-collections/{ref}/image-quality``: the per-image analysis of a data collection
(its own namespace on the data collections' path), and its plot as a file route."""

from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.errors import NotFound
from ispyb_shared.files import file_routes
from ispyb_shared.operations import operation

from ..data_collections import service as data_collections
from . import service
from .schemas import ImageQualityDocument, ImageQualityIndicatorsRead, ImageQualityRecorded

ns = Namespace(
    "image-quality-indicators",
    path="/data-collections",
    description="Per-image analysis of data collections (ImageQualityIndicators) and its plot",
)


def _collection(ref: str):
    return data_collections.get_data_collection(
        db_session=db_session(), ref=ref, caller=current_caller()
    )


@ns.route("/<string:ref>/image-quality")
@ns.param("ref", "Data collection id or UUID")
class ImageQuality(Resource):
    @operation(ns, response=ImageQualityIndicatorsRead, list_spec=service.LIST_SPEC, errors=(404,))
    def get(self, ref: str, *, params):
        """List a data collection's per-image analysis, by image number (``after=`` pages
        through a long sweep)."""
        return service.list_indicators(
            db_session=db_session(), collection=_collection(ref), params=params
        )

    @operation(
        ns,
        body=ImageQualityDocument,
        response=ImageQualityRecorded,
        status=201,
        errors=(403, 404),
    )
    def post(self, ref: str, *, body):
        """Record the analysis of a batch of images in one transaction (per-image analysis
        pipelines; an image number already recorded is replaced)."""
        collection = service.collection_for_pipeline(
            db_session=db_session(), ref=ref, caller=current_caller()
        )
        return service.record_indicators(db_session=db_session(), collection=collection, data=body)


def _plot_path(ref: str) -> str:
    path = _collection(ref).imageQualityIndicatorsPlotPath
    if not path:
        raise NotFound(f"Data collection {ref} has no per-image analysis plot.")
    return path


file_routes(
    ns,
    "/<string:ref>/image-quality/plot",
    name="ImageQualityPlot",
    params={"ref": "Data collection id or UUID"},
    locate=_plot_path,
    summary="The plot of a data collection's per-image analysis "
    "(imageQualityIndicatorsPlotPath; ?width= for a thumbnail); a token or a signed URL.",
    url_summary="A short-lived URL of the plot that needs no token (for <img src>).",
)
