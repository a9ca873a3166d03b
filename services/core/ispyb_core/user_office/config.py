"""The ``user_office`` section of core's configuration."""

from __future__ import annotations

import re

from marshmallow import ValidationError, fields, validate, validates_schema

from ispyb_shared.schemas import StrictSchema

_DOTTED = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+$")


class UserOfficeConfig(StrictSchema):
    class Meta(StrictSchema.Meta):
        ordered = True

    adapter = fields.String(
        load_default="file",
        metadata={"description": "file, http or a dotted UserOfficeAdapter class name"},
    )
    path = fields.String(load_default=None, allow_none=True)
    url = fields.String(load_default=None, allow_none=True)
    interval_seconds = fields.Integer(load_default=300, validate=validate.Range(min=10))
    timeout_seconds = fields.Integer(load_default=30, validate=validate.Range(min=1))
    options = fields.Dict(
        keys=fields.String(),
        load_default=dict,
        metadata={"description": "settings of a site's own adapter class"},
    )

    @validates_schema
    def _check(self, data, **_kwargs):
        adapter = data.get("adapter", "file")
        if adapter not in ("file", "http") and not _DOTTED.match(adapter):
            raise ValidationError("file, http or a dotted class name", "adapter")
        if (
            adapter == "http"
            and data.get("url")
            and not data["url"].startswith(("http://", "https://"))
        ):
            raise ValidationError("Must be an http(s) URL.", "url")
