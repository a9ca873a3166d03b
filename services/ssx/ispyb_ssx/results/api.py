"""Processing results and live hit/indexing chunks of SSX runs."""

from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.app import document_errors, list_params, load_body, register_models
from ispyb_shared.auth import current_caller
from ispyb_shared.core_client import Credentials
from ispyb_shared.db import db_session
from ispyb_shared.listing import list_params_doc

from ..access import require_reader, require_writer
from ..core import core
from ..runs.service import get_run
from . import service
from .schemas import ChunkCreate, ChunkRead, ResultCreate, ResultRead

ns = Namespace("results", path="/runs", description="Processing results and chunks of runs")
models = register_models(
    ns,
    {
        "ResultCreate": ResultCreate,
        "ResultRead": ResultRead,
        "ChunkCreate": ChunkCreate,
        "ChunkRead": ChunkRead,
    },
    list_of={"ResultList": "ResultRead", "ChunkList": "ChunkRead"},
)
result_read = ResultRead()
chunk_read = ChunkRead()


def _visible_run(db, ref: str):
    return get_run(db_session=db, ref=ref, core=core(), credentials=Credentials.of_request())


@ns.route("/<string:ref>/results")
@ns.param("ref", "Run UUID")
class Results(Resource):
    @ns.expect(models["ResultCreate"])
    @ns.response(201, "Stored", models["ResultRead"])
    @document_errors(ns, models, 403, 404, 415, 422)
    def post(self, ref):
        """Post a processing result (Preliminary or Final) of a run (ssx:write or staff)."""
        caller = current_caller()
        require_writer(caller)
        data = load_body(ResultCreate())
        db = db_session()
        run = _visible_run(db, ref).run
        result = service.add_result(db_session=db, run=run, data=data, caller=caller)
        return result_read.dump(result), 201

    @ns.doc(params=list_params_doc(service.RESULT_SPEC))
    @ns.response(200, "A page of the run's results", models["ResultList"])
    @document_errors(ns, models, 400, 403, 404)
    def get(self, ref):
        """The results of a run, oldest first."""
        require_reader(current_caller())
        params = list_params(service.RESULT_SPEC)
        db = db_session()
        run = _visible_run(db, ref).run
        page = service.list_results(db_session=db, run=run, params=params)
        return page.envelope(ResultRead(many=True).dump)


@ns.route("/<string:ref>/chunks")
@ns.param("ref", "Run UUID")
class Chunks(Resource):
    @ns.expect(models["ChunkCreate"])
    @ns.response(201, "Stored", models["ChunkRead"])
    @document_errors(ns, models, 403, 404, 409, 415, 422)
    def post(self, ref):
        """Hits and indexed images of one range of images (live monitoring)."""
        require_writer(current_caller())
        data = load_body(ChunkCreate())
        db = db_session()
        run = _visible_run(db, ref).run
        return chunk_read.dump(service.add_chunk(db_session=db, run=run, data=data)), 201

    @ns.doc(params=list_params_doc(service.CHUNK_SPEC))
    @ns.response(200, "A page of the run's chunks", models["ChunkList"])
    @document_errors(ns, models, 400, 403, 404)
    def get(self, ref):
        """The run's time series of hit and indexing rates, by first image."""
        require_reader(current_caller())
        params = list_params(service.CHUNK_SPEC)
        db = db_session()
        run = _visible_run(db, ref).run
        page = service.list_chunks(db_session=db, run=run, params=params)
        return page.envelope(ChunkRead(many=True).dump)
