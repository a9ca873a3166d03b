"""The bodies py-ispyb's clients send (checked here before anything is forwarded)."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from ispyb_shared.schemas import StrictSchema


class PyIspybLogin(StrictSchema):
    """py-ispyb's login: ``{plugin, login, password}``, or ``{plugin, token}`` (SSO; a
    ``login`` beside it is ignored, as mxcubecore sends one)."""

    plugin = fields.String(required=True, validate=validate.Length(min=1, max=64))
    login = fields.String(validate=validate.Length(min=1, max=255))
    password = fields.String(validate=validate.Length(min=1, max=1024))
    token = fields.String(validate=validate.Length(min=1, max=16384))

    @validates_schema
    def _credentials(self, data, **_kwargs):
        if "token" in data:
            return
        for name in ("login", "password"):
            if name not in data:
                raise ValidationError("Required without token.", name)


class PyIspybRefresh(StrictSchema):
    """mxcubecore's refresh: ``{refreshToken}``."""

    refreshToken = fields.String(required=True, validate=validate.Length(min=1, max=4096))
