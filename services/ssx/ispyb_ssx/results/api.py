"""Processing results and live hit/indexing chunks of SSX runs."""

from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.core_client import Credentials
from ispyb_shared.db import db_session
from ispyb_shared.operations import operation

from ..access import authorize_reader, authorize_writer
from ..core import core
from ..runs.service import get_run
from . import service
from .schemas import ChunkCreate, ChunkRead, ResultCreate, ResultRead

ns = Namespace("results", path="/runs", description="Processing results and chunks of runs")


def _visible_run(ref: str):
    return get_run(
        db_session=db_session(), ref=ref, core=core(), credentials=Credentials.of_request()
    ).run


@ns.route("/<string:ref>/results")
@ns.param("ref", "Run UUID")
class Results(Resource):
    @operation(
        ns,
        body=ResultCreate,
        response=ResultRead,
        status=201,
        description="Stored",
        errors=(404,),
        authorize=authorize_writer,
    )
    def post(self, ref, *, body):
        """Post a processing result (Preliminary or Final) of a run (ssx:write or staff)."""
        return service.add_result(
            db_session=db_session(), run=_visible_run(ref), data=body, caller=current_caller()
        )

    @operation(
        ns,
        response=ResultRead,
        list_spec=service.RESULT_SPEC,
        errors=(404,),
        authorize=authorize_reader,
    )
    def get(self, ref, *, params):
        """The results of a run, oldest first."""
        return service.list_results(db_session=db_session(), run=_visible_run(ref), params=params)


@ns.route("/<string:ref>/chunks")
@ns.param("ref", "Run UUID")
class Chunks(Resource):
    @operation(
        ns,
        body=ChunkCreate,
        response=ChunkRead,
        status=201,
        description="Stored",
        errors=(404, 409),
        authorize=authorize_writer,
    )
    def post(self, ref, *, body):
        """Hits and indexed images of one range of images (live monitoring)."""
        return service.add_chunk(db_session=db_session(), run=_visible_run(ref), data=body)

    @operation(
        ns,
        response=ChunkRead,
        list_spec=service.CHUNK_SPEC,
        errors=(404,),
        authorize=authorize_reader,
    )
    def get(self, ref, *, params):
        """The run's time series of hit and indexing rates, by first image."""
        return service.list_chunks(db_session=db_session(), run=_visible_run(ref), params=params)
