"""Bodies of the token endpoints. Their field names are OAuth 2's (RFC 6749), so OAuth
client libraries can read the answers."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from ispyb_shared.auth import PURPOSES
from ispyb_shared.schemas import ModelSchema, StrictSchema

from ..names import split_names
from ..tokens.service import refresh_token_state
from .models import RefreshToken

NO_CONTROL_CHARACTERS = validate.Regexp(
    r"^[^\x00-\x1f\x7f]*$", error="Must not contain control characters."
)


class LoginRequest(StrictSchema):
    """Credentials for one login plugin: username and password (local, ldap), the identity
    provider's token (oidc), or a username alone (dummy, development only)."""

    plugin = fields.String(
        required=True,
        validate=validate.Length(min=1, max=32),
        metadata={"description": "Name of an enabled login plugin (auth's config)."},
    )
    username = fields.String(
        validate=[validate.Length(min=1, max=255), NO_CONTROL_CHARACTERS],
        metadata={"description": "Login name (local, ldap, dummy)."},
    )
    password = fields.String(
        load_only=True,
        validate=validate.Length(max=1024),
        metadata={"description": "Password (local, ldap)."},
    )
    token = fields.String(
        load_only=True,
        validate=validate.Length(min=1, max=16384),
        metadata={"description": "The identity provider's ID or access token (oidc)."},
    )
    purpose = fields.String(
        validate=validate.OneOf(sorted(PURPOSES)),
        metadata={
            "description": "Mint a token for this purpose only: compat-java (the Java "
            "dialect's token in URL paths): read-only in every service, lives "
            "compat_java_token_seconds, comes without a refresh token."
        },
    )


class TokenResponse(Schema):
    """Tokens for a person."""

    class Meta:
        unknown = EXCLUDE

    access_token = fields.String(
        metadata={"description": "JWT (RS256) to send as Authorization: Bearer <token>."}
    )
    token_type = fields.String(metadata={"description": "Always Bearer."})
    expires_in = fields.Integer(metadata={"description": "Seconds the access token is valid."})
    refresh_token = fields.String(
        metadata={"description": "Opaque; exchange at /token/refresh (once: it is replaced)."}
    )
    refresh_expires_in = fields.Integer(
        metadata={"description": "Seconds until the session must log in again."}
    )
    scope = fields.String(metadata={"description": "Empty for people."})
    purpose = fields.String(
        metadata={"description": "The purpose the token was minted for, if one was asked."}
    )


class RefreshRequest(StrictSchema):
    """A refresh token (to exchange, or to revoke)."""

    refresh_token = fields.String(
        required=True, load_only=True, validate=validate.Length(min=1, max=256)
    )


class ClientTokenRequest(StrictSchema):
    """Client credentials (OAuth 2 client_credentials grant), as JSON or form fields."""

    grant_type = fields.String(
        validate=validate.OneOf(["client_credentials"]),
        metadata={"description": "Optional; client_credentials if given."},
    )
    client_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    client_secret = fields.String(
        required=True, load_only=True, validate=validate.Length(min=1, max=256)
    )
    scope = fields.String(
        validate=[validate.Length(max=2000), NO_CONTROL_CHARACTERS],
        metadata={
            "description": "Space-separated subset of the client's scopes; all of them if absent."
        },
    )


class PasswordGrantRequest(StrictSchema):
    """A person's login as an OAuth 2 password grant (RFC 6749 4.3), form-encoded: what
    Swagger UI's Authorize dialog and OAuth client libraries send. The same rules as
    /login (lockout, slow-down, purpose, audit)."""

    grant_type = fields.String(required=True, validate=validate.OneOf(["password"]))
    username = fields.String(
        required=True, validate=[validate.Length(min=1, max=255), NO_CONTROL_CHARACTERS]
    )
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=1024))
    plugin = fields.String(
        validate=validate.Length(min=1, max=32),
        metadata={
            "description": "The login plugin (an ISPyB extension); the first enabled plugin "
            "that checks passwords (local, ldap) if absent."
        },
    )
    purpose = fields.String(
        validate=validate.OneOf(sorted(PURPOSES)),
        metadata={"description": "As /login's purpose."},
    )
    scope = fields.String(
        validate=validate.Length(max=0, error="People's tokens carry no scopes: leave it out."),
        metadata={"description": "Empty or absent: people's tokens carry no scopes."},
    )
    client_id = fields.String(
        validate=[validate.Length(max=64), NO_CONTROL_CHARACTERS],
        metadata={"description": "Ignored: front ends are public clients, not registered."},
    )


class ClientTokenResponse(Schema):
    """An access token for a machine client (no refresh token: ask again)."""

    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    scope = fields.String(metadata={"description": "The scopes granted, space-separated."})


class MeRead(Schema):
    """Who the caller is and what they may do."""

    subject = fields.String(metadata={"description": "Login (people) or client id (clients)."})
    kind = fields.String(metadata={"description": "user or client."})
    name = fields.String(allow_none=True)
    roles = fields.List(fields.String())
    beamlines = fields.List(fields.String())
    scopes = fields.List(fields.String())
    permissions = fields.List(
        fields.String(), metadata={"description": "Derived from roles and scopes (docs/auth.md)."}
    )
    tokenId = fields.String(metadata={"description": "The access token's jti."})


class RefreshTokenRead(ModelSchema):
    """A refresh token's record (never the token itself)."""

    roles = fields.Function(lambda row: split_names(row.roles))
    beamlines = fields.Function(lambda row: split_names(row.beamlines))
    state = fields.Function(
        refresh_token_state, metadata={"description": "active, revoked or expired."}
    )

    class Meta(ModelSchema.Meta):
        model = RefreshToken
        exclude = ("tokenHash",)
        dump_only = tuple(c.key for c in RefreshToken.__table__.columns if c.key != "tokenHash")


class RevokeRequest(StrictSchema):
    """Whose refresh tokens to revoke."""

    subject = fields.String(
        required=True,
        validate=validate.Length(min=1, max=255),
        metadata={"description": "The person's login (every plugin)."},
    )


class RevokeResult(Schema):
    revoked = fields.Integer(metadata={"description": "How many refresh tokens were revoked."})
