"""One transaction per service call, even when services call each other.

A public service function that other services also call is wrapped in `unit_of_work`:
called from a blueprint or a socket handler, it commits when it returns (and its events
go out, realtime/outbox.py) or rolls back when it raises; called from inside another
service's work, it only adds to that work, which commits or rolls back as one.

The hottest write (a chat message) runs its statements in `writing`: a unit of work of
its own on a pooled connection when it needs nothing of the ORM and no caller's work is
under way, else the same session's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from sqlalchemy.engine import Connection

from extensions import db
from realtime.bus import bus

P = ParamSpec("P")
R = TypeVar("R")

_DEPTH = "tandem_unit_of_work_depth"


def unit_of_work(function: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        session = db.session()
        depth = session.info.get(_DEPTH, 0)
        session.info[_DEPTH] = depth + 1
        try:
            result = function(*args, **kwargs)
            if depth == 0:
                session.commit()
            return result
        except BaseException:
            if depth == 0:
                session.rollback()
            raise
        finally:
            session.info[_DEPTH] = depth

    return run


@contextmanager
def writing(*, orm: bool) -> Iterator[Connection]:
    """The connection a write's statements run on, in a unit of work that commits when
    the block ends (its events announced then) and rolls back if it raises. A write that
    uses the ORM (`orm`), or that joins a caller's unit of work, runs in the session and
    commits only if it began the work; any other on a connection of its own, without a
    session, whose bookkeeping costs more than a chat message's statements."""
    session = db.session
    if not orm and not (session.registry.has() and session().in_transaction()):
        with bus.work_on_connection() as connection:
            yield connection
        return
    outermost = session().info.get(_DEPTH, 0) == 0
    try:
        yield session.connection()
        if outermost:
            session.commit()
    except BaseException:
        if outermost:
            session.rollback()
        raise


def discard_open_work() -> None:
    """Roll back what an entry point's call left uncommitted; nothing to do when it
    opened no session (a typing event reads outside one)."""
    if db.session.registry.has():
        db.session.rollback()
