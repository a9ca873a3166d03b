from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.operations import operation

from ..access import authorize_reader, authorize_writer, request_scope
from ..resources import create_row, get_row, list_rows
from .schemas import (
    TiltImageAlignmentCreate,
    TiltImageAlignmentRead,
    TomogramCreate,
    TomogramRead,
)
from .service import TILT_IMAGE_ALIGNMENTS, TOMOGRAMS

tomograms = Namespace("tomograms", path="/tomograms", description="Reconstructed tomograms")
tilt_image_alignments = Namespace(
    "tilt-image-alignments",
    path="/tilt-image-alignments",
    description="Alignment of each tilt image (movie) in a tomogram (get by UUID)",
)

# --- tomograms -----------------------------------------------------------------------------


@tomograms.route("")
class TomogramCollection(Resource):
    @operation(
        tomograms,
        response=TomogramRead,
        list_spec=TOMOGRAMS.list_spec,
        authorize=authorize_reader,
    )
    def get(self, *, params):
        """List tomograms of data collections.

        dataCollectionUUID or dataCollectionUUID.in is required.
        """
        return list_rows(TOMOGRAMS, params=params, **request_scope())

    @operation(
        tomograms,
        body=TomogramCreate,
        response=TomogramRead,
        status=201,
        authorize=authorize_writer,
    )
    def post(self, *, body):
        """Create a tomogram (pipelines with em:write, staff)."""
        return create_row(TOMOGRAMS, data=body, **request_scope())


@tomograms.route("/<string:ref>")
@tomograms.param("ref", "Id or UUID")
class TomogramItem(Resource):
    @operation(tomograms, response=TomogramRead, errors=(404,), authorize=authorize_reader)
    def get(self, ref: str):
        """Get a tomogram by id or UUID."""
        return get_row(TOMOGRAMS, ref=ref, **request_scope())


# --- tilt image alignments -----------------------------------------------------------------


@tilt_image_alignments.route("")
class TiltImageAlignmentCollection(Resource):
    @operation(
        tilt_image_alignments,
        response=TiltImageAlignmentRead,
        list_spec=TILT_IMAGE_ALIGNMENTS.list_spec,
        authorize=authorize_reader,
    )
    def get(self, *, params):
        """List tilt image alignments of data collections.

        dataCollectionUUID or dataCollectionUUID.in is required.
        """
        return list_rows(TILT_IMAGE_ALIGNMENTS, params=params, **request_scope())

    @operation(
        tilt_image_alignments,
        body=TiltImageAlignmentCreate,
        response=TiltImageAlignmentRead,
        status=201,
        errors=(409,),
        authorize=authorize_writer,
    )
    def post(self, *, body):
        """Create a tilt image alignment (pipelines with em:write, staff).

        One per (tomogram, movie): a second one is a 409.
        """
        return create_row(TILT_IMAGE_ALIGNMENTS, data=body, **request_scope())


@tilt_image_alignments.route("/<string:ref>")
@tilt_image_alignments.param("ref", "Id or UUID")
class TiltImageAlignmentItem(Resource):
    @operation(
        tilt_image_alignments,
        response=TiltImageAlignmentRead,
        errors=(404,),
        authorize=authorize_reader,
    )
    def get(self, ref: str):
        """Get a tilt image alignment by id or UUID."""
        return get_row(TILT_IMAGE_ALIGNMENTS, ref=ref, **request_scope())
