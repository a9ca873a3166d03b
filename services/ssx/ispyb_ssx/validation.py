"""Validation rules stricter than the columns, added to the fields derived from the
models (ispyb_shared.schemas.ModelSchema derives type, length, enum and nullability)."""

from __future__ import annotations

from marshmallow import ValidationError, validate
from sqlalchemy.orm import InstrumentedAttribute

from ispyb_shared.schemas import FLOAT32_RANGE, INT32_RANGE

# A Range given to auto_field replaces the derived one, so the column's bounds are kept.
FLOAT_MAX = FLOAT32_RANGE.max
INT_MAX = INT32_RANGE.max
NON_NEGATIVE = validate.Range(min=0, max=FLOAT_MAX)
POSITIVE = validate.Range(min=0, min_inclusive=False, max=FLOAT_MAX)
PERCENT = validate.Range(min=0, max=100)
PH = validate.Range(min=0, max=14)
ANGLE = validate.Range(min=0, max=180, min_inclusive=False)
COUNT = validate.Range(min=0, max=INT_MAX)
IMAGE_NUMBER = validate.Range(min=1, max=INT_MAX)


def not_blank(column: InstrumentedAttribute) -> validate.Length:
    """At least one character, at most what the column holds."""
    return validate.Length(min=1, max=column.type.length)


def whole_number(value: float) -> None:
    """ISPyB keeps some counts in FLOAT columns; the API accepts whole numbers only."""
    if value is not None and value != int(value):
        raise ValidationError("Must be a whole number.")
