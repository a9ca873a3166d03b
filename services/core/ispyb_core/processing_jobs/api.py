"""``/processing-jobs`` and ``/data-collections/{ref}/processing-jobs``: processing
requests (recipe and parameters) for data collections."""

from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.operations import operation

from ..data_collections import service as data_collections
from . import service
from .schemas import ProcessingJobCreate, ProcessingJobRead

ns = Namespace("processing-jobs", path="/", description="Processing requests for data collections")


@ns.route("/processing-jobs")
class ProcessingJobs(Resource):
    @operation(ns, body=ProcessingJobCreate, response=ProcessingJobRead, status=201, errors=(403,))
    def post(self, *, body):
        """Request a processing job for a data collection, with its parameters (pipelines
        or staff; one transaction)."""
        return service.create_job(db_session=db_session(), data=body, caller=current_caller())


@ns.route("/processing-jobs/<string:ref>")
@ns.param("ref", "Processing job id or UUID")
class ProcessingJobItem(Resource):
    @operation(ns, response=ProcessingJobRead, errors=(404,))
    def get(self, ref: str):
        """Get a processing job with its parameters."""
        return service.get_job(db_session=db_session(), ref=ref, caller=current_caller())


@ns.route("/data-collections/<string:ref>/processing-jobs")
@ns.param("ref", "Data collection id or UUID")
class DataCollectionProcessingJobs(Resource):
    @operation(ns, response=ProcessingJobRead, list_spec=service.LIST_SPEC, errors=(404,))
    def get(self, ref: str, *, params):
        """List the processing jobs of a data collection, with their parameters."""
        collection = data_collections.get_data_collection(
            db_session=db_session(), ref=ref, caller=current_caller()
        )
        return service.list_jobs(db_session=db_session(), collection=collection, params=params)
