"""Opaque stream cursors.

A cursor names a position in the global event log. A long-poll's cursor also remembers
how recent the current state it has already carried is (a stamp in milliseconds), so the
next poll sends only state that changed since instead of the same state every time.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from errors import ValidationError

_PREFIX = "c"
_STAMP_SEPARATOR = "."
_PATTERN = re.compile(r"c([0-9a-z]{1,13})(?:\.([0-9a-z]{1,10}))?")
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True, slots=True)
class Position:
    """Where a client is: the last event it has, and (from a long-poll) the newest
    current state it has, as a server time in seconds."""

    event_id: int
    states_known_at: float | None = None


def _base36(number: int) -> str:
    if number == 0:
        return "0"
    out = []
    while number:
        number, rest = divmod(number, 36)
        out.append(_DIGITS[rest])
    return "".join(reversed(out))


def encode(event_id: int, states_known_at: float | None = None) -> str:
    """Base-36 keeps cursors short; the prefix lets the format change later. The stamp
    is rounded up to the next millisecond, so the state it was taken from counts as known."""
    text = _PREFIX + _base36(event_id)
    if states_known_at is None:
        return text
    return text + _STAMP_SEPARATOR + _base36(math.floor(states_known_at * 1000) + 1)


def decode_position(cursor: object, field: str = "cursor") -> Position:
    """The position inside a cursor, or a ValidationError naming the field."""
    match = _PATTERN.fullmatch(cursor) if isinstance(cursor, str) else None
    if match is None:
        raise ValidationError("That cursor is not valid.", code="invalid_cursor", field=field)
    event_id, stamp = match.groups()
    return Position(int(event_id, 36), None if stamp is None else int(stamp, 36) / 1000)


def decode(cursor: object, field: str = "cursor") -> int:
    """The event id inside a cursor, or a ValidationError naming the field."""
    return decode_position(cursor, field).event_id
