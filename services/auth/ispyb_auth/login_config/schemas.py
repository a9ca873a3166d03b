"""The public description of how to log in here (``GET /config``)."""

from __future__ import annotations

from marshmallow import Schema, fields


def _text(description: str, **options) -> fields.String:
    return fields.String(required=True, metadata={"description": description}, **options)


class OidcLoginDocument(Schema):
    """What a front end needs to send people to the identity provider (no secret)."""

    issuer = _text("The provider's issuer (`iss`).")
    clientId = _text("The provider's client id of the front end (a public client).")
    authorizationEndpoint = _text(
        "Where to send people to log in; null: read it from discoveryUrl.", allow_none=True
    )
    discoveryUrl = _text("The provider's OpenID configuration document.")
    scope = _text("Scopes to ask the provider for.")


class LoginPluginDocument(Schema):
    """One enabled login plugin."""

    name = _text("What a login request's `plugin` names.")
    type = _text("local, ldap, oidc or dummy.")
    needs = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "Fields of the login body this plugin needs."},
    )
    oidc = fields.Nested(OidcLoginDocument, metadata={"description": "oidc plugins only."})


class AuthConfigDocument(Schema):
    """The enabled login plugins and the token lifetimes, for a front end at start-up."""

    plugins = fields.List(
        fields.Nested(LoginPluginDocument),
        required=True,
        metadata={"description": "The enabled login plugins, in the order of the config."},
    )
    accessTokenSeconds = fields.Integer(
        required=True, metadata={"description": "Lifetime of an access token."}
    )
    refreshTokenSeconds = fields.Integer(
        required=True, metadata={"description": "Lifetime of a refresh token."}
    )
    issuer = _text("`iss` of access tokens.")
    audience = _text("`aud` of access tokens.")
