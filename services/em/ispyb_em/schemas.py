"""em's base of resource schemas: the shared ModelSchema, plus em's UUID columns."""

from __future__ import annotations

from marshmallow import ValidationError, fields

from ispyb_shared.schemas import ISPyBModelConverter, ModelSchema
from ispyb_shared.uuids import parse_uuid

# ISPyB's Float columns are single precision (FLOAT) on MariaDB: a larger magnitude fails
# in the database, where the failing field and record would not be named.


class CanonicalUUID(fields.String):
    """A UUID in any accepted spelling, stored in the canonical lower-case form."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        canonical = parse_uuid(text)
        if canonical is None:
            raise ValidationError("Not a valid UUID.")
        return canonical


class EMModelConverter(ISPyBModelConverter):
    def _get_field_class_for_column(self, column):
        # Columns naming a row of another service (dataCollectionUUID...) hold UUIDs.
        if column.key.endswith("UUID"):
            return CanonicalUUID
        return super()._get_field_class_for_column(column)


class EMSchema(ModelSchema):
    """Base of every em resource schema."""

    class Meta(ModelSchema.Meta):
        model_converter = EMModelConverter
