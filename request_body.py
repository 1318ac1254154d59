"""Reading JSON request bodies, page forms and query parameters, refusing in the contract's
error shape."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from flask import request

from errors import ValidationError

# The most digits a number in a request may have. Python refuses to convert more than
# 4,300 (with an error, not a number), and no count or id of the site comes near 18.
DIGITS_MAX = 18


def json_body() -> Mapping[str, Any]:
    """The request's JSON object, or a 400 naming what is wrong with it."""
    if not request.is_json:
        raise ValidationError(
            "Send a JSON object with Content-Type: application/json.", field="body"
        )
    data = request.get_json(silent=True)
    if data is None:
        raise ValidationError("The body is not valid JSON.", field="body")
    if not isinstance(data, Mapping):
        raise ValidationError("The body must be a JSON object.", field="body")
    _refuse_lone_surrogates(data)
    return data


def _refuse_lone_surrogates(body: Mapping[str, Any]) -> None:
    """JSON may write half of a UTF-16 pair (`"\\ud800"`), which is no character: no text
    of the site can hold it (the database and the encoders refuse it), so it is refused
    here, naming the top-level member it came in. Walked without recursion: the parser
    takes deeper nesting than Python's stack would."""
    pending: list[tuple[object, str]] = [(key, "body") for key in body]
    pending += [(value, key) for key, value in body.items()]
    while pending:
        value, field = pending.pop()
        if isinstance(value, str):
            try:
                value.encode()
            except UnicodeEncodeError as error:
                half = f"U+{ord(value[error.start]):04X}"
                raise ValidationError(
                    f"'{field}' holds {half}, half of a UTF-16 surrogate pair: no character.",
                    field=field,
                ) from None
        elif isinstance(value, Mapping):
            pending += [(key, field) for key in value]
            pending += [(member, field) for member in value.values()]
        elif isinstance(value, list):
            pending += [(member, field) for member in value]


def json_fields(*names: str) -> tuple[Any, ...]:
    """The named members of the request's JSON object, in order (None for each missing),
    for a service that takes them as arguments; a 400 as `json_body` when the body is not
    a JSON object."""
    return payload_fields(json_body(), *names)


def payload_fields(payload: Mapping[str, Any], *names: str) -> tuple[Any, ...]:
    """The named members of a JSON object (a request's body, a socket event's payload), in
    order (None for each missing)."""
    return tuple(payload.get(name) for name in names)


def form_fields(names: Collection[str]) -> dict[str, str]:
    """A page form's fields `names` as typed ("" for each missing), which the form shows
    again when the service refuses them."""
    return {name: request.form.get(name, "") for name in names}


def whole_number(raw: str | None) -> int | None:
    """`raw` as a whole number when it is one written in decimal digits (at most
    `DIGITS_MAX` of them), else None."""
    if raw and raw.isdecimal() and len(raw) <= DIGITS_MAX:
        return int(raw)
    return None


def query_int(name: str, maximum: int, default: int | None = None) -> int | None:
    """A whole-number query parameter from 1 to `maximum`, or a 400 naming it."""
    raw = request.args.get(name)
    if raw is None:
        return default
    number = whole_number(raw)
    if number is None or not 1 <= number <= maximum:
        raise ValidationError(f"'{name}' must be a whole number from 1 to {maximum}.", field=name)
    return number


def query_page(maximum: int = 10_000) -> int:
    """The `page` query parameter of a page listed in pages: the first page when it is
    missing or not from 1 to `maximum`, so that a mistyped link still shows a page."""
    number = whole_number(request.args.get("page"))
    return number if number is not None and 1 <= number <= maximum else 1


def query_choice(name: str, choices: Collection[str]) -> str:
    """A query parameter that picks one of `choices` (a tab, a filter); the first choice
    when it is absent or none of them."""
    raw = request.args.get(name)
    return raw if raw in choices else next(iter(choices))
