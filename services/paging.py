"""Pages of chat messages, newest first, keyset-paged by id."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select

from errors import ValidationError
from extensions import db


def newest_first(
    query: Select, id_column: Any, before: int | None, limit: int, maximum: int
) -> list:
    """The rows of `query` with an id below `before` (the oldest one shown), newest first;
    a 400 when `limit` is not from 1 to `maximum`."""
    if not 1 <= limit <= maximum:
        raise ValidationError(f"'limit' must be between 1 and {maximum}.", field="limit")
    if before is not None:
        query = query.where(id_column < before)
    return list(db.session.scalars(query.order_by(id_column.desc()).limit(limit)))
