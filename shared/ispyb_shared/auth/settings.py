"""The ``auth`` config section of a service that verifies tokens, and its cache rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from ..schemas import StrictSchema

JWKS_SUFFIX = "/.well-known/jwks.json"
REVOCATIONS_SUFFIX = "/revocations"
# The cache rules of every service (defaults of the `auth` config section).
JWKS_CACHE_SECONDS = 300
LEEWAY_SECONDS = 30
REVOCATION_POLL_SECONDS = 5


class AuthSettings(StrictSchema):
    """The ``auth`` config section of a service that verifies tokens issued by auth.

    Exactly one of ``jwks_url`` (auth's ``/.well-known/jwks.json``) and ``public_key_file``
    must be set. (The auth service itself verifies with the keys in its database and has
    no such section.)
    """

    issuer = fields.String(
        load_default="ispyb", metadata={"description": "Expected `iss` claim of tokens."}
    )
    audience = fields.String(
        load_default="ispyb", metadata={"description": "Expected `aud` claim of tokens."}
    )
    jwks_url = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.URL(schemes={"http", "https"}, require_tld=False),
        metadata={
            "description": "URL of auth's JWKS, e.g. http://auth:8004/ispyb/api/v1/auth"
            "/.well-known/jwks.json"
        },
    )
    public_key_file = fields.String(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "PEM file with one or more public keys (instead of jwks_url); "
            "re-read when it changes."
        },
    )
    jwks_cache_seconds = fields.Integer(
        load_default=JWKS_CACHE_SECONDS,
        validate=validate.Range(min=0, max=86400),
        metadata={
            "description": "How long fetched keys are used before the JWKS is fetched again."
        },
    )
    leeway_seconds = fields.Integer(
        load_default=LEEWAY_SECONDS,
        validate=validate.Range(min=0, max=300),
        metadata={"description": "Clock skew tolerated on exp/nbf/iat."},
    )
    revocations_url = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.URL(schemes={"http", "https"}, require_tld=False),
        metadata={
            "description": "URL of auth's revocation list; default: next to jwks_url "
            "(.../auth/revocations). None with public_key_file: no revocation."
        },
    )
    revocation_poll_seconds = fields.Integer(
        load_default=REVOCATION_POLL_SECONDS,
        validate=validate.Range(min=1, max=300),
        metadata={
            "description": "How often the revocation list is fetched again: a disabled "
            "account's or a retired key's tokens are refused at most this much later."
        },
    )

    @post_load
    def _revocations_next_to_the_jwks(self, data: dict[str, Any], **_kwargs) -> dict[str, Any]:
        jwks_url = data.get("jwks_url")
        if not data.get("revocations_url") and jwks_url and jwks_url.endswith(JWKS_SUFFIX):
            data["revocations_url"] = jwks_url[: -len(JWKS_SUFFIX)] + REVOCATIONS_SUFFIX
        return data

    @validates_schema
    def _one_key_source(self, data: Mapping[str, Any], **_kwargs) -> None:
        given = [key for key in ("jwks_url", "public_key_file") if data.get(key)]
        if len(given) > 1:
            raise ValidationError("Set only one of jwks_url and public_key_file.", "jwks_url")
        if not given:
            raise ValidationError(
                "Set jwks_url (auth's /.well-known/jwks.json) or public_key_file.", "jwks_url"
            )
