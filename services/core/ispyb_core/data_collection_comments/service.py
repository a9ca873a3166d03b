"""Comments on data collections: read by whoever sees the data collection, written by
people (a comment has a Person as author), changed or deleted by their author or staff."""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager

from ispyb_shared.auth import Caller, Forbidden, login_matches
from ispyb_shared.crud import one_or_404, ref_condition
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate

from ..access import require_staff
from ..data_collections.models import DataCollection
from ..persons.models import Person
from .models import DataCollectionComment

LIST_SPEC = ListSpec(
    filters={
        "personId": Filter(DataCollectionComment.personId, ("eq", "in"), "Author (person id)"),
        "createTime": Filter(
            DataCollectionComment.createTime, ("gt", "gte", "lt", "lte"), "Written (UTC)"
        ),
    },
    sortable={
        "createTime": DataCollectionComment.createTime,
        "dataCollectionCommentId": DataCollectionComment.dataCollectionCommentId,
    },
    default_sort=("createTime",),
    tiebreak=(DataCollectionComment.dataCollectionCommentId,),
)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def _comments_of(collection: DataCollection):
    return (
        select(DataCollectionComment)
        .join(DataCollectionComment.Person)
        .options(contains_eager(DataCollectionComment.Person))
        .where(DataCollectionComment.dataCollectionId == collection.dataCollectionId)
    )


def list_comments(*, db_session: Session, collection: DataCollection, params: ListParams) -> Page:
    """``collection`` was read as the caller sees it: its comments are visible with it."""
    return paginate(db_session, _comments_of(collection), params, LIST_SPEC)


def get_comment(
    *, db_session: Session, collection: DataCollection, ref: str
) -> DataCollectionComment:
    condition = ref_condition(
        ref,
        id_column=DataCollectionComment.dataCollectionCommentId,
        uuid_column=DataCollectionComment.uuid,
    )
    return one_or_404(db_session, _comments_of(collection).where(condition), "Comment", ref)


def _author(db_session: Session, caller: Caller) -> Person:
    require_commenter(caller)
    person = db_session.execute(
        select(Person).where(login_matches(Person.login, caller.subject))
    ).scalar_one_or_none()
    if person is None:
        raise Forbidden(f"No person in core has the login {caller.subject!r}: ask the facility.")
    return person


def require_commenter(caller: Caller) -> None:
    """Before the body is read: who may write comments at all (people, not clients)."""
    if caller.kind != "user":
        raise Forbidden("Only people write comments; a machine client cannot.")


def add_comment(
    *, db_session: Session, collection: DataCollection, data: dict[str, Any], caller: Caller
) -> DataCollectionComment:
    author = _author(db_session, caller)
    comment = DataCollectionComment(
        dataCollectionId=collection.dataCollectionId,
        personId=author.personId,
        createTime=_now(),
        comments=data["comments"],
    )
    db_session.add(comment)
    db_session.flush()
    return get_comment(db_session=db_session, collection=collection, ref=str(comment.uuid))


def _require_author_or_staff(
    caller: Caller, collection: DataCollection, comment: DataCollectionComment, action: str
) -> None:
    if caller.kind == "user" and comment.Person.login == caller.subject:
        return
    session = collection.DataCollectionGroup.BLSession if collection.DataCollectionGroup else None
    require_staff(
        caller,
        action=f"{action} someone else's comment",
        beamline=session.beamLineName if session is not None else None,
    )


def update_comment(
    *,
    db_session: Session,
    collection: DataCollection,
    comment: DataCollectionComment,
    data: dict[str, Any],
    caller: Caller,
) -> DataCollectionComment:
    _require_author_or_staff(caller, collection, comment, "change")
    comment.comments = data["comments"]
    comment.modTime = _now().date()
    db_session.flush()
    return comment


def delete_comment(
    *,
    db_session: Session,
    collection: DataCollection,
    comment: DataCollectionComment,
    caller: Caller,
) -> None:
    _require_author_or_staff(caller, collection, comment, "delete")
    db_session.delete(comment)
    db_session.flush()
