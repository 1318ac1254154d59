"""Counting rows that point at other rows: likes of posts and comments, members of
conversations. Each count is one statement, whether for one row or for a page of them."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute

from extensions import db


def count_of(key: InstrumentedAttribute[int], value: int) -> int:
    """How many rows of `key`'s table hold `value` in it."""
    return db.session.scalar(select(func.count()).select_from(key.class_).where(key == value))


def counts_per(key: InstrumentedAttribute[int], values: Collection[int]) -> dict[int, int]:
    """How many rows of `key`'s table hold each of `values` (one with none is left out)."""
    found = db.session.execute(select(key, func.count()).where(key.in_(values)).group_by(key)).all()
    return dict(found)


def likes_of(
    key: InstrumentedAttribute[int], values: Collection[int], viewer_id: int
) -> tuple[dict[int, int], set[int]]:
    """For a like table's `key` (`PostLike.post_id`): how many like each of `values`, and
    which of them the viewer likes."""
    person = key.class_.user_id
    mine = db.session.scalars(select(key).where(key.in_(values), person == viewer_id))
    return counts_per(key, values), set(mine)
