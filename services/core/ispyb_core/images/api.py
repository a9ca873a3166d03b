from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.operations import operation

from . import service
from .schemas import ImageCreate, ImageRead, ImageUpdate

ns = Namespace("images", path="/images", description="Images (frames) of data collections")


def _image(ref: str):
    return service.get_image(db_session=db_session(), ref=ref, caller=current_caller())


@ns.route("")
class Images(Resource):
    @operation(ns, response=ImageRead, list_spec=service.LIST_SPEC)
    def get(self, *, params):
        """List images (by data collection, session, image number, file name)."""
        return service.list_images(db_session=db_session(), params=params, caller=current_caller())

    @operation(ns, body=ImageCreate, response=ImageRead, status=201, errors=(403,))
    def post(self, *, body):
        """Record an image of a data collection (beamline control)."""
        return service.create_image(db_session=db_session(), data=body, caller=current_caller())


@ns.route("/<string:ref>")
@ns.param("ref", "Image id or UUID")
class ImageItem(Resource):
    @operation(ns, response=ImageRead, errors=(404,))
    def get(self, ref: str):
        """Get an image by id or UUID."""
        return _image(ref)

    @operation(ns, body=ImageUpdate, partial=True, response=ImageRead, errors=(403, 404, 409))
    def patch(self, ref: str, *, body):
        """Change some fields of an image."""
        return service.update_image(
            db_session=db_session(), image=_image(ref), data=body, caller=current_caller()
        )
