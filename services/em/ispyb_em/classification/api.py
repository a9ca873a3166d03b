from __future__ import annotations

from flask_restx import Namespace

from ..routes import add_resource_routes
from . import service

pickers = Namespace(
    "particle-pickers",
    path="/particle-pickers",
    description="Particle picking runs (per micrograph ones usually come with the movie batch)",
)
groups = Namespace(
    "particle-classification-groups",
    path="/particle-classification-groups",
    description="2D/3D classification batches with their classes and class images",
)
classes = Namespace(
    "particle-classifications",
    path="/particle-classifications",
    description="Classes of classification batches: select them, filter the selected ones",
)
initial_models = Namespace(
    "cryoem-initial-models",
    path="/cryoem-initial-models",
    description="Initial 3D models and the classes they were built from",
)

add_resource_routes(
    pickers,
    service.PICKERS,
    name="ParticlePicker",
    plural="particle pickings",
    operations=("list", "create", "get"),
)
add_resource_routes(
    groups,
    service.GROUPS,
    name="ParticleClassificationGroup",
    plural="classification batches with their classes",
    operations=("list", "create", "get"),
    list_rows=service.list_groups,
    create_row=service.create_group,
    get_row=service.get_group,
)
add_resource_routes(
    classes,
    service.CLASSES,
    name="ParticleClassification",
    plural="classes",
    operations=("list", "get", "update"),
)
add_resource_routes(
    initial_models,
    service.INITIAL_MODELS,
    name="CryoemInitialModel",
    plural="initial models",
    operations=("list", "create", "get"),
    list_rows=service.list_initial_models,
    create_row=service.create_initial_model,
    get_row=service.get_initial_model,
)
