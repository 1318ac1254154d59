"""The unit of work: a change and the events it causes commit together, then go out.

Services publish while they work (`bus.publish`); the events wait in the database
session. Just before the session commits, the durable ones are written to the event log
in the same transaction (the transactional outbox); once the commit has succeeded, all of
them are announced in the order they were published. A rollback announces nothing, and a
service called by another only adds to its caller's unit of work: whoever commits, sends.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from realtime import faults, store
from realtime.audience import EVERYONE, Audience
from realtime.events import Envelope, is_durable

log = logging.getLogger(__name__)

_KEY = "tandem_outbox"
_AFTER = "tandem_after_commit"
_UNDO = "tandem_after_rollback"


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
    """Binds the session hooks to the bus's `announce`."""

    def __init__(self, announce: Announce) -> None:
        self._announce = announce

    def add(
        self,
        session: Session,
        channel: str,
        name: str,
        data: dict[str, Any],
        audience: Audience = EVERYONE,
    ) -> Queued:
        _in_transaction(session)
        queued = Queued(channel, name, data, audience)
        session.info.setdefault(_KEY, []).append(queued)
        return queued

    @staticmethod
    def after_commit(session: Session, action: Callable[[], None]) -> None:
        """Run `action` once the session's transaction has committed (never on rollback):
        for what cannot be undone, such as removing a file. It must not use the session."""
        _in_transaction(session)
        session.info.setdefault(_AFTER, []).append(action)

    @staticmethod
    def after_rollback(session: Session, action: Callable[[], None]) -> None:
        """Run `action` if the session's transaction rolls back (never once it commits):
        to undo what the database cannot, such as a file written for a row that is not
        kept. It must not use the session."""
        _in_transaction(session)
        session.info.setdefault(_UNDO, []).append(action)

    def install(self) -> None:
        if not event.contains(Session, "before_commit", self._write):
            event.listen(Session, "before_commit", self._write)
            event.listen(Session, "after_commit", self._send)
            event.listen(Session, "after_transaction_end", _forget)

    def uninstall(self) -> None:
        if event.contains(Session, "before_commit", self._write):
            event.remove(Session, "before_commit", self._write)
            event.remove(Session, "after_commit", self._send)
            event.remove(Session, "after_transaction_end", _forget)

    @staticmethod
    def _write(session: Session) -> None:
        queued: list[Queued] = session.info.get(_KEY) or []
        durable = [item for item in queued if item.id is None and is_durable(item.name)]
        if not durable:
            return
        # The log's ids are taken as late as possible, just before the commit, so a
        # transaction holds an id that others have passed for as short a time as can be.
        ids = store.insert(session, durable)
        for item, event_id in zip(durable, ids, strict=True):
            item.id = event_id

    def _send(self, session: Session) -> None:
        queued: list[Queued] | None = session.info.pop(_KEY, None)
        actions: list[Callable[[], None]] = session.info.pop(_AFTER, None) or []
        session.info.pop(_UNDO, None)
        if queued:
            faults.after_commit(item.name for item in queued)
            try:
                self._announce([item.envelope() for item in queued])
            except Exception:  # the change is committed; the log check delivers it anyway
                log.exception("Announcing %d committed event(s) failed", len(queued))
        _run(actions, "commit")


def _in_transaction(session: Session) -> None:
    """What is queued belongs to a transaction, even one that has not touched the
    database yet, so that its end (a commit, or a rollback) decides its fate."""
    if not session.in_transaction():
        session.begin()


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
