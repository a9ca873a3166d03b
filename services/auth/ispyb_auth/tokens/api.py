"""Logging in and out, refreshing, machine-client tokens, and who am I."""

from __future__ import annotations

import base64
from urllib.parse import unquote_plus

from flask import request
from flask_restx import Namespace, Resource
from marshmallow import Schema, ValidationError

from ispyb_shared.app import load_body
from ispyb_shared.auth import current_caller, permissions_of, public
from ispyb_shared.db import db_session
from ispyb_shared.errors import ApiError, field_paths
from ispyb_shared.operations import model_for

from ..apidoc import admin_only, operation, refuse_query_credentials
from ..identity import LoginFailed
from ..logins import service as logins
from ..runtime import client_ip, get_runtime
from . import service
from .schemas import (
    ClientTokenRequest,
    LoginRequest,
    MeRead,
    PasswordGrantRequest,
    RefreshRequest,
    RefreshTokenRead,
    RevokeRequest,
    RevokeResult,
    TokenResponse,
)

ns = Namespace("tokens", path="/", description="Log in, refresh, log out, client tokens, me")


@ns.route("/login")
class Login(Resource):
    @public
    @ns.doc(security=[])
    @operation(
        ns,
        body=LoginRequest,
        response=TokenResponse,
        description="Logged in",
        errors=(401, 429, 503),
        authorize=refuse_query_credentials,
    )
    def post(self, *, body):
        """Log in with one of the enabled plugins (JSON body only)."""
        runtime = get_runtime()
        return logins.login(
            db_session=db_session(),
            database=runtime.database,
            keystore=runtime.keystore,
            config=runtime.config,
            plugins=runtime.plugins,
            plugin_name=body["plugin"],
            username=body.get("username"),
            password=body.get("password"),
            token=body.get("token"),
            client_ip=client_ip(),
            purpose=body.get("purpose"),
        )


@ns.route("/token/refresh")
class TokenRefresh(Resource):
    @public
    @ns.doc(security=[])
    @operation(
        ns,
        body=RefreshRequest,
        response=TokenResponse,
        description="New tokens; the refresh token sent is now revoked",
        errors=(401, 429),
        authorize=refuse_query_credentials,
    )
    def post(self, *, body):
        """Exchange a refresh token for a new access token and a new refresh token."""
        runtime = get_runtime()
        source = ""
        try:
            source = logins.guard_address(db_session=db_session(), client_ip=client_ip())
            key = runtime.keystore.signing_key()
            service.purge_expired(runtime.database)
            tokens, row = service.refresh_user_tokens(
                db_session=db_session(),
                database=runtime.database,
                key=key,
                config=runtime.config,
                refresh_token=body["refresh_token"],
            )
        except Exception as exc:
            if isinstance(exc, LoginFailed):
                logins.count_address_failure(
                    db_session=db_session(),
                    database=runtime.database,
                    config=runtime.config,
                    source=source,
                )
            logins.audit_event(
                "refresh", outcome="failed", client_ip=client_ip(), reason=logins.reason(exc)
            )
            raise
        logins.audit_event(
            "refresh",
            outcome="success",
            client_ip=client_ip(),
            login=row.subject,
            plugin=row.plugin,
        )
        return tokens


@ns.route("/logout")
class Logout(Resource):
    @public
    @ns.doc(security=[])
    @operation(
        ns,
        body=RefreshRequest,
        status=204,
        description="The session's refresh tokens are revoked (unknown tokens are ignored)",
        authorize=refuse_query_credentials,
    )
    def post(self, *, body):
        """Log out: revoke the refresh token and every token of its session.

        Public like /token/refresh: holding the refresh token is the proof needed (RFC
        7009), and a person whose access token has expired can still log out."""
        row = service.logout(db_session=db_session(), refresh_token=body["refresh_token"])
        logins.audit_event(
            "logout",
            outcome="success" if row else "unknown-token",
            client_ip=client_ip(),
            login=row.subject if row else None,
        )


class TokenRequestInvalid(ApiError):
    """A form-encoded token request with a missing or bad field: 400, as RFC 6749 5.2's
    invalid_request (JSON bodies keep the services' 422), each field named in details."""

    status = 400
    code = "VALIDATION_ERROR"


def _basic_client() -> tuple[str, str] | None:
    """Client credentials sent as RFC 6749 2.3.1 says (HTTP Basic, each part form-encoded),
    as Swagger UI's Authorize dialog does by default; None without (or with an empty) one."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, _, secret = (
            base64.b64decode(value.strip(), validate=True).decode().partition(":")
        )
    except (ValueError, UnicodeDecodeError):
        raise TokenRequestInvalid(
            "The Authorization header is not valid Basic credentials.",
            {"Authorization": ["Not base64 of client_id:client_secret."]},
        ) from None
    client_id, secret = unquote_plus(client_id), unquote_plus(secret)
    return (client_id, secret) if client_id or secret else None


def _token_body(schema: Schema) -> dict:
    """JSON (client credentials), or form-encoded as OAuth 2 clients send it: the client
    credentials grant, or the password grant (``grant_type=password``)."""
    if request.mimetype != "application/x-www-form-urlencoded":
        return load_body(schema)
    data = request.form.to_dict()
    basic = _basic_client()
    if data.get("grant_type") == "password":
        schema = PasswordGrantRequest()
        if basic and basic[1]:
            raise TokenRequestInvalid(
                "Front ends are public clients here: send no client secret.",
                {"Authorization": ["No client secret with the password grant."]},
            )
    elif basic:
        if "client_id" in data or "client_secret" in data:
            raise TokenRequestInvalid(
                "Send the client credentials once: in the Authorization header or the body.",
                {"Authorization": ["Client credentials in the body too."]},
            )
        data["client_id"], data["client_secret"] = basic
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise TokenRequestInvalid(
            "The token request is invalid.", field_paths(exc.messages)
        ) from None


def _password_plugin(plugins) -> str:
    """The plugin of a password grant that names none: the first that checks passwords."""
    name = next((name for name, p in plugins.items() if p.needs == "password"), None)
    if name is None:
        raise TokenRequestInvalid(
            "No enabled login plugin checks passwords here.",
            {"grant_type": ["password: no password plugin (local, ldap) is enabled."]},
        )
    return name


@ns.route("/token")
class ClientToken(Resource):
    @public
    @ns.doc(security=[])
    @ns.expect(model_for(ns, ClientTokenRequest))
    @operation(
        ns,
        body=ClientTokenRequest,
        load=_token_body,
        response=TokenResponse,
        description="An access token (the client's scopes; a person's refresh token too)",
        errors=(401, 403, 429, 503),
        authorize=refuse_query_credentials,
    )
    def post(self, *, body):
        """OAuth 2 token endpoint: client credentials (machine clients, narrow scopes) or
        a person's password (the password grant, form-encoded, as Swagger UI's Authorize
        dialog sends it; the rules of /login).

        Client credentials: JSON, or form-encoded with the credentials in the body or in
        an HTTP Basic header (RFC 6749 2.3.1). Password grant: form-encoded
        ``grant_type=password&username=...&password=...`` (``plugin``, ``purpose``
        optional). A form field missing or bad is a 400 naming it (RFC 6749 5.2)."""
        runtime = get_runtime()
        if body.get("grant_type") == "password":
            return logins.login(
                db_session=db_session(),
                database=runtime.database,
                keystore=runtime.keystore,
                config=runtime.config,
                plugins=runtime.plugins,
                plugin_name=body.get("plugin") or _password_plugin(runtime.plugins),
                username=body["username"],
                password=body["password"],
                token=None,
                client_ip=client_ip(),
                purpose=body.get("purpose"),
            )
        fields = {"client_ip": client_ip(), "clientId": body["client_id"]}
        try:
            source = logins.guard_address(db_session=db_session(), client_ip=client_ip())
        except ApiError as exc:
            logins.audit_event(
                "client-token", outcome="address-blocked", reason=logins.reason(exc), **fields
            )
            raise
        key = runtime.keystore.signing_key()
        try:
            tokens = service.client_token(
                db_session=db_session(),
                key=key,
                config=runtime.config,
                client_id=body["client_id"],
                client_secret=body["client_secret"],
                scope=body.get("scope"),
            )
        except Exception as exc:
            if isinstance(exc, LoginFailed):
                logins.count_address_failure(
                    db_session=db_session(),
                    database=runtime.database,
                    config=runtime.config,
                    source=source,
                )
            logins.audit_event(
                "client-token", outcome="failed", reason=logins.reason(exc), **fields
            )
            raise
        logins.audit_event("client-token", outcome="success", scope=tokens["scope"], **fields)
        return tokens


@ns.route("/me")
class Me(Resource):
    @operation(ns, response=MeRead, description="The caller", errors=(401,))
    def get(self):
        """Who the caller is and what they may do (any valid access token)."""
        caller = current_caller()
        return {
            "subject": caller.subject,
            "kind": caller.kind,
            "name": caller.name,
            "roles": sorted(caller.roles),
            "beamlines": sorted(caller.beamlines),
            "scopes": sorted(caller.scopes),
            "permissions": permissions_of(caller),
            "tokenId": caller.token_id,
        }


refresh_ns = Namespace(
    "refresh-tokens",
    path="/refresh-tokens",
    description="Sessions (refresh tokens): list and revoke (admin only)",
    decorators=[admin_only],
)


@refresh_ns.route("")
class RefreshTokens(Resource):
    @operation(
        refresh_ns,
        response=RefreshTokenRead,
        list_spec=service.LIST_SPEC,
        description="A page of refresh tokens",
        errors=(401, 403),
    )
    def get(self, *, params):
        """List refresh tokens (never the tokens themselves)."""
        return service.list_refresh_tokens(db_session=db_session(), params=params)


@refresh_ns.route("/revoke")
class RefreshTokensRevoke(Resource):
    @operation(
        refresh_ns,
        body=RevokeRequest,
        response=RevokeResult,
        description="Revoked",
        errors=(401, 403),
    )
    def post(self, *, body):
        """Revoke every refresh token of a person, whatever plugin they logged in with."""
        count = service.revoke_subject(
            db_session=db_session(), subject=body["subject"], reason="admin"
        )
        return {"revoked": count}


@refresh_ns.route("/<int:token_id>/revoke")
@refresh_ns.param("token_id", "The refresh token's record id (refreshTokenId)")
class RefreshTokenRevoke(Resource):
    @operation(
        refresh_ns,
        response=RefreshTokenRead,
        description="Revoked",
        errors=(401, 403, 404),
    )
    def post(self, token_id: int):
        """Revoke one refresh token."""
        return service.revoke_one(db_session=db_session(), token_id=token_id)
