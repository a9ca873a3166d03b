"""Resources are defined once: SQLAlchemy model -> marshmallow schema -> OpenAPI.

A model column carries its meaning and unit in ``doc=``; :class:`ModelSchema` derives the
marshmallow fields (types, lengths, enums, nullability, descriptions) from the model, and
:func:`json_schema` turns any marshmallow schema into the JSON schema that flask-restx
shows in Swagger. Nothing about a field is written twice.

Conventions, following Netflix Dispatch: ``XRead`` (what the API returns), ``XCreate``
(POST body), ``XUpdate`` (PATCH body, every field optional).
"""

from __future__ import annotations

import datetime as dt
import math
import struct
from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate
from marshmallow_sqlalchemy import ModelConverter, SQLAlchemyAutoSchema, SQLAlchemyAutoSchemaOpts
from sqlalchemy import types as sqltypes

from .uuids import parse_uuid

# The naming rule (docs/migration-notes.md): a schema's ``Meta.renamed`` maps a field's
# former JSON name to its name now ({"Crystal": "crystal", "cellA": "cell_a"}). The field
# keeps its attribute (the model's column or relationship); only its JSON key changes, and
# a body still sending the former name is read as the new one.


def _renamed_keys(schema: Schema, field_name: str, field_obj: fields.Field) -> None:
    renamed = getattr(schema.opts, "renamed", None) or {}
    if field_name in renamed and field_obj.data_key is None:
        field_obj.data_key = renamed[field_name]


def _accept_former_names(schema: Schema, data: Any) -> Any:
    """A body's former field names read as the new ones (both at once is an error)."""
    renamed = getattr(schema.opts, "renamed", None) or {}
    if renamed and isinstance(data, list):
        return [_accept_former_names(schema, item) for item in data]
    if not renamed or not isinstance(data, dict) or not any(old in data for old in renamed):
        return data
    data = dict(data)
    twice = {}
    for old, new in renamed.items():
        if old in data:
            if new in data:
                twice[old] = [f"Sent twice: {old} is the former name of {new}."]
            else:
                data[new] = data.pop(old)
    if twice:
        raise ValidationError(twice)
    return data


class _RenamingOpts:
    def __init__(self, meta, *args, **kwargs):
        super().__init__(meta, *args, **kwargs)
        self.renamed = dict(getattr(meta, "renamed", {}))


class StrictSchemaOpts(_RenamingOpts, Schema.OPTIONS_CLASS):
    pass


class StrictSchema(Schema):
    """Base of every hand-written schema that takes input (bodies, config sections): an
    unknown field is an error naming it, never silently dropped (a typo must not pass)."""

    OPTIONS_CLASS = StrictSchemaOpts

    class Meta:
        unknown = RAISE

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        _renamed_keys(self, field_name, field_obj)

    def load(self, data, *, many=None, partial=None, unknown=None):
        # Not a pre_load hook: a schema without hooks stays compilable (em's fast loader).
        if self.opts.renamed:
            data = _accept_former_names(self, data)
        return super().load(data, many=many, partial=partial, unknown=unknown)


def single_precision(value: float) -> float:
    """The shortest decimal that is the same single-precision number as ``value``.

    A FLOAT column holds 24 bits of mantissa: MariaDB hands it over as the double nearest
    (1.64 comes back as 1.6399999856948853), SQLite as the double it was given. Both are
    served as the number a single-precision reader would print (1.64)."""
    if not math.isfinite(value):
        return value
    try:
        single = struct.unpack("f", struct.pack("f", value))[0]
    except OverflowError:
        return value
    for digits in range(6, 10):
        shortest = float(f"{single:.{digits}g}")
        if struct.unpack("f", struct.pack("f", shortest))[0] == single:
            return shortest
    return single


class SinglePrecisionFloat(fields.Float):
    """A FLOAT (single precision) column: served at single precision on every backend."""

    def _serialize(self, value, attr, obj, **kwargs):
        result = super()._serialize(value, attr, obj, **kwargs)
        return single_precision(result) if isinstance(result, float) else result


class NaiveDateTime(fields.NaiveDateTime):
    """ISPyB stores times without zone; a zone-qualified input is converted to UTC.

    Years 1000 to 9999 (MariaDB's DATETIME range), after the zone is applied.
    """

    default_error_messages = {"range": "Must be between years 1000 and 9999."}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("timezone", dt.UTC)
        super().__init__(*args, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            result = super()._deserialize(value, attr, data, **kwargs)
        except OverflowError:
            raise self.make_error("range") from None
        if not 1000 <= result.year <= 9999:
            raise self.make_error("range")
        return result


class StrictInteger(fields.Integer):
    """JSON integers only: 1.5 or "1" are refused rather than silently converted."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("strict", True)
        super().__init__(*args, **kwargs)


class RowReference(fields.Field):
    """A row named by its integer id (a JSON integer or a string of digits) or its UUID.

    Loads as text: the id's digits, or the UUID in canonical form.
    """

    default_error_messages = {"invalid": "Must be an id (integer) or a UUID."}
    MAX_ID = 2**32 - 1  # ISPyB keys are INT UNSIGNED at most

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            text = str(value)
        elif isinstance(value, str):
            text = value.strip()
        else:
            raise self.make_error("invalid")
        if text.isascii() and text.isdigit():
            if not 1 <= int(text) <= self.MAX_ID:
                raise self.make_error("invalid")
            return str(int(text))
        canonical = parse_uuid(text)
        if canonical is None:
            raise self.make_error("invalid")
        return canonical

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(value)


INT32_RANGE = validate.Range(min=-(2**31), max=2**31 - 1)
# MariaDB FLOAT is single precision: larger magnitudes fail in the database, unnamed.
FLOAT32_RANGE = validate.Range(min=-3.4e38, max=3.4e38)


# 2026-03-01T09:00:00[.ffffff] served; on input a zone (Z, +02:00) may follow.
LOCAL_DATE_TIME_PATTERN = (
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$"
)
ZERO_DATE_NOTE = "Null when the database holds a zero date ('0000-00-00')."


class ISPyBModelConverter(ModelConverter):
    SQLA_TYPE_MAPPING = {
        **ModelConverter.SQLA_TYPE_MAPPING,
        sqltypes.DateTime: NaiveDateTime,
        sqltypes.TIMESTAMP: NaiveDateTime,
        sqltypes.Integer: StrictInteger,
        sqltypes.SmallInteger: StrictInteger,
        sqltypes.BigInteger: StrictInteger,
    }

    def _get_field_class_for_data_type(self, data_type):
        if is_single_precision(data_type):
            return SinglePrecisionFloat
        return super()._get_field_class_for_data_type(data_type)

    def property2field(self, prop, *, instance=True, field_class=None, **kwargs):
        # ``auto_field(validate=...)`` adds to what the column implies (length, enum,
        # range) instead of replacing it: a stricter rule must not lose the basic ones.
        # An explicit validator of the same kind as a derived one replaces it.
        extra = kwargs.pop("validate", None)
        if extra is not None and instance:
            extra = list(extra) if isinstance(extra, list | tuple) else [extra]
            kinds = {type(validator) for validator in extra}
            derived = [
                validator
                for validator in self._get_field_kwargs_for_property(prop)["validate"]
                if type(validator) not in kinds
            ]
            kwargs["validate"] = [*derived, *extra]
        return super().property2field(prop, instance=instance, field_class=field_class, **kwargs)

    def _get_field_kwargs_for_property(self, prop) -> dict[str, Any]:
        kwargs = super()._get_field_kwargs_for_property(prop)
        column = prop.columns[0] if hasattr(prop, "columns") else None
        if column is not None and isinstance(column.type, sqltypes.DateTime | sqltypes.Date):
            # Sites' databases hold zero dates written by other programs in any date
            # column (see ispyb_shared.db.legacy_safe_conversions).
            metadata = kwargs["metadata"]
            note = ZERO_DATE_NOTE
            description = metadata.get("description")
            metadata["description"] = f"{description} {note}" if description else note
            metadata["zero_date_as_null"] = True
        return kwargs

    def _add_column_kwargs(self, kwargs: dict[str, Any], column) -> None:
        super()._add_column_kwargs(kwargs, column)
        # Out-of-range numbers must fail validation with the field named, not in the
        # database (MariaDB strict mode error, or silent clipping without it).
        if isinstance(column.type, sqltypes.Integer) and not isinstance(
            column.type, sqltypes.BigInteger | sqltypes.Boolean
        ):
            kwargs["validate"].append(INT32_RANGE)
        if is_single_precision(column.type):
            kwargs["validate"].append(FLOAT32_RANGE)


def is_single_precision(data_type) -> bool:
    """A FLOAT column (MariaDB's single precision), not DOUBLE or REAL."""
    return isinstance(data_type, sqltypes.Float) and not isinstance(
        data_type, sqltypes.Double | sqltypes.REAL
    )


# ISPyB columns that only repeat another field (the group's ids, a second identifier
# beside uuid): never served; a body sending one gets an error naming it and its
# replacement (docs/migration-notes.md).
LEGACY_DUPLICATES = {
    (
        "DataCollection",
        "BLSAMPLEID",
    ): "Removed: a data collection's sample is its group's (blSampleId, "
    "dataCollectionGroupId, or sample when the sweep creates its group).",
    (
        "DataCollection",
        "SESSIONID",
    ): "Removed: a data collection's session is its group's (sessionId via "
    "dataCollectionGroupId, or session when the sweep creates its group).",
    ("Person", "personUUID"): "Removed: a person is identified by uuid (or externalId for the user "
    "office's identifier).",
    ("Crystal", "crystalUUID"): "Removed: a crystal is identified by crystalId or uuid.",
    (
        "DiffractionPlan",
        "DIFFRACTIONPLANUUID",
    ): "Removed: a diffraction plan is identified by diffractionPlanId or uuid.",
}


class ModelSchemaOpts(_RenamingOpts, SQLAlchemyAutoSchemaOpts):
    def __init__(self, meta, *args, **kwargs):
        super().__init__(meta, *args, **kwargs)
        # Business rules stricter than the (mostly nullable) ISPyB columns.
        self.required_fields = tuple(getattr(meta, "required_fields", ()))
        # The model's legacy duplicates: left out of the schema, refused in bodies.
        table = self.model.__table__ if self.model is not None else None
        self.removed = {
            column: text
            for (name, column), text in LEGACY_DUPLICATES.items()
            if table is not None and table.name == name and column in table.columns
        }
        if self.removed and not self.fields:
            self.exclude = (*self.exclude, *(n for n in self.removed if n not in self.exclude))


class ModelSchema(SQLAlchemyAutoSchema):
    """Base of every resource schema: fields derived from the model, strict input."""

    OPTIONS_CLASS = ModelSchemaOpts

    class Meta:
        include_fk = True
        include_relationships = False
        load_instance = False
        model_converter = ISPyBModelConverter
        unknown = RAISE

    def load(self, data, *, many=None, partial=None, unknown=None):
        # marshmallow-sqlalchemy's load reads marshmallow's version from the package
        # metadata on every call (about 1.4 ms, once per nested record); our schemas never
        # load model instances, so marshmallow's own load is all they need.
        if self.opts.renamed:
            data = _accept_former_names(self, data)
        removed = self.opts.removed
        if not removed or not isinstance(data, dict) or not any(n in data for n in removed):
            return Schema.load(self, data, many=many, partial=partial, unknown=unknown)
        # A removed name is an error naming it, with the body's other problems.
        problems = {name: [removed[name]] for name in removed if name in data}
        rest = {key: value for key, value in data.items() if key not in removed}
        try:
            Schema.load(self, rest, many=many, partial=partial, unknown=unknown)
        except ValidationError as exc:
            messages = exc.messages if isinstance(exc.messages, dict) else {"_body": exc.messages}
            problems = {**messages, **problems}
        raise ValidationError(problems)

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        _renamed_keys(self, field_name, field_obj)
        if field_name in self.opts.required_fields:
            field_obj.required = True
            field_obj.allow_none = False


class EnvelopeSchema(Schema):
    class Meta:
        unknown = EXCLUDE


class ErrorSchema(EnvelopeSchema):
    code = fields.String(
        required=True,
        metadata={"description": "Stable machine-readable error code (see docs/errors.md)."},
    )
    message = fields.String(required=True, metadata={"description": "Human-readable summary."})
    details = fields.Raw(
        allow_none=True,
        metadata={
            "description": 'Per-field messages, e.g. {"proposalCode": ["Missing data for '
            'required field."]}, or null.'
        },
    )
    requestId = fields.String(
        allow_none=True,
        metadata={"description": "The request id (X-Request-ID); quote it when reporting."},
    )


def _documented_bounds(validator: validate.Range) -> dict[str, Any]:
    """A range's bounds, without the single-precision limit every FLOAT column gets
    (enforced on input, but +-3.4e+38 on every float of Swagger UI would say nothing)."""
    bounds: dict[str, Any] = {}
    if validator.min is not None and validator.min != FLOAT32_RANGE.min:
        bounds["minimum"] = validator.min
        if not validator.min_inclusive:
            bounds["exclusiveMinimum"] = True
    if validator.max is not None and validator.max != FLOAT32_RANGE.max:
        bounds["maximum"] = validator.max
        if not validator.max_inclusive:
            bounds["exclusiveMaximum"] = True
    return bounds


def _field_schema(field_obj: fields.Field) -> dict[str, Any]:
    if isinstance(field_obj, fields.Nested):
        nested = field_obj.schema
        schema = json_schema(nested)
        if field_obj.many:
            schema = {"type": "array", "items": schema}
    elif isinstance(field_obj, fields.List):
        schema = {"type": "array", "items": _field_schema(field_obj.inner)}
    elif isinstance(field_obj, fields.Dict):
        schema = {"type": "object"}
    elif isinstance(field_obj, fields.Boolean):
        schema = {"type": "boolean"}
    elif isinstance(field_obj, fields.Integer):
        schema = {"type": "integer"}
    elif isinstance(field_obj, fields.Float | fields.Decimal | fields.Number):
        schema = {"type": "number"}
    elif isinstance(field_obj, fields.DateTime):
        # ISPyB's times are facility local time without zone, not RFC 3339 date-times:
        # the document says so rather than promising an offset it never sends.
        schema = {"type": "string", "pattern": LOCAL_DATE_TIME_PATTERN, "x-ispyb-time": "local"}
    elif isinstance(field_obj, fields.Date):
        schema = {"type": "string", "format": "date"}
    elif isinstance(field_obj, fields.UUID):
        schema = {"type": "string", "format": "uuid"}
    elif isinstance(field_obj, fields.Email):
        schema = {"type": "string", "format": "email"}
    elif isinstance(field_obj, fields.String):
        schema = {"type": "string"}
    elif isinstance(field_obj, RowReference):
        # An integer or a UUID string: Swagger 2.0 cannot say "one of", so no type.
        schema = {"x-ispyb-reference": "id or uuid"}
    else:
        schema = {}
    for validator in getattr(field_obj, "validators", ()):
        if isinstance(validator, validate.Length):
            if validator.max is not None:
                schema["maxLength"] = validator.max
            if validator.min is not None:
                schema["minLength"] = validator.min
        elif isinstance(validator, validate.Range):
            schema.update(_documented_bounds(validator))
        elif isinstance(validator, validate.OneOf):
            schema["enum"] = list(validator.choices)
    if (
        "type" not in schema
        and schema.get("enum")
        and all(isinstance(choice, str) for choice in schema["enum"])
    ):
        # An enum column (a Raw field with OneOf): its choices say it is text.
        schema["type"] = "string"
    description = field_obj.metadata.get("description")
    if description:
        schema["description"] = description
    if field_obj.allow_none or field_obj.metadata.get("zero_date_as_null"):
        schema["x-nullable"] = True
    if field_obj.dump_only:
        schema["readOnly"] = True
    return schema


def json_schema(schema: Schema | type[Schema]) -> dict[str, Any]:
    """The JSON schema (Swagger 2.0 flavour) of a marshmallow schema."""
    instance = schema() if isinstance(schema, type) else schema
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, field_obj in instance.fields.items():
        if field_obj.load_only and instance.dump_only:
            continue
        key = field_obj.data_key or name
        properties[key] = _field_schema(field_obj)
        if field_obj.required:
            required.append(key)
    result: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        result["required"] = sorted(required)
    if getattr(instance.opts, "unknown", None) == RAISE and not instance.dump_only:
        result["additionalProperties"] = False
    doc = (type(instance).__doc__ or "").strip()
    if doc:
        result["description"] = doc
    return result


def list_json_schema(item_schema: Schema | type[Schema]) -> dict[str, Any]:
    """The list envelope around ``item_schema``."""
    return {
        "type": "object",
        "properties": {
            "total": {
                "type": ["integer", "null"],
                "description": "Rows matching the filters (null on an after= page).",
            },
            "limit": {"type": "integer", "description": "Page size used."},
            "offset": {"type": "integer", "description": "Rows skipped."},
            "after": {
                "type": ["string", "null"],
                "description": "The after= cursor of this page, if any.",
            },
            "results": {"type": "array", "items": json_schema(item_schema)},
            "links": {
                "type": "object",
                "description": "Links to other pages.",
                "properties": {
                    "self": {
                        "type": ["string", "null"],
                        "description": "URL of this page.",
                    },
                    "next": {
                        "type": ["string", "null"],
                        "description": "URL of the next page (keyset cursor), null on the "
                        "last page.",
                    },
                    "prev": {
                        "type": ["string", "null"],
                        "description": "URL of the previous page of an offset page; null on "
                        "the first page and on after= pages (a cursor only goes forward).",
                    },
                },
            },
        },
        "required": ["total", "limit", "offset", "results"],
    }
