"""Shape checks for untrusted payloads (JSON bodies, socket event data).

Each helper returns the clean value or raises `ValidationError` naming the field, so
every transport answers bad input the same way.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from errors import ValidationError

_MISSING = object()

# The range of a database integer column (BIGINT in PostgreSQL, INTEGER in SQLite).
ID_MIN, ID_MAX = -(2**63), 2**63 - 1
CLIENT_ID_MAX = 64


def is_id(value: object) -> bool:
    """Whether `value` may name a row: a whole number (not a bool) that a database integer
    column can hold. Anything else names nothing, and must not reach a query, where SQLite
    and PostgreSQL refuse it with an error instead of finding no row."""
    return isinstance(value, int) and not isinstance(value, bool) and ID_MIN <= value <= ID_MAX


def clean_client_id(value: object) -> str | None:
    """The id a client gives a send, so that a retry stores nothing new (at most as long
    as the chat tables' `client_id` column, models/chat.py); absent is None."""
    if value is None:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= CLIENT_ID_MAX:
        raise ValidationError(
            f"'client_id' must be text of 1 to {CLIENT_ID_MAX} characters.", field="client_id"
        )
    return value


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


# Letters that render as nothing: the Hangul fillers and the combining grapheme joiner.
_BLANK_LETTERS = frozenset("\u034f\u115f\u1160\u3164\uffa0")
_ZWNJ, _ZWJ = "\u200c", "\u200d"
# The emoji tag sequences in use (flags of England, Scotland, Wales); any other run of tag
# characters is hidden text.
_TAG_FLAGS = tuple(
    "\U0001f3f4" + "".join(chr(0xE0000 + ord(c)) for c in code) + "\U000e007f"
    for code in ("gbeng", "gbsct", "gbwls")
)


def _joins(text: str, index: int) -> bool:
    """Whether the joiner at `index` does visible work: inside an emoji sequence (👨‍👩‍👧), or
    between letters of a script that shapes with joiners (Persian, Indic), never in Latin."""
    before = text[index - 1] if index else ""
    after = text[index + 1] if index + 1 < len(text) else ""
    if not before or not after:
        return False
    if text[index] == _ZWJ and unicodedata.category(after) == "So":
        return before == "\ufe0f" or unicodedata.category(before) in ("So", "Sk")
    return all(
        ord(char) >= 0x370 and unicodedata.category(char)[0] in "LM" for char in (before, after)
    )


def clean_text(value: str, field: str, *, multiline: bool = False, strip: bool = False) -> str:
    """`value` without characters that hide or disguise text: controls (C0 and C1; a
    multi-line text keeps newlines, with CR LF and CR made LF, and tabs), format characters
    (zero-width spaces, BOM, soft hyphen, bidi overrides and isolates, tag characters),
    surrogates, and letters that render as nothing. Joiners stay where they join (emoji
    sequences, scripts shaped with them), and so do the emoji tag flags. A one-line text
    also refuses line and paragraph separators.

    Names and other short texts are refused with a `ValidationError` naming the first such
    character; with `strip`, for message bodies, the characters are dropped instead."""
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    kept: list[str] = []
    index = 0
    while index < len(value):
        char = value[index]
        if char == "\U0001f3f4":
            flag = next((flag for flag in _TAG_FLAGS if value.startswith(flag, index)), char)
            kept.append(flag)
            index += len(flag)
            continue
        category = unicodedata.category(char)
        if multiline and (char in "\n\t" or category in ("Zl", "Zp")):
            hidden = False
        elif char in (_ZWNJ, _ZWJ):
            hidden = not _joins(value, index)
        else:
            hidden = category in ("Cc", "Cf", "Cs", "Zl", "Zp") or char in _BLANK_LETTERS
        if not hidden:
            kept.append(char)
        elif not strip:
            raise ValidationError(
                f"'{field}' may not contain control or invisible characters"
                f" (U+{ord(char):04X} is one).",
                field=field,
            )
        index += 1
    return "".join(kept)


def text(
    value: object,
    field: str,
    *,
    max_length: int,
    required: bool = False,
    multiline: bool = False,
    too_long: str | None = None,
) -> str:
    """A stripped text without hidden characters (`clean_text`); absent and optional, "".
    `too_long` words the refusal of a long one in the field's own terms."""
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise ValidationError(f"'{field}' must be text.", field=field)
    value = clean_text(value.strip(), field, multiline=multiline)
    if required and not value:
        raise ValidationError(f"'{field}' is required.", field=field)
    if len(value) > max_length:
        raise ValidationError(
            too_long or f"'{field}' is at most {max_length} characters.",
            code="too_long",
            field=field,
        )
    return value


def filled(value: object, field: str) -> str:
    """A page form's field that must not be left empty, as typed (a password keeps its
    spaces); empty or missing is refused in words, beside the field."""
    if not isinstance(value, str) or not value:
        raise ValidationError("This field is required.", field=field)
    return value


def length_between(value: str, field: str, *, min_length: int, max_length: int, what: str) -> str:
    """`value` unchanged when its length is in bounds; else refused in words about `what`
    ("Passwords must be at least 8 characters.")."""
    if len(value) < min_length:
        raise ValidationError(f"{what} must be at least {min_length} characters.", field=field)
    if len(value) > max_length:
        raise ValidationError(
            f"{what} must be at most {max_length} characters.", code="too_long", field=field
        )
    return value


def flag(value: object, field: str) -> bool:
    """A true or false of a payload already read; absent is false."""
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ValidationError(f"'{field}' must be true or false.", field=field)
    return value


def one_of(value: object, field: str, choices: Sequence[str]) -> str:
    """`value` when it is one of `choices`; else refused, naming them in order."""
    if value not in choices:
        named = ", ".join(choices[:-1]) + " or " + choices[-1] if len(choices) > 1 else choices[0]
        raise ValidationError(f"'{field}' is {named}.", field=field)
    return str(value)


def iso_time(value: object, field: str, *, blank_is_none: bool = False) -> datetime | None:
    """An ISO 8601 time ("Z" as UTC), as given: with its zone or without one (the caller
    decides whether a zone is needed). None is None; so is "" with `blank_is_none`."""
    if value is None or (blank_is_none and value == ""):
        return None
    if not isinstance(value, str):
        raise ValidationError(f"'{field}' must be an ISO 8601 time.", field=field)
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(f"'{field}' must be an ISO 8601 time.", field=field) from None


def _default(field: str, default: Any) -> Any:
    """What an absent field stands for: its default, or a refusal when it has none."""
    if default is None:
        raise ValidationError(f"'{field}' is required.", field=field)
    return default


def boolean(payload: Mapping[str, Any], field: str, *, default: bool | None = None) -> bool | None:
    value = payload.get(field, _MISSING)
    if value is _MISSING or value is None:
        return _default(field, default)
    if not isinstance(value, bool):
        raise ValidationError(f"'{field}' must be true or false.", field=field)
    return value


def integer(payload: Mapping[str, Any], field: str, *, minimum: int, maximum: int) -> int:
    """A whole number from `minimum` to `maximum`, required."""
    value = payload.get(field)
    if value is None:
        raise ValidationError(f"'{field}' is required.", field=field)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"'{field}' must be a whole number.", field=field)
    if not minimum <= value <= maximum:
        raise ValidationError(f"'{field}' must be between {minimum} and {maximum}.", field=field)
    return value


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with its wildcards escaped (use '\\')."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def refuse_longer(value: str, max_length: int, field: str, message: str) -> None:
    """Refuse `value` (400, code `too_long`, in the words of `message`) when it has more
    than `max_length` characters."""
    if len(value) > max_length:
        raise ValidationError(message, code="too_long", field=field)


def clock_seconds(value: object, field: str, *, maximum: float) -> float:
    """A moment of a video in seconds, to a tenth: a number, or text as people write it
    ("75", "1:15", "1:02:03.5"); from 0 to `maximum`."""
    seconds = _clock_text(value) if isinstance(value, str) else value
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise ValidationError(f"'{field}' must be a time such as 1:15 or 75.", field=field)
    if not math.isfinite(seconds) or not 0 <= seconds <= maximum:
        raise ValidationError(f"'{field}' must be from 0 to {maximum:.0f} seconds.", field=field)
    return round(float(seconds), 1)


def _clock_text(value: str) -> float | None:
    """Seconds from "[[h:]m:]s", or None when it is not written so."""
    parts = value.strip().split(":")
    if len(value) > 16 or len(parts) > 3:
        return None
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        return None
    if any(n < 0 or not math.isfinite(n) for n in numbers) or any(n >= 60 for n in numbers[1:]):
        return None
    total = 0.0
    for number in numbers:
        total = total * 60 + number
    return total
