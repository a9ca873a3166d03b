"""Files attached to data collections: ``/data-collections/{ref}/attachments`` (list, add)
and ``/data-collection-attachments/{ref}`` (one, and its file as a file route)."""

from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.files import DOCUMENT_TYPES, file_routes
from ispyb_shared.operations import operation

from ..data_collections import service as data_collections
from ..image_quality_indicators.service import collection_for_pipeline
from . import service
from .schemas import DataCollectionFileAttachmentCreate, DataCollectionFileAttachmentRead

collection_ns = Namespace(
    "data-collection-attachment-lists",
    path="/data-collections",
    description="Files attached to a data collection (DataCollectionFileAttachment)",
)
ns = Namespace(
    "data-collection-attachments",
    path="/data-collection-attachments",
    description="A file attached to a data collection, and its bytes (signed URLs)",
)


@collection_ns.route("/<string:ref>/attachments")
@collection_ns.param("ref", "Data collection id or UUID")
class DataCollectionAttachments(Resource):
    @operation(
        collection_ns,
        response=DataCollectionFileAttachmentRead,
        list_spec=service.LIST_SPEC,
        errors=(404,),
    )
    def get(self, ref: str, *, params):
        """List the files attached to a data collection."""
        collection = data_collections.get_data_collection(
            db_session=db_session(), ref=ref, caller=current_caller()
        )
        return service.list_attachments(
            db_session=db_session(), collection=collection, params=params
        )

    @operation(
        collection_ns,
        body=DataCollectionFileAttachmentCreate,
        response=DataCollectionFileAttachmentRead,
        status=201,
        errors=(403, 404),
    )
    def post(self, ref: str, *, body):
        """Attach a file to a data collection (the pipelines that make it)."""
        collection = collection_for_pipeline(
            db_session=db_session(), ref=ref, caller=current_caller()
        )
        return service.add_attachment(db_session=db_session(), collection=collection, data=body)


@ns.route("/<string:ref>")
@ns.param("ref", "DataCollectionFileAttachment id or UUID")
class DataCollectionAttachment(Resource):
    @operation(ns, response=DataCollectionFileAttachmentRead, errors=(404,))
    def get(self, ref: str):
        """Get one attached file's row."""
        return service.get_attachment(db_session=db_session(), ref=ref, caller=current_caller())


def _attachment_path(ref: str) -> str:
    return service.get_attachment(
        db_session=db_session(), ref=ref, caller=current_caller()
    ).fileFullPath


file_routes(
    ns,
    "/<string:ref>/file",
    name="DataCollectionAttachmentFile",
    params={"ref": "DataCollectionFileAttachment id or UUID"},
    locate=_attachment_path,
    summary="The file attached to a data collection (fileFullPath); a token or a signed URL.",
    url_summary="A short-lived URL of the file that needs no token (downloads).",
    produces=DOCUMENT_TYPES,
)
