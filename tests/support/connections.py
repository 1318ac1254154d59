"""The database connections a test's app holds."""

from __future__ import annotations

from extensions import db
from models.kept_connections import kept_count


def connections_in_use() -> int:
    """Out of the pool and not kept idle for the next taker: held by someone."""
    return db.engine.pool.checkedout() - kept_count(db.engine)
