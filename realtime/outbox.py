"""The unit of work: a change and the events it causes commit together, then go out.

Services publish while they work (`bus.publish`); the events wait in the unit of work.
Just before it commits, the durable ones are written to the event log in the same
transaction (the transactional outbox); once the commit has succeeded, all of them are
announced in the order they were published. A rollback announces nothing, and a service
called by another only adds to its caller's unit of work: whoever commits, sends.

A unit of work is the database session's transaction, or (`Outbox.on_connection`, for the
hottest writes) a transaction on a pooled connection of its own, without the session:
the same queue, the same log, the same announcement, none of the session's bookkeeping.
Nothing is written through the session while such a unit is under way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from models.kept_connections import kept_connection
from models.read_connection import working_on
from realtime import faults, store
from realtime.audience import EVERYONE, Audience
from realtime.events import Envelope, is_durable

log = logging.getLogger(__name__)

_KEY = "tandem_outbox"
_AFTER = "tandem_after_commit"
_UNDO = "tandem_after_rollback"

# What the unit of work under way on a connection of its own holds (as a session's
# `info` does for the session's): None while there is none.
_on_connection: ContextVar[dict[str, list] | None] = ContextVar("on_connection", default=None)


@dataclass(slots=True)
class Queued:
    channel: str
    name: str
    data: dict[str, Any]
    audience: Audience = EVERYONE
    id: int | None = None

    def envelope(self) -> Envelope:
        return Envelope(
            channel=self.channel,
            name=self.name,
            data=self.data,
            id=self.id,
            published_at=time.time(),
            audience=self.audience,
        )


Announce = Callable[[list[Envelope]], None]


class Outbox:
    """Holds each unit of work's events and hands them to the bus's `announce` once it
    has committed: through the session's hooks, or around a connection's own commit."""

    def __init__(self, announce: Announce) -> None:
        self._announce = announce

    def add(
        self,
        session: Callable[[], Session],
        channel: str,
        name: str,
        data: dict[str, Any],
        audience: Audience = EVERYONE,
    ) -> Queued:
        """Queue an event in the unit of work under way: the one on a connection of its
        own if there is one, else the transaction of the session `session()` gives."""
        queued = Queued(channel, name, data, audience)
        _held(session, _KEY).append(queued)
        return queued

    @staticmethod
    def after_commit(session: Callable[[], Session], action: Callable[[], None]) -> None:
        """Run `action` once the unit of work has committed (never on rollback): for
        what cannot be undone, such as removing a file. It must not use the session."""
        _held(session, _AFTER).append(action)

    @staticmethod
    def after_rollback(session: Callable[[], Session], action: Callable[[], None]) -> None:
        """Run `action` if the unit of work rolls back (never once it commits): to undo
        what the database cannot, such as a file written for a row that is not kept. It
        must not use the session."""
        _held(session, _UNDO).append(action)

    @contextmanager
    def on_connection(self, engine: Engine) -> Iterator[Connection]:
        """A unit of work on a connection of its own (on SQLite, one kept out of the pool
        between such units: models/kept_connections.py), for a write that needs nothing of
        the ORM: it commits when the block ends, its events written and then announced as
        a session's are, and rolls back (announcing nothing) if it raises.
        The session's bookkeeping around a chat message's statements cost more than the
        statements themselves."""
        if _on_connection.get() is not None:
            raise RuntimeError("A unit of work on a connection is already under way.")
        held: dict[str, list] = {}
        token = _on_connection.set(held)
        try:
            with kept_connection(engine) as connection, working_on(connection):
                yield connection
                _write_durable(held, connection)
                connection.commit()
        except BaseException:
            _run(held.get(_UNDO, []), "rollback")  # closing the connection rolled it back
            raise
        finally:
            _on_connection.reset(token)
        self._announce_committed(held)

    def install(self) -> None:
        if not event.contains(Session, "before_commit", self._write):
            event.listen(Session, "before_commit", self._write)
            event.listen(Session, "after_commit", self._send)
            event.listen(Session, "after_transaction_end", _forget)
            event.listen(Session, "before_flush", _no_session_writes)
            event.listen(Session, "do_orm_execute", _no_session_statements)

    def uninstall(self) -> None:
        if event.contains(Session, "before_commit", self._write):
            event.remove(Session, "before_commit", self._write)
            event.remove(Session, "after_commit", self._send)
            event.remove(Session, "after_transaction_end", _forget)
            event.remove(Session, "before_flush", _no_session_writes)
            event.remove(Session, "do_orm_execute", _no_session_statements)

    @staticmethod
    def _write(session: Session) -> None:
        _write_durable(session.info, session.connection())

    def _send(self, session: Session) -> None:
        self._announce_committed(session.info)

    def _announce_committed(self, held: dict[str, Any]) -> None:
        queued: list[Queued] | None = held.pop(_KEY, None)
        actions: list[Callable[[], None]] = held.pop(_AFTER, None) or []
        held.pop(_UNDO, None)
        if queued:
            faults.after_commit(item.name for item in queued)
            try:
                self._announce([item.envelope() for item in queued])
            except Exception:  # the change is committed; the log check delivers it anyway
                log.exception("Announcing %d committed event(s) failed", len(queued))
        _run(actions, "commit")


def _held(session: Callable[[], Session], key: str) -> list:
    """The list under `key` of the unit of work under way. In a session, what is queued
    belongs to a transaction even if it has not touched the database yet, so that its
    end (a commit, or a rollback) decides its fate."""
    held = _on_connection.get()
    if held is None:
        current = session()
        if not current.in_transaction():
            current.begin()
        held = current.info
    return held.setdefault(key, [])


def _write_durable(held: dict[str, Any], connection: Connection) -> None:
    queued: list[Queued] = held.get(_KEY) or []
    durable = [item for item in queued if item.id is None and is_durable(item.name)]
    if not durable:
        return
    # The log's ids are taken as late as possible, just before the commit, so a
    # transaction holds an id that others have passed for as short a time as can be.
    ids = store.insert(connection, durable)
    for item, event_id in zip(durable, ids, strict=True):
        item.id = event_id


def _no_session_writes(session: Session, *_args: object) -> None:
    """A write through the session while a unit of work runs on a connection of its own
    would be a second transaction, committed apart or lost: a mistake, said at once."""
    if _on_connection.get() is not None:
        raise RuntimeError("A unit of work on a connection is under way: write on it.")


def _no_session_statements(state: ORMExecuteState) -> None:
    if _on_connection.get() is not None and (state.is_insert or state.is_update or state.is_delete):
        _no_session_writes(state.session)


def _forget(session: Session, transaction: SessionTransaction) -> None:
    """The unit of work ended: what a commit did not send was rolled back, and what
    was to be undone on a rollback is undone."""
    if transaction.parent is None:
        session.info.pop(_KEY, None)
        session.info.pop(_AFTER, None)
        _run(session.info.pop(_UNDO, None) or [], "rollback")


def _run(actions: list[Callable[[], None]], after: str) -> None:
    for action in actions:
        try:
            action()
        except Exception:
            log.exception("An action after a %s failed", after)
