"""Opaque stream cursors. A cursor names a position in the global event log."""

from __future__ import annotations

import re

from services.errors import ValidationError

_PREFIX = "c"
_PATTERN = re.compile(r"c[0-9a-z]{1,13}")


def encode(event_id: int) -> str:
    """Base-36 keeps cursors short; the prefix lets the format change later."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    if event_id == 0:
        return _PREFIX + "0"
    out = []
    number = event_id
    while number:
        number, rest = divmod(number, 36)
        out.append(digits[rest])
    return _PREFIX + "".join(reversed(out))


def decode(cursor: object, field: str = "cursor") -> int:
    """The event id inside a cursor, or a ValidationError naming the field."""
    if not isinstance(cursor, str) or not _PATTERN.fullmatch(cursor):
        raise ValidationError("That cursor is not valid.", code="invalid_cursor", field=field)
    return int(cursor[1:], 36)
