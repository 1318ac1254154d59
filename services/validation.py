"""Shape checks for untrusted payloads (JSON bodies, socket event data).

Each helper returns the clean value or raises `ValidationError` naming the field, so
every transport answers bad input the same way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from services.errors import ValidationError

_MISSING = object()

# The range of a database integer column (BIGINT in PostgreSQL, INTEGER in SQLite).
ID_MIN, ID_MAX = -(2**63), 2**63 - 1


def is_id(value: object) -> bool:
    """Whether `value` may name a row: a whole number (not a bool) that a database integer
    column can hold. Anything else names nothing, and must not reach a query, where SQLite
    and PostgreSQL refuse it with an error instead of finding no row."""
    return isinstance(value, int) and not isinstance(value, bool) and ID_MIN <= value <= ID_MAX


def require_object(payload: object, what: str = "body") -> Mapping[str, Any]:
    if not isinstance(payload, Mapping):
        raise ValidationError(f"The {what} must be a JSON object.", field=what)
    return payload


def string(
    payload: Mapping[str, Any],
    field: str,
    *,
    max_length: int,
    min_length: int = 0,
    required: bool = True,
    strip: bool = True,
) -> str | None:
    value = payload.get(field, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise ValidationError(f"'{field}' is required.", field=field)
        return None
    if not isinstance(value, str):
        raise ValidationError(f"'{field}' must be a string.", field=field)
    if strip:
        value = value.strip()
    if len(value) > max_length:
        raise ValidationError(
            f"'{field}' must be at most {max_length} characters.", code="too_long", field=field
        )
    if len(value) < min_length:
        raise ValidationError(f"'{field}' must be at least {min_length} characters.", field=field)
    return value


def boolean(payload: Mapping[str, Any], field: str, *, default: bool | None = None) -> bool | None:
    value = payload.get(field, _MISSING)
    if value is _MISSING or value is None:
        if default is None:
            raise ValidationError(f"'{field}' is required.", field=field)
        return default
    if not isinstance(value, bool):
        raise ValidationError(f"'{field}' must be true or false.", field=field)
    return value


def integer(
    payload: Mapping[str, Any],
    field: str,
    *,
    minimum: int,
    maximum: int,
    default: int | None = None,
) -> int:
    value = payload.get(field, _MISSING)
    if value is _MISSING or value is None:
        if default is None:
            raise ValidationError(f"'{field}' is required.", field=field)
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"'{field}' must be a whole number.", field=field)
    if not minimum <= value <= maximum:
        raise ValidationError(f"'{field}' must be between {minimum} and {maximum}.", field=field)
    return value


def number(
    payload: Mapping[str, Any],
    field: str,
    *,
    minimum: float,
    maximum: float,
    default: float | None = None,
) -> float:
    value = payload.get(field, _MISSING)
    if value is _MISSING or value is None:
        if default is None:
            raise ValidationError(f"'{field}' is required.", field=field)
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"'{field}' must be a number.", field=field)
    value = float(value)
    if not math.isfinite(value) or not minimum <= value <= maximum:
        raise ValidationError(f"'{field}' must be between {minimum} and {maximum}.", field=field)
    return value


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with its wildcards escaped (use '\\')."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
