from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.operations import operation

from ..access import authorize_reader, authorize_writer, request_scope
from ..resources import create_row, get_row, list_rows, update_row
from .schemas import (
    CryoemInitialModelCreate,
    CryoemInitialModelRead,
    ParticleClassificationGroupCreate,
    ParticleClassificationGroupRead,
    ParticleClassificationRead,
    ParticleClassificationUpdate,
    ParticlePickerCreate,
    ParticlePickerRead,
)
from .service import CLASSES, GROUPS, INITIAL_MODELS, PICKERS

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

# --- particle pickers ----------------------------------------------------------------------


@pickers.route("")
class ParticlePickerCollection(Resource):
    @operation(
        pickers,
        response=ParticlePickerRead,
        list_spec=PICKERS.list_spec,
        authorize=authorize_reader,
    )
    def get(self, *, params):
        """List particle pickings of data collections.

        dataCollectionUUID or dataCollectionUUID.in is required.
        """
        return list_rows(PICKERS, params=params, **request_scope())

    @operation(
        pickers,
        body=ParticlePickerCreate,
        response=ParticlePickerRead,
        status=201,
        authorize=authorize_writer,
    )
    def post(self, *, body):
        """Create a particle picker (pipelines with em:write, staff)."""
        return create_row(PICKERS, data=body, **request_scope())


@pickers.route("/<string:ref>")
@pickers.param("ref", "Id or UUID")
class ParticlePickerItem(Resource):
    @operation(pickers, response=ParticlePickerRead, errors=(404,), authorize=authorize_reader)
    def get(self, ref: str):
        """Get a particle picker by id or UUID."""
        return get_row(PICKERS, ref=ref, **request_scope())


# --- classification groups (batches) with their classes --------------------------------------


@groups.route("")
class ParticleClassificationGroupCollection(Resource):
    @operation(
        groups,
        response=ParticleClassificationGroupRead,
        list_spec=GROUPS.list_spec,
        authorize=authorize_reader,
    )
    def get(self, *, params):
        """List classification batches with their classes of data collections.

        dataCollectionUUID or dataCollectionUUID.in is required.
        """
        return list_rows(GROUPS, params=params, **request_scope())

    @operation(
        groups,
        body=ParticleClassificationGroupCreate,
        response=ParticleClassificationGroupRead,
        status=201,
        authorize=authorize_writer,
    )
    def post(self, *, body):
        """Create a classification batch with its classes (pipelines with em:write, staff).

        The batch and its classes are stored in one transaction.
        """
        return create_row(GROUPS, data=body, **request_scope())


@groups.route("/<string:ref>")
@groups.param("ref", "Id or UUID")
class ParticleClassificationGroupItem(Resource):
    @operation(
        groups,
        response=ParticleClassificationGroupRead,
        errors=(404,),
        authorize=authorize_reader,
    )
    def get(self, ref: str):
        """Get a particle classification group, with its classes, by id or UUID."""
        return get_row(GROUPS, ref=ref, **request_scope())


# --- classes -------------------------------------------------------------------------------


@classes.route("")
class ParticleClassificationCollection(Resource):
    @operation(
        classes,
        response=ParticleClassificationRead,
        list_spec=CLASSES.list_spec,
        authorize=authorize_reader,
    )
    def get(self, *, params):
        """List classes of data collections.

        dataCollectionUUID or dataCollectionUUID.in is required.
        """
        return list_rows(CLASSES, params=params, **request_scope())


@classes.route("/<string:ref>")
@classes.param("ref", "Id or UUID")
class ParticleClassificationItem(Resource):
    @operation(
        classes, response=ParticleClassificationRead, errors=(404,), authorize=authorize_reader
    )
    def get(self, ref: str):
        """Get a particle classification by id or UUID."""
        return get_row(CLASSES, ref=ref, **request_scope())

    @operation(
        classes,
        body=ParticleClassificationUpdate,
        partial=True,
        response=ParticleClassificationRead,
        errors=(404,),
        authorize=authorize_writer,
    )
    def patch(self, ref: str, *, body):
        """Change some fields of a particle classification (select a class)."""
        return update_row(CLASSES, ref=ref, data=body, **request_scope())


# --- initial models ------------------------------------------------------------------------


@initial_models.route("")
class CryoemInitialModelCollection(Resource):
    @operation(
        initial_models,
        response=CryoemInitialModelRead,
        list_spec=INITIAL_MODELS.list_spec,
        authorize=authorize_reader,
    )
    def get(self, *, params):
        """List initial models of data collections.

        dataCollectionUUID or dataCollectionUUID.in is required.
        """
        return list_rows(INITIAL_MODELS, params=params, **request_scope())

    @operation(
        initial_models,
        body=CryoemInitialModelCreate,
        response=CryoemInitialModelRead,
        status=201,
        authorize=authorize_writer,
    )
    def post(self, *, body):
        """Create an initial model (pipelines with em:write, staff).

        Its classes (particleClassificationIds) all belong to one data collection.
        """
        return create_row(INITIAL_MODELS, data=body, **request_scope())


@initial_models.route("/<string:ref>")
@initial_models.param("ref", "Id or UUID")
class CryoemInitialModelItem(Resource):
    @operation(
        initial_models,
        response=CryoemInitialModelRead,
        errors=(404,),
        authorize=authorize_reader,
    )
    def get(self, ref: str):
        """Get an initial model by id or UUID."""
        return get_row(INITIAL_MODELS, ref=ref, **request_scope())
