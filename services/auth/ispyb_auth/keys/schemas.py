from __future__ import annotations

from marshmallow import Schema, fields


class KeyRead(Schema):
    """A signing key (public facts only)."""

    kid = fields.String(metadata={"description": "Key id (the tokens' kid header)."})
    generation = fields.Integer()
    state = fields.String(
        metadata={
            "description": "active (signs new tokens), verifying (published until its tokens "
            "have expired), retired (no longer published)."
        }
    )
    createdAt = fields.DateTime(metadata={"description": "Started signing (UTC)."})
    signingEndedAt = fields.DateTime(
        allow_none=True, metadata={"description": "Stopped signing (UTC)."}
    )
    retiresAt = fields.DateTime(allow_none=True, metadata={"description": "Leaves the JWKS (UTC)."})
    retiredAt = fields.DateTime(
        allow_none=True, metadata={"description": "Retired early by an admin (UTC)."}
    )


class JwkRead(Schema):
    kty = fields.String()
    use = fields.String()
    alg = fields.String()
    kid = fields.String()
    n = fields.String()
    e = fields.String()


class JwksRead(Schema):
    """The public keys that verify access tokens (RFC 7517)."""

    keys = fields.List(fields.Nested(JwkRead))
