"""How the site's SQLite connections are set up, and when one is retired.

WAL lets readers and one writer work at once; the busy timeout waits out locks.

A connection that wrote many rows at once is closed when it goes back to the pool and
a new one opened in its place (a few milliseconds). SQLite's full-text index (FTS5) keeps,
per connection and per index, a table of the entries a transaction has pending; it grows to
the most a transaction ever held there and never shrinks, and every commit clears all of
it. After a bulk change (a room's messages indexed again, an account's posts deleted,
the index rebuilt) every later single-row commit on that connection would pay for
clearing a table sized for the bulk: measured, a chat message's index cost went from
about 50 to about 90 µs on a connection that had once indexed 100,000 rows.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine

# Rows changed (triggers' and the index's own writes included) while a connection was
# checked out, past which it is retired. A chat message changes about ten.
BULK_ROWS = 10_000


def tune(engine: Engine, busy_timeout_ms: int) -> None:
    """Every connection's settings, and the retirement of one after a bulk change (for a
    database in a file)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    if engine.url.database in (None, "", ":memory:"):
        return  # a database in memory lives only as long as its connection

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy) -> None:
        record.info["rows_at_checkout"] = dbapi_connection.total_changes

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection, record) -> None:
        if dbapi_connection is None:  # already closed (invalidated)
            return
        changed = dbapi_connection.total_changes - record.info.get("rows_at_checkout", 0)
        if changed > BULK_ROWS:
            record.invalidate()
