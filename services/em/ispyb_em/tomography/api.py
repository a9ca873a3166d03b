from __future__ import annotations

from flask_restx import Namespace

from ..routes import add_resource_routes
from . import service

tomograms = Namespace("tomograms", path="/tomograms", description="Reconstructed tomograms")
tilt_image_alignments = Namespace(
    "tilt-image-alignments",
    path="/tilt-image-alignments",
    description="Alignment of each tilt image (movie) in a tomogram (get by UUID)",
)
add_resource_routes(
    tomograms,
    service.TOMOGRAMS,
    name="Tomogram",
    plural="tomograms",
    operations=("list", "create", "get"),
)
add_resource_routes(
    tilt_image_alignments,
    service.TILT_IMAGE_ALIGNMENTS,
    name="TiltImageAlignment",
    plural="tilt image alignments",
    operations=("list", "create", "get"),
)
