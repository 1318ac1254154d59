"""One publisher at a time, site-wide, from storing a durable event to announcing it.

Holding the lock across "insert, commit, publish" makes the order in which workers hear
of events the order of their ids, so a cursor (the last id a client saw) never skips
an event that committed late.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

# An arbitrary constant naming Tandem's publish lock among PostgreSQL advisory locks.
ADVISORY_LOCK_KEY = 7_201_126_001


class OrderingLock:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # threading's lock is gevent's once the server has monkey-patched, and a real
        # thread lock in scripts and tests that use native threads.
        self._local = threading.RLock()
        self._depth = 0
        self._lock_file = _sqlite_lock_file(engine)

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Reentrant: a service that wraps its own write in the lock may publish inside."""
        with self._local:
            self._depth += 1
            try:
                if self._depth > 1:
                    yield
                elif self._engine.dialect.name == "postgresql":
                    with self._advisory_lock():
                        yield
                elif self._lock_file is not None:
                    with self._file_lock():
                        yield
                else:
                    yield
            finally:
                self._depth -= 1

    @contextmanager
    def _advisory_lock(self) -> Iterator[None]:
        with self._engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
            try:
                yield
            finally:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY}
                )
                connection.commit()

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        """Several processes may share one SQLite file when trying a cluster locally."""
        descriptor = os.open(self._lock_file, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
            os.close(descriptor)


def _sqlite_lock_file(engine: Engine) -> Path | None:
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    return Path(database).with_name(Path(database).name + ".publish-lock")
