"""One transaction per service call, even when services call each other.

A public service function that other services also call is wrapped in `unit_of_work`:
called from a blueprint or a socket handler, it commits when it returns (and its events
go out, realtime/outbox.py) or rolls back when it raises; called from inside another
service's work, it only adds to that work, which commits or rolls back as one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from extensions import db

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


def discard_open_work() -> None:
    """Roll back what an entry point's call left uncommitted; nothing to do when it
    opened no session (a typing event reads outside one)."""
    if db.session.registry.has():
        db.session.rollback()
