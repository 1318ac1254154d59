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


class _Kept:
    __slots__ = ("connections", "pid")

    def __init__(self) -> None:
        self.connections: list[Connection] = []
        self.pid = os.getpid()


_kept: dict[Engine, _Kept] = {}


def take(engine: Engine) -> Connection:
    """A connection of `engine`, with no transaction open: a kept one if there is one."""
    if not _keeps(engine):
        return engine.connect()
    kept = _kept_for(engine)
    return kept.connections.pop() if kept.connections else engine.connect()


def give_back(engine: Engine, connection: Connection) -> None:
    """End what `connection` has open (rolled back, as the pool does on return), and keep
    it for the next taker if it is usable and there is room, else close it."""
    kept = _kept.get(engine)
    keep = (
        kept is not None
        and kept.pid == os.getpid()
        and not connection.closed
        and not connection.invalidated
        and len(kept.connections) < KEEP
    )
    if not keep:
        connection.close()
        return
    if connection.in_transaction():
        connection.rollback()
    kept.connections.append(connection)


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
    kept = _kept.get(engine)
    return len(kept.connections) if kept is not None and kept.pid == os.getpid() else 0


def _keeps(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:")


def _kept_for(engine: Engine) -> _Kept:
    kept = _kept.get(engine)
    if kept is None or kept.pid != os.getpid():
        kept = _kept[engine] = _Kept()
        if not event.contains(engine, "engine_disposed", _forget):
            event.listen(engine, "engine_disposed", _forget)
    return kept


def _forget(engine: Engine) -> None:
    """The engine's pool was disposed: its kept connections are closed with it."""
    kept = _kept.pop(engine, None)
    if kept is not None and kept.pid == os.getpid():
        for connection in kept.connections:
            connection.close()
