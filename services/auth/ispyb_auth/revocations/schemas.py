from __future__ import annotations

from marshmallow import Schema, fields


class RevocationsRead(Schema):
    """What every service refuses besides expired tokens (polled, docs/auth.md)."""

    subjects = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={
            "description": "SHA-256 (hex) of '<kind>:<sub>' -> a time (seconds since the "
            "epoch): that subject's access tokens issued (iat) at or before it are void."
        },
    )
    retiredKeys = fields.List(
        fields.String(),
        metadata={"description": "Key ids retired early: tokens they signed are void."},
    )
    pollSeconds = fields.Integer(
        metadata={"description": "How often services fetch this list by default."}
    )
