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
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import Pool

# At most this many are kept per engine, out of the pool's own limit (5 plus 10 overflow):
# more are taken only while that many units of work overlap, and go back to the pool.
KEEP = 3

# The kept connections hang on their pool (an attribute of ours), not in a table here: a
# disposed engine's new pool starts with none, and a pool nothing else uses any more goes,
# with what it kept. An engine event for the disposal would have made every statement of
# the engine pay for dispatching events.
_ATTRIBUTE = "tandem_kept_connections"
_pools: weakref.WeakSet[Pool] = weakref.WeakSet()


def _forget_in_child() -> None:
    """A child process never uses its parent's connections (nor closes them: they are the
    parent's); `gunicorn --preload` forks workers from a process that may have kept some."""
    for pool in list(_pools):
        pool.__dict__.pop(_ATTRIBUTE, None)
    _pools.clear()


os.register_at_fork(after_in_child=_forget_in_child)


def take(engine: Engine) -> Connection:
    """A connection of `engine`, with no transaction open: a kept one if there is one."""
    kept = engine.pool.__dict__.get(_ATTRIBUTE)
    return kept.pop() if kept else engine.connect()


def give_back(engine: Engine, connection: Connection) -> None:
    """End what `connection` has open (rolled back, as the pool does on return), and keep
    it for the next taker if it is usable and there is room, else close it."""
    kept = engine.pool.__dict__.get(_ATTRIBUTE)
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
    return len(engine.pool.__dict__.get(_ATTRIBUTE, ()))


def _start_keeping(engine: Engine) -> list[Connection] | None:
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return None
    _pools.add(engine.pool)
    return engine.pool.__dict__.setdefault(_ATTRIBUTE, [])
