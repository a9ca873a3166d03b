"""The front ends' options: message of the day, site name, beamline groups."""

from __future__ import annotations

import json

from marshmallow import ValidationError, fields, validate, validates, validates_schema

from ispyb_shared.schemas import StrictSchema

from .models import AdminVar

VALUE_LENGTH = AdminVar.__table__.c.value.type.length
BEAMLINE_NAME = validate.Regexp(
    r"^[A-Za-z0-9_.-]{1,45}$", error="Not a beamline name (letters, digits, _ . -)."
)


class BeamlineGroup(StrictSchema):
    """Beamlines a front end shows together (e.g. "MX": i03, i04)."""

    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=45),
        metadata={"description": "The group's name, unique among the groups."},
    )
    beamlines = fields.List(
        fields.String(validate=BEAMLINE_NAME),
        required=True,
        validate=validate.Length(max=100),
        metadata={"description": "Beamline names, as sessions' beamLineName."},
    )

    @validates_schema
    def _complete(self, data, **_kwargs) -> None:
        # A PATCH loads partially, nested schemas included: a group is still whole.
        missing = {name: ["Missing data for required field."] for name in ("name", "beamlines")}
        missing = {name: text for name, text in missing.items() if name not in data}
        if missing:
            raise ValidationError(missing)


class UIOptionsRead(StrictSchema):
    messageOfTheDay = fields.String(
        allow_none=True,
        metadata={"description": "Shown to everyone at start-up; none: no message."},
    )
    siteName = fields.String(allow_none=True, metadata={"description": "The site's name."})
    beamlineGroups = fields.List(
        fields.Nested(BeamlineGroup),
        required=True,
        metadata={"description": "Beamlines shown together; [] when unset."},
    )


class UIOptionsUpdate(UIOptionsRead):
    """Any of the options; null clears the message or the site name."""

    messageOfTheDay = fields.String(
        allow_none=True,
        validate=validate.Length(max=VALUE_LENGTH),
        metadata={"description": "Shown at start-up; null clears it."},
    )
    siteName = fields.String(
        allow_none=True,
        validate=validate.Length(min=1, max=255),
        metadata={"description": "The site's name; null clears it."},
    )
    beamlineGroups = fields.List(
        fields.Nested(BeamlineGroup),
        metadata={"description": "Replaces every group (at most 1024 characters as JSON)."},
    )

    @validates("beamlineGroups")
    def _fits_its_column(self, value, **_kwargs) -> None:
        if len(json.dumps(value, separators=(",", ":"))) > VALUE_LENGTH:
            raise ValidationError(f"Too many groups: at most {VALUE_LENGTH} characters as JSON.")
        names = [group["name"] for group in value]
        if len(set(names)) != len(names):
            raise ValidationError("Group names must be unique.")
