from __future__ import annotations

from marshmallow import fields, validate

from ispyb_shared.schemas import ModelSchema, StrictSchema

from .models import DataCollectionComment

COMMENT_LENGTH = DataCollectionComment.__table__.c.comments.type.length


class DataCollectionCommentRead(ModelSchema):
    """A comment on a data collection, with its author."""

    authorLogin = fields.Function(
        lambda comment: comment.Person.login,
        dump_only=True,
        metadata={"description": "Login of the author (derived)."},
    )
    authorName = fields.Function(
        lambda comment: (
            " ".join(part for part in (comment.Person.givenName, comment.Person.familyName) if part)
            or None
        ),
        dump_only=True,
        metadata={"description": "Given and family name of the author (derived)."},
    )

    class Meta(ModelSchema.Meta):
        model = DataCollectionComment


class DataCollectionCommentCreate(StrictSchema):
    """A new comment; its author is the caller, its time now."""

    comments = fields.String(
        required=True,
        validate=validate.Length(min=1, max=COMMENT_LENGTH),
        metadata={"description": "The comment."},
    )


class DataCollectionCommentUpdate(DataCollectionCommentCreate):
    """The new text of a comment."""
