"""Reading a request's JSON body: parsed, bounded, validated; every failure a 4xx."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from flask import request
from marshmallow import Schema

from .errors import ApiError, UnsupportedMediaType, ValidationFailed

__all__ = ["INT64_MAX", "MAX_BODY_DEPTH", "check_json_content", "load_body"]


def load_body(schema: Schema, *, partial: bool = False) -> dict[str, Any]:
    """Parse and validate the JSON body; every failure is a 4xx in the envelope."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType(
            "The body must be JSON sent with Content-Type: application/json."
        )
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw or b"")
    except RecursionError:
        raise ApiError(f"The body nests deeper than {MAX_BODY_DEPTH} levels.") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(f"The body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValidationFailed("The body must be a JSON object.", {"_body": ["Not an object."]})
    check_json_content(data)
    return schema.load(data, partial=partial)


# Documents nest a handful of levels (a shipment: dewars, containers, samples, crystal,
# protein); anything deeper is an attack on the parser and the validators' recursion.
MAX_BODY_DEPTH = 32
INT64_MAX = 2**63 - 1
# Code points no column can hold as text: a lone surrogate cannot be encoded (UTF-8) for
# the database. (NUL can be stored, and is stored exactly.)
_UNSTORABLE = re.compile("[\ud800-\udfff]")


def check_json_content(data: Any) -> None:
    """Refuse bodies too deep, text no database column can store, integers beyond 64 bits
    and numbers that are not finite, naming the place."""
    problems: dict[str, list[str]] = {}
    pending: list[tuple[Any, str, int]] = [(data, "", 0)]
    while pending:
        value, path, depth = pending.pop()
        if depth > MAX_BODY_DEPTH:
            raise ApiError(f"The body nests deeper than {MAX_BODY_DEPTH} levels.")
        if isinstance(value, dict):
            for key, item in value.items():
                where = f"{path}.{key}" if path else str(key)
                if _UNSTORABLE.search(key):
                    problems.setdefault(where, []).append(_UNSTORABLE_MESSAGE)
                pending.append((item, where, depth + 1))
        elif isinstance(value, list):
            pending.extend(
                (item, f"{path}[{index}]", depth + 1) for index, item in enumerate(value)
            )
        elif isinstance(value, str) and _UNSTORABLE.search(value):
            problems.setdefault(path or "_body", []).append(_UNSTORABLE_MESSAGE)
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > INT64_MAX:
            # No column holds it, and the drivers overflow: refused here for every field,
            # those without a range of their own included.
            problems.setdefault(path or "_body", []).append("Beyond the 64-bit integer range.")
        elif isinstance(value, float) and not math.isfinite(value):
            problems.setdefault(path or "_body", []).append("Not a finite number (1e400?).")
    if problems:
        raise ValidationFailed("The body holds text that cannot be stored.", problems)


_UNSTORABLE_MESSAGE = "Contains a lone UTF-16 surrogate, which cannot be stored."
