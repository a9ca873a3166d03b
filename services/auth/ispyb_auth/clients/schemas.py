from __future__ import annotations

from marshmallow import fields, validate
from marshmallow_sqlalchemy import auto_field

from ispyb_shared.auth import SCOPES
from ispyb_shared.schemas import ModelSchema

from ..names import split_names
from .models import Client

CLIENT_ID = validate.Regexp(
    r"^[a-z0-9][a-z0-9._-]{2,63}$",
    error="3-64 of lower-case letters, digits and . _ - (starting with a letter or digit).",
)
SCOPES_DOC = (
    'Scopes the client may get, e.g. ["core:processing:write"]. Known: '
    + ", ".join(SCOPES)
    + " (plus the config's extra_scopes)."
)


def scope_list(**kwargs):
    return fields.List(
        fields.String(validate=validate.Length(min=1, max=100)),
        metadata={"description": SCOPES_DOC},
        **kwargs,
    )


class ClientRead(ModelSchema):
    """A machine client (never with its secret or the secret's hash)."""

    scopes = fields.Function(
        lambda client: split_names(client.scopes), metadata={"description": SCOPES_DOC}
    )

    class Meta(ModelSchema.Meta):
        model = Client
        exclude = ("secretHash",)
        dump_only = (
            "authClientId",
            "uuid",
            "createdAt",
            "updatedAt",
            "secretChangedAt",
            "lastUsedAt",
        )


class ClientWithSecret(ClientRead):
    """A machine client with its new secret: shown this once, stored only hashed."""

    clientSecret = fields.String(
        metadata={"description": "The secret; keep it now, it cannot be shown again."}
    )


class ClientCreate(ModelSchema):
    """A new machine client; the answer carries its secret, once."""

    clientId = auto_field(validate=CLIENT_ID)
    scopes = scope_list(required=True, validate=validate.Length(min=1))

    class Meta(ModelSchema.Meta):
        model = Client
        fields = ("clientId", "description", "scopes", "active")
        required_fields = ("clientId",)


class ClientUpdate(ModelSchema):
    """Changes to a machine client; only the fields sent are changed."""

    scopes = scope_list(validate=validate.Length(min=1))

    class Meta(ModelSchema.Meta):
        model = Client
        fields = ("description", "scopes", "active")
