from __future__ import annotations

from flask import current_app
from flask_restx import Resource
from marshmallow import ValidationError

from ispyb_shared.app import load_body
from ispyb_shared.errors import ValidationFailed
from ispyb_shared.operations import Reply, model_for, operation

from ..access import authorize_writer, request_scope
from ..fastload import FastLoader
from ..movies.api import ns
from . import service
from .schemas import BatchResult, MovieBatch, flatten_errors

# Compiled once: the fast path is what makes a large batch cheap to load.
batch_loader = FastLoader(MovieBatch())


def _load_batch(_schema: MovieBatch) -> dict:
    """The batch, or every problem keyed records[<index>].<field>."""
    try:
        return load_body(batch_loader)
    except ValidationError as exc:
        raise ValidationFailed(
            "The batch was refused; nothing was stored.", flatten_errors(exc.messages)
        ) from None


@ns.route("/batch")
class MovieBatchIngestion(Resource):
    @ns.expect(model_for(ns, MovieBatch))
    @ns.response(200, "Nothing new: every row was already stored", model_for(ns, BatchResult))
    @operation(
        ns,
        body=MovieBatch,
        load=_load_batch,
        response=BatchResult,
        status=201,
        description="Stored (at least one new row)",
        errors=(409, 413),
        authorize=authorize_writer,
    )
    def post(self, *, body):
        """Ingest a batch of movies with their results, in one transaction.

        Idempotent: a movie is identified by (dataCollectionUUID, movieNumber), a result by
        (its micrograph, its program run); what is already stored is neither stored again
        nor changed, so a pipeline may resend a batch. A batch with any bad record is
        refused whole (422, details keyed records[<index>].<field>) and nothing is stored.
        Needs em:write (pipelines) or the staff role, and core visibility of every data
        collection named.
        """
        result = service.ingest_batch(
            records=body["records"],
            max_records=current_app.config["ISPYB_CONFIG"]["ingestion"]["max_records"],
            **request_scope(),
        )
        created = any(result[kind]["created"] for kind in service.COUNTED_KINDS)
        return Reply(result, 201 if created else 200)
