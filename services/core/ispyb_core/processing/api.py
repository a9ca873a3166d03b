from __future__ import annotations

from flask import Response, request
from flask_restx import Namespace, Resource

from ispyb_shared.app import document_errors, list_params, load_body, register_models
from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.errors import InvalidParameter, NotFound
from ispyb_shared.listing import list_params_doc

from ..data_collections import service as data_collections
from . import service
from .mmcif import mmcif_fragment
from .schemas import (
    BestResultRead,
    ComparisonRead,
    ProcessingProgramUpdate,
    ProcessingResultWrite,
    ProcessingRunCreate,
    ProcessingRunRead,
    SessionDataCollectionRead,
)

ns = Namespace(
    "processing",
    path="/",
    description="Processing runs and results: pipelines write them, users read them",
)
models = register_models(
    ns,
    {
        "ProcessingRunCreate": ProcessingRunCreate,
        "ProcessingProgramUpdate": ProcessingProgramUpdate,
        "ProcessingResultWrite": ProcessingResultWrite,
        "ProcessingRunRead": ProcessingRunRead,
        "ComparisonRead": ComparisonRead,
        "BestResultRead": BestResultRead,
        "SessionDataCollectionRead": SessionDataCollectionRead,
    },
    list_of={"SessionDataCollectionList": "SessionDataCollectionRead"},
)
run_read = ProcessingRunRead()
run_read_many = ProcessingRunRead(many=True)
comparison_read = ComparisonRead()
summary_read_many = SessionDataCollectionRead(many=True)


@ns.route("/processing-programs")
class ProcessingPrograms(Resource):
    @ns.expect(models["ProcessingRunCreate"])
    @ns.response(201, "Registered", models["ProcessingRunRead"])
    @document_errors(ns, models, 400, 403, 415, 422)
    def post(self):
        """Register a processing run for its sweeps, optionally with its complete result
        (`result`): one transaction."""
        run = service.register_run(
            db_session=db_session(), data=load_body(ProcessingRunCreate()), caller=current_caller()
        )
        return run_read.dump(run), 201


@ns.route("/processing-programs/<string:ref>")
@ns.param("ref", "Processing run (AutoProcProgram) id or UUID")
class ProcessingProgram(Resource):
    @ns.response(200, "The run with its results", models["ProcessingRunRead"])
    @document_errors(ns, models, 404)
    def get(self, ref: str):
        """A run with its integrations, results (all shells, anisotropy) and files."""
        db, caller = db_session(), current_caller()
        program = service.get_program(db_session=db, ref=ref, caller=caller)
        return run_read.dump(service.load_runs(db, [program.autoProcProgramId])[0])

    @ns.expect(models["ProcessingProgramUpdate"])
    @ns.response(200, "Updated", models["ProcessingRunRead"])
    @document_errors(ns, models, 400, 403, 404, 415, 422)
    def patch(self, ref: str):
        """Update the status of a running program."""
        db, caller = db_session(), current_caller()
        program = service.get_program(db_session=db, ref=ref, caller=caller)
        data = load_body(ProcessingProgramUpdate(), partial=True)
        return run_read.dump(
            service.update_run(db_session=db, program=program, data=data, caller=caller)
        )


@ns.route("/processing-programs/<string:ref>/results")
@ns.param("ref", "Processing run (AutoProcProgram) id or UUID")
class ProcessingResults(Resource):
    @ns.expect(models["ProcessingResultWrite"])
    @ns.response(201, "Written", models["ProcessingRunRead"])
    @document_errors(ns, models, 400, 403, 404, 415, 422)
    def post(self, ref: str):
        """Post a run's complete result as one document, in one transaction."""
        db, caller = db_session(), current_caller()
        program = service.get_program(db_session=db, ref=ref, caller=caller)
        run = service.add_result(
            db_session=db, program=program, data=load_body(ProcessingResultWrite()), caller=caller
        )
        return run_read.dump(run), 201


@ns.route("/data-collections/<string:ref>/processing")
@ns.param("ref", "Data collection id or UUID")
class DataCollectionProcessing(Resource):
    @ns.response(200, "Every run of the sweep, fully", [models["ProcessingRunRead"]])
    @document_errors(ns, models, 404)
    def get(self, ref: str):
        """All processing runs of a sweep with every result and shell."""
        db, caller = db_session(), current_caller()
        collection = data_collections.get_data_collection(db_session=db, ref=ref, caller=caller)
        return run_read_many.dump(service.processing_of(db_session=db, collection=collection))


@ns.route("/data-collections/<string:ref>/processing/comparison")
@ns.param("ref", "Data collection id or UUID")
class DataCollectionComparison(Resource):
    @ns.response(200, "Results side by side", models["ComparisonRead"])
    @document_errors(ns, models, 404)
    def get(self, ref: str):
        """The results of all programs for one sweep, side by side."""
        db, caller = db_session(), current_caller()
        collection = data_collections.get_data_collection(db_session=db, ref=ref, caller=caller)
        runs = service.runs_of(db, [collection.dataCollectionId])
        return comparison_read.dump(service.comparison(runs, [collection]))


@ns.route("/data-collection-groups/<string:ref>/processing/comparison")
@ns.param("ref", "Data collection group id or UUID")
class GroupComparison(Resource):
    @ns.response(200, "Results side by side", models["ComparisonRead"])
    @document_errors(ns, models, 404)
    def get(self, ref: str):
        """The results of all programs for a multi-sweep group, side by side."""
        db, caller = db_session(), current_caller()
        group = data_collections.get_group(db_session=db, ref=ref, caller=caller)
        collections = service.group_collections(db_session=db, group=group, caller=caller)
        runs = service.runs_of(db, [c.dataCollectionId for c in collections])
        return comparison_read.dump(service.comparison(runs, collections))


@ns.route("/data-collections/<string:ref>/mmcif")
@ns.param("ref", "Data collection id or UUID")
@ns.param("autoProcId", "The result to export (default: the sweep's best result)")
class DataCollectionMmcif(Resource):
    @ns.produces(["chemical/x-mmcif"])
    @ns.response(200, "mmCIF fragment: reflns and reflns_shell")
    @document_errors(ns, models, 400, 404)
    def get(self, ref: str):
        """A result's statistics as an mmCIF fragment (reflns, reflns_shell) for the PDB."""
        db, caller = db_session(), current_caller()
        collection = data_collections.get_data_collection(db_session=db, ref=ref, caller=caller)
        runs = service.processing_of(db_session=db, collection=collection)
        results = {result.autoProc.autoProcId: result for run in runs for result in run.results}
        wanted = request.args.get("autoProcId")
        if wanted is not None and not wanted.isdigit():
            raise InvalidParameter("autoProcId must be an integer.", {"autoProcId": ["Integer."]})
        if wanted is None:
            best = service.best_results(db, [collection.dataCollectionId]).get(
                collection.dataCollectionId
            )
            wanted = best and str(best["autoProcId"])
        result = results.get(int(wanted)) if wanted else None
        if result is None:
            raise NotFound(f"No processing result {wanted or ''} for this data collection.")
        text = mmcif_fragment(result, data_name=f"ispyb_dc{collection.dataCollectionId}")
        return Response(text, mimetype="chemical/x-mmcif")


@ns.route("/sessions/<string:ref>/data-collections")
@ns.param("ref", "Session id, UUID or visit name (e.g. mx1234-5)")
class SessionDataCollections(Resource):
    @ns.doc(params=list_params_doc(data_collections.LIST_SPEC))
    @ns.response(200, "A page of the session's sweeps", models["SessionDataCollectionList"])
    @document_errors(ns, models, 400, 404)
    def get(self, ref: str):
        """A session's sweeps, each with the summary of its best processing result."""
        page, best = service.session_summary(
            db_session=db_session(),
            ref=ref,
            params=list_params(data_collections.LIST_SPEC),
            caller=current_caller(),
        )
        for collection in page.results:
            collection.bestResult = best.get(collection.dataCollectionId)
        return page.envelope(summary_read_many.dump)
