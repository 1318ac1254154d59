"""Stopping a worker without losing what it holds.

On SIGTERM the serving process stops accepting connections and refuses new writes
(socket events and HTTP writes answer `unavailable`), lets every write already begun
finish and answer its sender, then closes its live connections, whose clients reconnect
to another worker and resume from their cursors.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, g, request
from gevent.event import Event

from errors import Unavailable

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Drain:
    def __init__(self) -> None:
        self.closing = False
        self._busy = 0
        self._idle = Event()
        self._idle.set()

    @contextmanager
    def work(self) -> Iterator[None]:
        """One write: refused once stopping has begun, waited for if it began before."""
        self.enter()
        try:
            yield
        finally:
            self.leave()

    def enter(self) -> None:
        if self.closing:
            raise Unavailable("This server is restarting. Reconnect and try again.")
        self._busy += 1
        self._idle.clear()

    def leave(self) -> None:
        self._busy -= 1
        if self._busy == 0:
            self._idle.set()

    def begin(self) -> None:
        self.closing = True

    def wait_idle(self, timeout: float) -> bool:
        """True once no write is in hand, False if some still are after `timeout`."""
        return self._idle.wait(timeout)


drain = Drain()


def register(app: Flask) -> None:
    """HTTP writes count as work in hand from their start to their teardown."""

    @app.before_request
    def hold_write() -> None:
        if request.method in WRITES:
            drain.enter()
            g.holds_write = True

    @app.teardown_request
    def release_write(_error: BaseException | None) -> None:
        if g.pop("holds_write", False):
            drain.leave()
