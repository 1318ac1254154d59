"""Rows kept in an order of their own, by a `position` column: a party's queue, a
playlist's items."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import ColumnElement, select

from extensions import db

Row = TypeVar("Row")


def by_position(model: type[Row], *criteria: ColumnElement[bool]) -> list[Row]:
    """The rows of `model` that meet `criteria`, in their order (on a tie of positions,
    the older row, by id, first)."""
    return list(
        db.session.scalars(select(model).where(*criteria).order_by(model.position, model.id))
    )
