"""Components of a proposal, their vocabularies, and the sample and crystal compositions
that use them."""

from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.core_client import Credentials
from ispyb_shared.db import db_session
from ispyb_shared.operations import operation

from ..access import authorize_reader, authorize_writer
from ..core import core
from . import service
from .models import ComponentType, ConcentrationType
from .schemas import (
    ComponentCreate,
    ComponentRead,
    ComponentTypeRead,
    ComponentUpdate,
    ConcentrationTypeRead,
    CrystalCompositionCreate,
    CrystalCompositionRead,
    SampleCompositionCreate,
    SampleCompositionRead,
)

ns = Namespace(
    "components",
    path="/",
    description="Components of a proposal, their vocabularies, sample and crystal compositions",
)


def _sample(uuid: str) -> dict | None:
    return core().sample(uuid, Credentials.of_request())


def _crystal(uuid: str) -> dict | None:
    return core().crystal(uuid, Credentials.of_request())


def _component(ref: str):
    return service.get_component(
        db_session=db_session(), ref=ref, core=core(), credentials=Credentials.of_request()
    )


# --- vocabularies --------------------------------------------------------------------------


@ns.route("/component-types")
class ComponentTypes(Resource):
    @operation(
        ns,
        response=ComponentTypeRead,
        list_spec=service.COMPONENT_TYPE_SPEC,
        authorize=authorize_reader,
    )
    def get(self, *, params):
        """The kinds of component (fixed vocabulary: Ligand, Buffer, JetMaterial, ...)."""
        return service.list_vocabulary(
            db_session=db_session(),
            model=ComponentType,
            params=params,
            spec=service.COMPONENT_TYPE_SPEC,
        )


@ns.route("/concentration-types")
class ConcentrationTypes(Resource):
    @operation(
        ns,
        response=ConcentrationTypeRead,
        list_spec=service.CONCENTRATION_TYPE_SPEC,
        authorize=authorize_reader,
    )
    def get(self, *, params):
        """The units of abundance (fixed vocabulary: M, mM, uM, mg/ml, %w/v, %v/v)."""
        return service.list_vocabulary(
            db_session=db_session(),
            model=ConcentrationType,
            params=params,
            spec=service.CONCENTRATION_TYPE_SPEC,
        )


# --- components ----------------------------------------------------------------------------


@ns.route("/components")
class Components(Resource):
    @operation(
        ns,
        response=ComponentRead,
        list_spec=service.COMPONENT_SPEC,
        errors=(404, 422),
        authorize=authorize_reader,
    )
    def get(self, *, params):
        """A proposal's components (proposalUUID required: one core check of the proposal)."""
        return service.list_components(
            db_session=db_session(),
            params=params,
            core=core(),
            credentials=Credentials.of_request(),
        )

    @operation(
        ns,
        body=ComponentCreate,
        response=ComponentRead,
        status=201,
        errors=(409,),
        authorize=authorize_writer,
    )
    def post(self, *, body):
        """Create a component of a proposal visible to the caller (ssx:write or staff)."""
        return service.create_component(
            db_session=db_session(), data=body, core=core(), credentials=Credentials.of_request()
        )


@ns.route("/components/<string:ref>")
@ns.param("ref", "Component id or UUID")
class ComponentItem(Resource):
    @operation(ns, response=ComponentRead, errors=(404,), authorize=authorize_reader)
    def get(self, ref):
        """A component (its proposal must be visible to the caller)."""
        return _component(ref)

    @operation(
        ns,
        body=ComponentUpdate,
        partial=True,
        response=ComponentRead,
        errors=(404, 409),
        authorize=authorize_writer,
    )
    def patch(self, ref, *, body):
        """Change a component's name, type or composition (ssx:write or staff)."""
        return service.update_component(
            db_session=db_session(), component=_component(ref), data=body
        )


# --- compositions --------------------------------------------------------------------------


@ns.route("/sample-compositions")
class SampleCompositions(Resource):
    @operation(
        ns,
        response=SampleCompositionRead,
        list_spec=service.SAMPLE_COMPOSITIONS.spec,
        errors=(404, 422),
        authorize=authorize_reader,
    )
    def get(self, *, params):
        """A core sample's composition, components nested (blSampleUUID required)."""
        return service.list_compositions(
            db_session=db_session(),
            kind=service.SAMPLE_COMPOSITIONS,
            params=params,
            lookup=_sample,
        )

    @operation(
        ns,
        body=SampleCompositionCreate,
        response=SampleCompositionRead,
        status=201,
        authorize=authorize_writer,
    )
    def post(self, *, body):
        """Add a component to a core sample of the component's proposal (ssx:write or staff)."""
        return service.create_composition(
            db_session=db_session(),
            kind=service.SAMPLE_COMPOSITIONS,
            data=body,
            core=core(),
            credentials=Credentials.of_request(),
            lookup=_sample,
        )


@ns.route("/crystal-compositions")
class CrystalCompositions(Resource):
    @operation(
        ns,
        response=CrystalCompositionRead,
        list_spec=service.CRYSTAL_COMPOSITIONS.spec,
        errors=(404, 422),
        authorize=authorize_reader,
    )
    def get(self, *, params):
        """A core crystal's composition, components nested (crystalUUID required)."""
        return service.list_compositions(
            db_session=db_session(),
            kind=service.CRYSTAL_COMPOSITIONS,
            params=params,
            lookup=_crystal,
        )

    @operation(
        ns,
        body=CrystalCompositionCreate,
        response=CrystalCompositionRead,
        status=201,
        authorize=authorize_writer,
    )
    def post(self, *, body):
        """Add a component to a core crystal of the component's proposal (ssx:write, staff)."""
        return service.create_composition(
            db_session=db_session(),
            kind=service.CRYSTAL_COMPOSITIONS,
            data=body,
            core=core(),
            credentials=Credentials.of_request(),
            lookup=_crystal,
        )
