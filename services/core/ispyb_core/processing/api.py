from __future__ import annotations

import datetime as dt

from flask import Response, request
from flask_restx import Namespace, Resource
from marshmallow import ValidationError

from ispyb_shared.auth import current_caller
from ispyb_shared.bodies import load_body
from ispyb_shared.db import db_session
from ispyb_shared.errors import InvalidParameter, NotFound, ValidationFailed, field_paths
from ispyb_shared.operations import model_for, operation
from ispyb_shared.schemas import NaiveDateTime

from ..data_collections import service as data_collections
from . import service
from .mmcif import mmcif_fragment
from .schemas import (
    ComparisonRead,
    ProcessingProgramUpdate,
    ProcessingResultDocument,
    ProcessingRunCreate,
    ProcessingRunRead,
    SessionDataCollectionRead,
)

ns = Namespace(
    "processing",
    path="/",
    description="Processing runs and results: pipelines write them, users read them",
)


def _document(schema):
    """The body; when it breaks the schema, its missing data collections are named in the
    same answer (every problem at once, by JSON path)."""
    try:
        return load_body(schema)
    except ValidationError as exc:
        problems = service.with_reference_problems(
            db_session=db_session(),
            raw=request.get_json(silent=True),
            problems=field_paths(exc.messages),
            caller=current_caller(),
        )
        raise ValidationFailed("The request body is invalid.", problems) from None


def _program(ref: str):
    return service.get_program(db_session=db_session(), ref=ref, caller=current_caller())


def _data_collection(ref: str):
    return data_collections.get_data_collection(
        db_session=db_session(), ref=ref, caller=current_caller()
    )


@ns.route("/processing-programs")
class ProcessingPrograms(Resource):
    @ns.expect(model_for(ns, ProcessingRunCreate))
    @operation(
        ns,
        body=ProcessingRunCreate,
        load=_document,
        response=ProcessingRunRead,
        status=201,
        description="Registered",
        errors=(403,),
    )
    def post(self, *, body):
        """Register a processing run for its sweeps, optionally with its complete result
        (`result`): one transaction."""
        return service.register_run(db_session=db_session(), data=body, caller=current_caller())


@ns.route("/processing-programs/<string:ref>")
@ns.param("ref", "Processing run (AutoProcProgram) id or UUID")
class ProcessingProgram(Resource):
    @operation(ns, response=ProcessingRunRead, errors=(404,))
    def get(self, ref: str):
        """A run with its integrations, results (all shells, anisotropy) and files."""
        return service.load_visible_run(db_session=db_session(), ref=ref, caller=current_caller())

    @operation(
        ns,
        body=ProcessingProgramUpdate,
        partial=True,
        response=ProcessingRunRead,
        errors=(403, 404),
    )
    def patch(self, ref: str, *, body):
        """Update the status of a running program."""
        return service.update_run(
            db_session=db_session(), program=_program(ref), data=body, caller=current_caller()
        )


@ns.route("/processing-programs/<string:ref>/results")
@ns.param("ref", "Processing run (AutoProcProgram) id or UUID")
class ProcessingResults(Resource):
    @ns.expect(model_for(ns, ProcessingResultDocument))
    @operation(
        ns,
        body=ProcessingResultDocument,
        load=_document,
        response=ProcessingRunRead,
        status=201,
        description="Written",
        errors=(403, 404),
    )
    def post(self, ref: str, *, body):
        """Post a run's complete result as one document, in one transaction."""
        return service.add_result(
            db_session=db_session(), program=_program(ref), data=body, caller=current_caller()
        )


def _updated_since() -> dt.datetime | None:
    raw = request.args.get("updatedSince")
    if raw is None:
        return None
    try:
        return NaiveDateTime().deserialize(raw)
    except (ValidationError, OverflowError):
        raise InvalidParameter(
            "Invalid query parameters.",
            {"updatedSince": ["Not a valid date-time (ISO 8601)."]},
        ) from None


@ns.route("/data-collections/<string:ref>/processing")
@ns.param("ref", "Data collection id or UUID")
@ns.param(
    "updatedSince",
    "Only the runs recorded, started or ended at or after this time (ISO 8601)",
)
class DataCollectionProcessing(Resource):
    @operation(
        ns,
        response=ProcessingRunRead,
        many=True,
        description="Every run of the sweep, fully",
        errors=(400, 404),
    )
    def get(self, ref: str):
        """All processing runs of a sweep with every result and shell (updatedSince=:
        those changed since a poll)."""
        since = _updated_since()
        db = db_session()
        collection = service.visible_collection_id(db_session=db, ref=ref, caller=current_caller())
        return service.processing_of(db_session=db, collection=collection, updated_since=since)


@ns.route("/data-collections/<string:ref>/processing/comparison")
@ns.param("ref", "Data collection id or UUID")
class DataCollectionComparison(Resource):
    @operation(ns, response=ComparisonRead, description="Results side by side", errors=(404,))
    def get(self, ref: str):
        """The results of all programs for one sweep, side by side."""
        collection = _data_collection(ref)
        runs = service.runs_of(db_session(), [collection.dataCollectionId])
        return service.comparison(runs, [collection])


@ns.route("/data-collection-groups/<string:ref>/processing/comparison")
@ns.param("ref", "Data collection group id or UUID")
class GroupComparison(Resource):
    @operation(ns, response=ComparisonRead, description="Results side by side", errors=(404,))
    def get(self, ref: str):
        """The results of all programs for a multi-sweep group, side by side."""
        db, caller = db_session(), current_caller()
        group = data_collections.get_group(db_session=db, ref=ref, caller=caller)
        collections = service.group_collections(db_session=db, group=group, caller=caller)
        runs = service.runs_of(db, [c.dataCollectionId for c in collections])
        return service.comparison(runs, collections)


@ns.route("/data-collections/<string:ref>/mmcif")
@ns.param("ref", "Data collection id or UUID")
@ns.param("autoProcId", "The result to export (default: the sweep's best result)")
class DataCollectionMmcif(Resource):
    @ns.produces(["chemical/x-mmcif"])
    @operation(ns, description="mmCIF fragment: reflns and reflns_shell", errors=(400, 404))
    def get(self, ref: str):
        """A result's statistics as an mmCIF fragment (reflns, reflns_shell) for the PDB."""
        db = db_session()
        collection = _data_collection(ref)
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
    @operation(
        ns,
        response=SessionDataCollectionRead,
        list_spec=data_collections.LIST_SPEC,
        errors=(404,),
    )
    def get(self, ref: str, *, params):
        """A session's sweeps, each with the summary of its best processing result."""
        page, best = service.session_summary(
            db_session=db_session(), ref=ref, params=params, caller=current_caller()
        )
        for collection in page.results:
            collection.bestResult = best.get(collection.dataCollectionId)
        return page
