"""A few of the pool's SQLite connections kept out of it between the hottest units of work.

Checking a connection out of SQLAlchemy's pool and back in (its record, its proxy, the
pool's queue and lock, the checkout and checkin events, the reset on return) costs about
what a chat message's statements cost SQLite itself, and a chat message took two: the
typing announcement's read and the message's write. A kept connection is taken from a
list and put back on it.

Only for SQLite in a file: there is no server that can drop a kept connection, which the
pool's check before each checkout (`pool_pre_ping`, on for PostgreSQL) would have caught,
and a database in memory has one connection that every user shares. A connection goes
back on the list with its transaction rolled back, as the pool would have done, unless it
is no longer usable or the list is full: then back to the pool. Each process keeps its
own: a connection opened before a fork is never used after it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

# At most this many are kept per engine, out of the pool's own limit (5 plus 10 overflow):
# more are taken only while that many units of work overlap, and go back to the pool.
KEEP = 3


_kept: dict[Engine, list[Connection]] = {}
# A child process never uses its parent's connections (nor closes them: they are the
# parent's); `gunicorn --preload` forks workers from a process that may have kept some.
os.register_at_fork(after_in_child=_kept.clear)


def take(engine: Engine) -> Connection:
    """A connection of `engine`, with no transaction open: a kept one if there is one."""
    kept = _kept.get(engine)
    return kept.pop() if kept else engine.connect()


def give_back(engine: Engine, connection: Connection) -> None:
    """End what `connection` has open (rolled back, as the pool does on return), and keep
    it for the next taker if it is usable and there is room, else close it."""
    kept = _kept.get(engine)
    if kept is None:
        kept = _start_keeping(engine)
    if kept is None or connection.closed or connection.invalidated or len(kept) >= KEEP:
        connection.close()
        return
    if connection.in_transaction():
        connection.rollback()
    kept.append(connection)


@contextmanager
def kept_connection(engine: Engine) -> Iterator[Connection]:
    """`take` for the block, and `give_back` after it; if the block raises, the
    connection goes back to the pool (rolled back)."""
    connection = take(engine)
    try:
        yield connection
    except BaseException:
        connection.close()
        raise
    give_back(engine, connection)


def kept_count(engine: Engine) -> int:
    """How many of the pool's checked-out connections are kept here, not in use."""
    return len(_kept.get(engine, ()))


def _start_keeping(engine: Engine) -> list[Connection] | None:
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return None
    if not event.contains(engine, "engine_disposed", _forget):
        event.listen(engine, "engine_disposed", _forget)
    return _kept.setdefault(engine, [])


def _forget(engine: Engine) -> None:
    """The engine's pool was disposed: its kept connections are closed with it."""
    for connection in _kept.pop(engine, ()):
        connection.close()
