"""``/data-collections/{ref}/comments``: comments on a data collection (their own namespace
on the data collections' path)."""

from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.operations import operation

from ..data_collections import service as data_collections
from . import service
from .schemas import (
    DataCollectionCommentCreate,
    DataCollectionCommentRead,
    DataCollectionCommentUpdate,
)

ns = Namespace(
    "data-collection-comments",
    path="/data-collections",
    description="Comments on data collections",
)


def _collection(ref: str):
    return data_collections.get_data_collection(
        db_session=db_session(), ref=ref, caller=current_caller()
    )


def _comment(collection, comment_ref: str):
    return service.get_comment(db_session=db_session(), collection=collection, ref=comment_ref)


def _people_only() -> None:
    service.require_commenter(current_caller())


@ns.route("/<string:ref>/comments")
@ns.param("ref", "Data collection id or UUID")
class DataCollectionComments(Resource):
    @operation(ns, response=DataCollectionCommentRead, list_spec=service.LIST_SPEC, errors=(404,))
    def get(self, ref: str, *, params):
        """List the comments on a data collection, oldest first."""
        return service.list_comments(
            db_session=db_session(), collection=_collection(ref), params=params
        )

    @operation(
        ns,
        body=DataCollectionCommentCreate,
        response=DataCollectionCommentRead,
        status=201,
        errors=(403, 404),
        authorize=_people_only,
    )
    def post(self, ref: str, *, body):
        """Comment on a data collection (the author is the caller)."""
        return service.add_comment(
            db_session=db_session(), collection=_collection(ref), data=body, caller=current_caller()
        )


@ns.route("/<string:ref>/comments/<string:comment_ref>")
@ns.param("ref", "Data collection id or UUID")
@ns.param("comment_ref", "Comment id or UUID")
class DataCollectionCommentItem(Resource):
    @operation(ns, response=DataCollectionCommentRead, errors=(404,))
    def get(self, ref: str, comment_ref: str):
        """Get one comment."""
        return _comment(_collection(ref), comment_ref)

    @operation(
        ns,
        body=DataCollectionCommentUpdate,
        response=DataCollectionCommentRead,
        errors=(403, 404),
        authorize=_people_only,
    )
    def patch(self, ref: str, comment_ref: str, *, body):
        """Change a comment's text (its author, or staff)."""
        collection = _collection(ref)
        comment = service.get_comment(
            db_session=db_session(), collection=collection, ref=comment_ref
        )
        return service.update_comment(
            db_session=db_session(),
            collection=collection,
            comment=comment,
            data=body,
            caller=current_caller(),
        )

    @operation(ns, status=204, errors=(403, 404), authorize=_people_only)
    def delete(self, ref: str, comment_ref: str):
        """Delete a comment (its author, or staff)."""
        collection = _collection(ref)
        comment = service.get_comment(
            db_session=db_session(), collection=collection, ref=comment_ref
        )
        service.delete_comment(
            db_session=db_session(), collection=collection, comment=comment, caller=current_caller()
        )
