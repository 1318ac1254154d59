"""Reading JSON request bodies into the contract's error shape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import request

from services.errors import ValidationError


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
    return data
