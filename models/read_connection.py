"""A connection for a read that may stand outside any unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection

from extensions import db


@contextmanager
def reading(*, join_session: bool = False) -> Iterator[Connection]:
    """The session's connection while a unit of work is under way (the read sees its
    changes and takes no second connection), or with `join_session` (a caller that reads
    more through the session next: one connection for all); else a connection of the
    pool's, held for the read alone. A request that only checks who asks (a long-poll)
    then opens no session: through one, a read cost three times as much."""
    session = db.session
    if join_session or (session.registry.has() and session().in_transaction()):
        yield session.connection()
        return
    with db.engine.connect() as connection:
        yield connection
