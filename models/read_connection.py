"""A connection for a read that may stand outside any unit of work, and the connection of a
unit of work that runs without the ORM session."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy.engine import Connection

from extensions import db
from models import kept_connections


class _Shared:
    """The connection the reads of a `shared_reads` block take turns on, once needed."""

    connection: Connection | None = None
    given_back = False


_shared: ContextVar[_Shared | None] = ContextVar("shared_reads", default=None)
_working: ContextVar[Connection | None] = ContextVar("working_on", default=None)


@contextmanager
def working_on(connection: Connection) -> Iterator[None]:
    """Inside the block a unit of work runs on `connection`, not in the session: its
    reads (`reading`) take that connection and see what it has not committed yet."""
    token = _working.set(connection)
    try:
        yield
    finally:
        _working.reset(token)


@contextmanager
def reading(*, join_session: bool = False) -> Iterator[Connection]:
    """The connection of the unit of work under way: one without the session
    (`working_on`), else the session's while its unit of work is under way or with
    `join_session` (a caller that reads more through the session next: one connection for
    all); either way the read sees its changes and takes no second connection. Inside
    `shared_reads`, the block's one connection; else a connection of its own, held for the
    read alone (on SQLite, one kept out of the pool between reads: models/kept_connections.py).
    A request that only checks who asks (a long-poll) then opens no session: through one,
    a read cost three times as much."""
    working = _working.get()
    if working is not None:
        yield working
        return
    session = db.session
    if join_session or (session.registry.has() and session().in_transaction()):
        yield session.connection()
        return
    shared = _shared.get()
    if shared is not None and not shared.given_back:
        if shared.connection is None:
            shared.connection = kept_connections.take(db.engine)
        yield shared.connection
        return
    with kept_connections.kept_connection(db.engine) as connection:
        yield connection


@contextmanager
def shared_reads() -> Iterator[None]:
    """The reads outside a unit of work in this block share one connection, taken at the
    first and given back at the end (or at `give_back_shared`): a long-poll's reads are
    single statements, each costing about what a checkout from the pool costs."""
    shared = _Shared()
    token = _shared.set(shared)
    try:
        yield
    finally:
        _shared.reset(token)
        _give_back(shared)


def give_back_shared() -> None:
    """Give the block's connection back now, before a wait that needs none;
    reads after it take their own."""
    shared = _shared.get()
    if shared is not None:
        _give_back(shared)


def _give_back(shared: _Shared) -> None:
    shared.given_back = True
    connection, shared.connection = shared.connection, None
    if connection is not None:
        kept_connections.give_back(db.engine, connection)
