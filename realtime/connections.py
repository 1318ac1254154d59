"""Live connections on this worker: Socket.IO sockets and SSE / long-poll streams.

A connection that is resuming collects live events in `pending` until its backlog has
been sent, so nothing published meanwhile is lost or sent twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from gevent.queue import Queue

from realtime.events import Envelope


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a connection belongs to, which sign-in it came from, and when that sign-in
    stops working (a token's expiry; housekeeping closes the connection soon after)."""

    user_id: int
    login_id: str | None = None
    token_id: int | None = None
    expires_at: datetime | None = None

    @classmethod
    def of_token(cls, user_id: int, token_id: int, expires_at: datetime | None) -> Identity:
        """A token's connection; a database's naive time is read as UTC."""
        if expires_at is not None and expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=UTC)
        return cls(user_id=user_id, token_id=token_id, expires_at=expires_at)

    def has_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= datetime.now(UTC)

    def seconds_left(self, longest: float) -> float:
        """How long to wait for something at most, so as to notice the expiry on time."""
        if self.expires_at is None:
            return longest
        left = (self.expires_at - datetime.now(UTC)).total_seconds()
        return min(longest, max(left, 0.0))

    def matches(self, user_id: int, login_id: str | None, token_id: int | None) -> bool:
        if user_id != self.user_id:
            return False
        if login_id is not None:
            return login_id == self.login_id
        if token_id is not None:
            return token_id == self.token_id
        return True


@dataclass(eq=False, slots=True)
class Connection:
    identity: Identity
    channels: set[str]
    transport: str
    last_id: int = 0
    pending: list[Envelope] | None = field(default_factory=list)
    watching: set[int] = field(default_factory=set)  # parties whose page this is
    viewing: set[int] = field(default_factory=set)  # conversations whose page this is
    # The channels its page asked for beyond its person's own (the presence of the people
    # it shows, the post or playlist it is), checked when it opened.
    page_channels: frozenset[str] = frozenset()

    @property
    def user_id(self) -> int:
        return self.identity.user_id

    @property
    def replaying(self) -> bool:
        return self.pending is not None

    def is_new(self, envelope: Envelope) -> bool:
        return envelope.id is None or envelope.id > self.last_id

    def is_for(self, envelope: Envelope) -> bool:
        """For this connection's person (`Envelope.audience`)."""
        return envelope.audience.admits(self.identity.user_id)

    def take_pending(self) -> list[Envelope]:
        """End the replay: the live events that arrived meanwhile, still new and for it."""
        pending, self.pending = self.pending or [], None
        return [event for event in pending if self.is_new(event) and self.is_for(event)]


@dataclass(eq=False, slots=True)
class SocketConnection(Connection):
    sid: str = ""
    # The account behind the socket, kept between events (detached from any session) and
    # dropped when the bus says it changed; `account_epoch` counts those drops, so a copy
    # read before one is not kept after it.
    account: Any = None
    account_epoch: int = 0

    def forget_account(self) -> None:
        self.account = None
        self.account_epoch += 1


@dataclass(eq=False, slots=True)
class StreamConnection(Connection):
    """An SSE stream or a long-poll request: events wait in a queue for the writer."""

    queue: Queue = field(default_factory=Queue)
    closed: bool = False

    def deliver(self, envelope: Envelope) -> None:
        if envelope.id is not None:
            self.last_id = envelope.id
        self.queue.put(envelope)

    def close(self) -> None:
        self.closed = True
        self.queue.put(None)
