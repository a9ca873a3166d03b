"""The public description of how to log in here (``GET /config``)."""

from __future__ import annotations

from marshmallow import Schema, fields


class OidcLoginDocument(Schema):
    """What a front end needs to send people to the identity provider (no secret)."""

    issuer = fields.String(required=True)
    clientId = fields.String(required=True)
    authorizationEndpoint = fields.String(
        allow_none=True,
        metadata={"description": "None: read it from discoveryUrl."},
    )
    discoveryUrl = fields.String(required=True)
    scope = fields.String(required=True)


class LoginPluginDocument(Schema):
    name = fields.String(
        required=True, metadata={"description": "What a login request's `plugin` names."}
    )
    type = fields.String(required=True, metadata={"description": "local, ldap, oidc, dummy."})
    needs = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "Fields of the login body this plugin needs."},
    )
    oidc = fields.Nested(OidcLoginDocument, metadata={"description": "oidc plugins only."})


class AuthConfigDocument(Schema):
    """The enabled login plugins and the token lifetimes, for a front end at start-up."""

    plugins = fields.List(fields.Nested(LoginPluginDocument), required=True)
    accessTokenSeconds = fields.Integer(required=True)
    refreshTokenSeconds = fields.Integer(required=True)
    issuer = fields.String(required=True, metadata={"description": "`iss` of access tokens."})
    audience = fields.String(required=True, metadata={"description": "`aud` of access tokens."})
