"""py-ispyb's ``/data/images``, ``/data/images/header`` and ``/data/images/histogram``
(py-ispyb-ui's image viewer, "Braggy"). Thin: service.py translates onto core's
detector-image routes."""

from __future__ import annotations

from flask import redirect, request
from flask_restx import Namespace, Resource

from ispyb_shared.operations import operation

from . import service

ns = Namespace(
    "pyispyb-data-images",
    path="/pyispyb/data/images",
    description="py-ispyb dialect (py-ispyb-ui's image viewer): a detector image's header, "
    "histogram and pixels, read by core from the data collection's files",
)
NAMESPACES = [ns]

PARAMS = {
    "dataCollectionId": "Data collection id (required)",
    "imageNumber": "Image number, from 1 (required)",
}


@ns.route("")
class Image(Resource):
    @ns.doc(params=PARAMS)
    @ns.response(302, "To core's signed URL of the pixels (float32, row by row)")
    @ns.response(400, "A parameter is missing or bad")
    @ns.response(404, "Not there, not visible, or no files served")
    def get(self):
        """An image's pixels (py-ispyb's raw image, float32): a redirection to core's
        short-lived signed URL of them."""
        answer = redirect(service.pixels_url(request.args), code=302)
        answer.headers["Cache-Control"] = "private, no-store"
        return answer


@ns.route("/header")
class ImageHeader(Resource):
    @ns.doc(params=PARAMS)
    @operation(ns, errors=(400, 404, 422, 503), description="py-ispyb's answer")
    def get(self):
        """``{braggy_hdr: {wavelength, detector_distance, beam_cx, beam_cy, beam_ocx,
        beam_ocy, detector_radius, pixel_size_x, pixel_size_y, img_width, img_height, pxxpm,
        pxypm, min, max, mean, std, positive_min, strict_positive_min}}`` (lengths in m)."""
        return service.header(request.args)


@ns.route("/histogram")
class ImageHistogram(Resource):
    @ns.doc(params=PARAMS)
    @operation(ns, errors=(400, 404, 422, 503), description="py-ispyb's answer")
    def get(self):
        """``{values, bins, shape, max}``: the image's histogram (py-ispyb's bins)."""
        return service.histogram(request.args)
