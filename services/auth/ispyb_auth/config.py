"""The auth service's configuration (every key is documented in docs/auth.md).

Login mechanisms are plugins declared under ``plugins``: a mapping of plugin name (what a
login request's ``plugin`` field names) to its settings, whose ``type`` is one of
``local``, ``ldap``, ``oidc``, ``dummy``. Several can be enabled at once; switching is a
config change, never a code change. ``dummy`` (anyone logs in) is refused unless both
``development`` and ``allow_dummy_login`` are true; nothing shipped sets the latter (tests do).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ispyb_shared.auth import ROLES, SCOPES
from ispyb_shared.config import ServiceConfig, load_config
from ispyb_shared.schemas import StrictSchema

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "config.yaml"

PLUGIN_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
BEAMLINE_NAME = validate.Regexp(
    r"^[A-Za-z0-9_.-]{1,45}$", error="Not a beamline name (letters, digits, _ . -)."
)
SCOPE_NAME = re.compile(r"^[a-z][a-z0-9_-]*(:[a-z0-9_-]+)*$")
ROLE_NAMES = validate.OneOf(sorted(ROLES), error="Unknown role; known: {choices}.")


def _contains_username(value: str) -> None:
    if "{username}" not in value:
        raise ValidationError("Must contain {username} (where the login name goes).")


def _seconds(default: int, *, low: int = 1, high: int | None = None, text: str = ""):
    return fields.Integer(
        load_default=default,
        validate=validate.Range(min=low, max=high),
        metadata={"description": text},
    )


class LockoutConfig(StrictSchema):
    """Failed-login throttling of one plugin, per login name and source (docs/auth.md)."""

    max_failures = fields.Integer(
        load_default=5,
        validate=validate.Range(min=1, max=1000),
        metadata={
            "description": "Failures of one login name from one source within window_seconds "
            "that lock the name for that source; as many failures from sources the name never "
            "logged in from start the slow-down of every unknown source."
        },
    )
    window_seconds = _seconds(900, text="Window in which failures are counted.")
    lock_seconds = _seconds(900, text="How long a login name stays locked for one source.")
    slowdown_max_seconds = _seconds(
        60,
        high=3600,
        text="Longest wait between two attempts at a slowed-down login name from unknown "
        "sources (the wait doubles with each failure: 1, 2, 4 ... seconds).",
    )
    known_source_days = _seconds(
        90,
        high=3650,
        text="A source the name logged in from successfully is known for this many days.",
    )


class AddressThrottleConfig(StrictSchema):
    """Failed credential checks per client address (login, token, refresh), any name."""

    max_failures = fields.Integer(
        load_default=20,
        validate=validate.Range(min=1, max=100000),
        metadata={"description": "Failures from one address within window_seconds that block it."},
    )
    window_seconds = _seconds(600, text="Window in which failures are counted.")
    block_seconds = _seconds(600, text="How long a blocked address is refused.")


class Argon2Config(StrictSchema):
    """argon2id cost; the defaults are argon2-cffi's (RFC 9106 low-memory profile)."""

    time_cost = fields.Integer(load_default=3, validate=validate.Range(min=1, max=20))
    memory_cost_kib = fields.Integer(
        load_default=65536, validate=validate.Range(min=8, max=4 * 1024 * 1024)
    )
    parallelism = fields.Integer(load_default=4, validate=validate.Range(min=1, max=64))


def _lockout():
    return fields.Nested(LockoutConfig, load_default=lambda: LockoutConfig().load({}))


class LocalPluginConfig(StrictSchema):
    """Accounts stored by auth, passwords hashed with argon2id."""

    type = fields.String(required=True)
    lockout = _lockout()
    argon2 = fields.Nested(Argon2Config, load_default=lambda: Argon2Config().load({}))
    min_password_length = fields.Integer(load_default=8, validate=validate.Range(min=1, max=128))


class LdapPluginConfig(StrictSchema):
    """Search-then-bind against a directory; groups mapped to roles and beamlines."""

    type = fields.String(required=True)
    url = fields.String(
        required=True,
        validate=validate.Regexp(r"^ldaps?://", error="Must start with ldap:// or ldaps://."),
    )
    start_tls = fields.Boolean(load_default=False)
    ca_file = fields.String(load_default=None, allow_none=True)
    bind_dn = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "Account used to search users and groups; none = anonymous."},
    )
    bind_password = fields.String(load_default=None, allow_none=True)
    user_base = fields.String(required=True)
    user_filter = fields.String(
        load_default="(uid={username})",
        validate=_contains_username,
    )
    login_attribute = fields.String(load_default="uid")
    display_name_attribute = fields.String(load_default="cn")
    group_base = fields.String(load_default=None, allow_none=True)
    group_filter = fields.String(
        load_default="(&(objectClass=groupOfNames)(member={user_dn}))",
        metadata={
            "description": "Groups of a user; {user_dn} and {username} are replaced (escaped)."
        },
    )
    group_name_attribute = fields.String(load_default="cn")
    group_roles = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String(validate=ROLE_NAMES)),
        load_default=dict,
    )
    group_beamlines = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String(validate=BEAMLINE_NAME)),
        load_default=dict,
    )
    connect_timeout_seconds = _seconds(5, high=120)
    receive_timeout_seconds = _seconds(10, high=300)
    lockout = _lockout()


class OidcPluginConfig(StrictSchema):
    """Exchange of an identity provider's token (Keycloak and the like)."""

    type = fields.String(required=True)
    issuer = fields.String(required=True)
    audience = fields.String(required=True)
    jwks_url = fields.String(
        required=True, validate=validate.URL(schemes={"http", "https"}, require_tld=False)
    )
    algorithms = fields.List(
        fields.String(
            validate=validate.OneOf(["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"])
        ),
        load_default=lambda: ["RS256"],
        validate=validate.Length(min=1),
    )
    login_claim = fields.String(load_default="preferred_username")
    name_claim = fields.String(load_default="name")
    roles_claim = fields.String(
        load_default="realm_access.roles",
        metadata={"description": "Dotted path to a list of the provider's role names."},
    )
    role_map = fields.Dict(
        keys=fields.String(), values=fields.String(validate=ROLE_NAMES), load_default=dict
    )
    beamlines_claim = fields.String(load_default=None, allow_none=True)
    # What a front end needs to send people to the provider (GET /config shows these).
    client_id = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "The provider's client id of the front end; none = audience."},
    )
    authorization_endpoint = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.URL(schemes={"http", "https"}, require_tld=False),
        metadata={"description": "Where a front end sends people to log in; none = discover."},
    )
    scope = fields.String(load_default="openid profile")
    jwks_cache_seconds = _seconds(300, low=0, high=86400)
    leeway_seconds = _seconds(30, low=0, high=300)
    http_timeout_seconds = _seconds(5, high=60)


class DummyPluginConfig(StrictSchema):
    """Development only: anyone logs in with any password."""

    type = fields.String(required=True)
    roles = fields.List(fields.String(validate=ROLE_NAMES), load_default=list)
    beamlines = fields.List(fields.String(validate=BEAMLINE_NAME), load_default=list)


PLUGIN_SCHEMAS: dict[str, type[Schema]] = {
    "local": LocalPluginConfig,
    "ldap": LdapPluginConfig,
    "oidc": OidcPluginConfig,
    "dummy": DummyPluginConfig,
}


class PluginsField(fields.Field):
    """``name -> settings``; each value is validated by the schema of its ``type``."""

    def _deserialize(self, value, attr, data, **kwargs) -> dict[str, dict[str, Any]]:
        if not isinstance(value, Mapping):
            raise ValidationError("Must be a mapping of plugin name to settings.")
        loaded: dict[str, dict[str, Any]] = {}
        errors: dict[str, Any] = {}
        for name, settings in value.items():
            if not isinstance(name, str) or not PLUGIN_NAME.match(name):
                errors[str(name)] = ["Plugin names are 1-32 of a-z 0-9 _ - (a letter first)."]
                continue
            if not isinstance(settings, Mapping):
                errors[name] = ["Must be a mapping with a `type`."]
                continue
            kind = settings.get("type")
            schema = PLUGIN_SCHEMAS.get(kind) if isinstance(kind, str) else None
            if schema is None:
                known = ", ".join(PLUGIN_SCHEMAS)
                errors[name] = {"type": [f"Unknown plugin type {kind!r}; known: {known}."]}
                continue
            try:
                loaded[name] = schema().load(settings)
            except ValidationError as exc:
                errors[name] = exc.messages
        if errors:
            raise ValidationError(errors)
        return loaded


class SigningKeysConfig(StrictSchema):
    key_size = fields.Integer(
        load_default=2048,
        validate=validate.OneOf([2048, 3072, 4096]),
        metadata={"description": "RSA key size of new signing keys, in bits."},
    )
    rotate_after_days = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1),
        metadata={
            "description": "Rotate automatically when the active key is older; "
            "none = only on request."
        },
    )
    encryption_secret = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=16),
        metadata={
            "description": "Encrypts private keys at rest in the database; none = plain PEM."
        },
    )
    verification_cache_seconds = fields.Float(
        load_default=10.0,
        validate=validate.Range(min=0, max=60),
        metadata={
            "description": "How long auth keeps the published keys it verifies its own "
            "tokens with (0 = read at every request); an unknown kid reloads at once, a "
            "key retired early is refused at once (docs/auth.md)."
        },
    )


class AuthConfig(ServiceConfig):
    """The shared sections plus the auth service's own keys."""

    development = fields.Boolean(
        load_default=False,
        metadata={"description": "A development instance: allows seed-demo."},
    )
    allow_dummy_login = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Allows the dummy plugin (anyone logs in as anyone, without a "
            "password) on a development instance. For automated tests only."
        },
    )
    issuer = fields.String(load_default="ispyb", validate=validate.Length(min=1))
    audience = fields.String(load_default="ispyb", validate=validate.Length(min=1))
    access_token_seconds = _seconds(900, low=30, high=86400)
    refresh_token_seconds = _seconds(8 * 3600, low=60, high=90 * 86400)
    compat_java_token_seconds = _seconds(
        1800,
        low=30,
        high=3 * 3600,
        text="Lifetime of the Java dialect's tokens (login purpose compat-java): read-only, "
        "no refresh token, carried in URL paths.",
    )
    leeway_seconds = _seconds(30, low=0, high=300)
    signing_keys = fields.Nested(
        SigningKeysConfig, load_default=lambda: SigningKeysConfig().load({})
    )
    address_throttle = fields.Nested(
        AddressThrottleConfig, load_default=lambda: AddressThrottleConfig().load({})
    )
    extra_scopes = fields.Dict(
        keys=fields.String(
            validate=validate.Regexp(SCOPE_NAME, error="Scope names look like core:sync:write.")
        ),
        values=fields.String(),
        load_default=dict,
        metadata={"description": "Site scopes beyond the built-in ones, name -> meaning."},
    )
    plugins = PluginsField(load_default=dict)

    @validates_schema
    def _dummy_only_when_allowed(self, data: Mapping[str, Any], **_kwargs) -> None:
        if data.get("allow_dummy_login") and not data.get("development"):
            raise ValidationError(
                "The dummy plugin can be allowed only when development is true.",
                "allow_dummy_login",
            )
        if data.get("allow_dummy_login"):
            return
        errors = {
            name: {
                "type": [
                    "The dummy plugin (anyone logs in) is refused unless development and "
                    "allow_dummy_login are true (for automated tests only)."
                ]
            }
            for name, settings in (data.get("plugins") or {}).items()
            if settings["type"] == "dummy"
        }
        if errors:
            raise ValidationError({"plugins": errors})


def known_scopes(config: Mapping[str, Any]) -> dict[str, str]:
    return {**SCOPES, **config.get("extra_scopes", {})}


def load_auth_config(environ=None) -> dict[str, Any]:
    return load_config("auth", AuthConfig, default_path=DEFAULT_CONFIG_PATH, environ=environ)
