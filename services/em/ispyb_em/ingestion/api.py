from __future__ import annotations

from flask import current_app
from flask_restx import Resource
from marshmallow import ValidationError

from ispyb_shared.app import document_errors, load_body, register_models
from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.errors import ValidationFailed

from ..access import caller_data_collections, require_writer
from ..fastload import FastLoader
from ..movies.api import ns
from . import service
from .schemas import BatchResult, MovieBatch, flatten_errors

models = register_models(ns, {"MovieBatch": MovieBatch, "BatchResult": BatchResult})
batch_loader = FastLoader(MovieBatch())


@ns.route("/batch")
class MovieBatchIngestion(Resource):
    @ns.expect(models["MovieBatch"])
    @ns.response(201, "Stored (at least one new row)", models["BatchResult"])
    @ns.response(200, "Nothing new: every row was already stored", models["BatchResult"])
    @document_errors(ns, models, 400, 413, 415, 422)
    def post(self):
        """Ingest a batch of movies with their results, in one transaction.

        Idempotent: a movie is identified by (dataCollectionUUID, movieNumber), a result by
        (its micrograph, its program run); what is already stored is neither stored again
        nor changed, so a pipeline may resend a batch. A batch with any bad record is
        refused whole (422, details keyed records[<index>].<field>) and nothing is stored.
        Needs em:write (pipelines) or the staff role, and core visibility of every data
        collection named.
        """
        caller = current_caller()
        require_writer(caller)
        try:
            batch = load_body(batch_loader)
        except ValidationError as exc:
            raise ValidationFailed(
                "The batch was refused; nothing was stored.", flatten_errors(exc.messages)
            ) from None
        result = service.ingest_batch(
            db_session=db_session(),
            records=batch["records"],
            caller=caller,
            data_collections=caller_data_collections(),
            max_records=current_app.config["ISPYB_CONFIG"]["ingestion"]["max_records"],
        )
        created = any(result[kind]["created"] for kind in service.COUNTED_KINDS)
        return result, 201 if created else 200
