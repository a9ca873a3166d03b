"""Service configuration: one YAML file per service, environment overrides, validation.

Every service validates its whole configuration before it serves anything, so a typo in a
key or a wrong type stops it at start-up with a message that names the key, instead of
surfacing later as a confusing runtime error.

Precedence (lowest to highest): schema defaults, the YAML file, environment variables
``ISPYB_<SERVICE>__<SECTION>__<KEY>`` (double underscores separate nesting levels; values
are parsed as YAML scalars, so ``5`` is a number and ``true`` a boolean).
The file is ``$ISPYB_<SERVICE>_CONFIG`` when set, else the service's default file.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .schemas import StrictSchema


class ConfigError(Exception):
    """The configuration is invalid; the message names every offending key."""


class DatabaseConfig(StrictSchema):
    url = fields.String(
        required=True,
        metadata={
            "description": "SQLAlchemy URL: sqlite:///var/core.sqlite or "
            "mysql+pymysql://user:password@host:3306/ispyb"
        },
    )
    pool_size = fields.Integer(load_default=5, validate=validate.Range(min=1, max=200))
    max_overflow = fields.Integer(load_default=10, validate=validate.Range(min=0, max=200))
    pool_timeout = fields.Integer(load_default=30, validate=validate.Range(min=1))
    pool_recycle = fields.Integer(
        load_default=3600,
        validate=validate.Range(min=1),
        metadata={"description": "Seconds after which a pooled connection is replaced"},
    )
    echo = fields.Boolean(load_default=False)


def _ip_network(value: str) -> None:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ValidationError(
            f"{value!r} is not an IP address or network (e.g. 10.0.0.5, 10.0.0.0/24)."
        ) from None


class ApiConfig(StrictSchema):
    default_limit = fields.Integer(load_default=25, validate=validate.Range(min=1))
    max_limit = fields.Integer(load_default=1000, validate=validate.Range(min=1, max=100000))
    max_content_length = fields.Integer(
        load_default=10 * 1024 * 1024,
        validate=validate.Range(min=1024),
        metadata={"description": "Largest accepted request body, in bytes"},
    )
    trusted_proxies = fields.List(
        fields.String(validate=_ip_network),
        load_default=list,
        metadata={
            "description": "Addresses or networks of the proxies (the gateway) whose "
            "X-Forwarded-For is believed; from anyone else the header is ignored."
        },
    )
    idempotency_hours = fields.Float(
        load_default=24,
        validate=validate.Range(min=0, min_inclusive=False, max=24 * 366),
        metadata={
            "description": "How long a create's answer is kept for a retry with the same "
            "Idempotency-Key (hours)"
        },
    )
    warm_up = fields.Boolean(
        load_default=True,
        metadata={
            "description": "Before serving (in each worker): open a database connection, "
            "fetch the token keys, run the main reads once, so the first request is not slow"
        },
    )


class LoggingConfig(StrictSchema):
    level = fields.String(
        load_default="INFO",
        validate=validate.OneOf(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]),
    )
    json = fields.Boolean(load_default=True)


def _absolute(value: str) -> None:
    if not os.path.isabs(value):
        raise ValidationError(f"{value!r} is not an absolute directory.")


class FilesConfig(StrictSchema):
    """Files named by rows (ispyb_shared.files): where from, thumbnails, signed URLs."""

    roots = fields.List(
        fields.String(validate=_absolute),
        load_default=list,
        metadata={"description": "Directories files may be served from; none: nothing served"},
    )
    thumbnail_cache = fields.String(
        load_default=None,
        allow_none=True,
        validate=_absolute,
        metadata={"description": "Where thumbnails are kept (default: $ISPYB_VAR_DIR or tmp)"},
    )
    url_seconds = fields.Integer(
        load_default=300,
        validate=validate.Range(min=1, max=86400),
        metadata={"description": "How long a signed file URL stays valid"},
    )
    signing_secret = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=16),
        metadata={"description": "HMAC key of signed file URLs (required with roots)"},
    )

    @validates_schema
    def _secret_with_roots(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("roots") and not data.get("signing_secret"):
            raise ValidationError("Required when roots are set.", "signing_secret")


class ServiceConfig(StrictSchema):
    """Sections every service has. A service extends it with its own sections."""

    database = fields.Nested(DatabaseConfig, required=True)
    api = fields.Nested(ApiConfig, load_default=lambda: ApiConfig().load({}))
    logging = fields.Nested(LoggingConfig, load_default=lambda: LoggingConfig().load({}))
    files = fields.Nested(FilesConfig, load_default=lambda: FilesConfig().load({}))


def _flatten_errors(messages: Any, prefix: str = "") -> list[str]:
    if isinstance(messages, Mapping):
        out: list[str] = []
        for key, value in messages.items():
            out.extend(_flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return [f"{prefix}: {' '.join(messages)}"]
    return [f"{prefix}: {messages}"]


def _env_overrides(service: str, environ: Mapping[str, str]) -> dict[str, Any]:
    prefix = f"ISPYB_{service.upper()}__"
    overrides: dict[str, Any] = {}
    for name, raw in sorted(environ.items()):
        if not name.startswith(prefix):
            continue
        path = [part.lower() for part in name[len(prefix) :].split("__")]
        if not all(path):
            raise ConfigError(f"invalid configuration: environment variable {name} is malformed")
        node = overrides
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"invalid configuration: {name} conflicts with another variable")
        try:
            node[path[-1]] = yaml.safe_load(raw) if raw != "" else ""
        except yaml.YAMLError:
            node[path[-1]] = raw
    return overrides


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(dict(merged[key]), value)
        else:
            merged[key] = value
    return merged


def validate_config(
    raw: Mapping[str, Any], schema: type[Schema], source: str = "configuration"
) -> dict[str, Any]:
    """Validate ``raw`` against ``schema``; raise ConfigError naming each bad key."""
    if not isinstance(raw, Mapping):
        raise ConfigError(f"invalid configuration in {source}: the top level must be a mapping")
    try:
        return schema().load(raw)
    except ValidationError as exc:
        problems = "; ".join(_flatten_errors(exc.messages))
        raise ConfigError(f"invalid configuration in {source}: {problems}") from None


def load_config(
    service: str,
    schema: type[Schema],
    *,
    default_path: Path,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Read, merge and validate a service's configuration."""
    environ = os.environ if environ is None else environ
    path = Path(environ.get(f"ISPYB_{service.upper()}_CONFIG") or default_path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read configuration file {path}: {exc.strerror}") from None
    try:
        from_file = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"configuration file {path} is not valid YAML: {exc}") from None
    if not isinstance(from_file, Mapping):
        raise ConfigError(f"invalid configuration in {path}: the top level must be a mapping")
    merged = _merge(dict(from_file), _env_overrides(service, environ))
    return validate_config(merged, schema, source=f"{path} (+ ISPYB_{service.upper()}__* env)")
