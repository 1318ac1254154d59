"""Event names, which of them are durable, and the envelope every transport carries.

This is the one module that names server-to-client events, so Socket.IO, SSE and
long-polling agree on names and payloads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from realtime import cursor as cursors

# Stream-level events
RESYNC = "resync"
ECHO = "stream:echo"
PRESENCE = "presence"
# How many people have a party's page open, and whose watching changed.
MEMBER_COUNT = "party:member_count"
# Internal: membership and sign-out changes every worker applies to its connections. They
# are stored in the log like durable events, so they reach every worker in the same order
# as the events around them, even through a Redis outage; no client's stream includes them.
CONTROL_CHANNEL = "_control"
CONTROL = "control"

# Durable: stored, given a cursor, replayed on resume.
DURABLE_PREFIXES = ("message:", "membership:", "moderation:", "party:member_", "directory:")
DURABLE_NAMES = frozenset(
    {
        ECHO,
        "notification:new",
        "party:message",
        "party:host_changed",
        "party:ended",
        CONTROL,
    }
)
# Ephemeral: delivered live only, never stored, no cursor.
EPHEMERAL_NAMES = frozenset(
    {
        PRESENCE,
        RESYNC,
        "typing",
        "party:typing",
        "party:reaction",
        "party:state",
        "notification:read",
        MEMBER_COUNT,
        "party:drift",
        "party:queue",
    }
)


# Ephemeral events that describe current state, stamped with the server time `at` of
# their last change: a resume sends them again, and a long-poll only when they changed.
STATE_NAMES = frozenset({"party:state"})

# Every server-to-client event name of the contract, for clients that must subscribe by
# name (an EventSource listens per event name).
KNOWN_EVENTS = (
    RESYNC,
    ECHO,
    PRESENCE,
    "message:new",
    "message:updated",
    "message:deleted",
    "message:read",
    "typing",
    "notification:new",
    "notification:read",
    "directory:room",
    "directory:room_removed",
    "party:state",
    "party:message",
    "party:reaction",
    "party:typing",
    "party:member_joined",
    "party:member_left",
    "party:member_updated",
    "party:host_changed",
    "party:ended",
    MEMBER_COUNT,
    "party:member_requested",
    "party:member_decided",
    "party:drift",
    "party:queue",
)


def is_durable(name: str) -> bool:
    if name in EPHEMERAL_NAMES:
        return False
    return name in DURABLE_NAMES or name.startswith(DURABLE_PREFIXES)


def subject_of(name: str, data: dict[str, Any]) -> str | None:
    """What a durable event describes ("message:12", "conversation:3"), so that changing or
    removing that thing can rewrite every stored event that carried its old content."""
    if name in ("message:new", "message:updated"):
        return f"message:{data.get('id')}"
    if name == "notification:new":
        subject = data.get("subject")
        if isinstance(subject, dict) and subject.get("type") and subject.get("id"):
            return f"{subject['type']}:{subject['id']}"
        return None
    if name == "membership:conversation_updated":
        return f"conversation:{data.get('id')}"
    if name == "membership:added" and isinstance(data.get("conversation"), dict):
        return f"conversation:{data['conversation'].get('id')}"
    return None


def user_channel(user_id: int) -> str:
    return f"user:{user_id}"


def presence_channel(user_id: int) -> str:
    return f"presence:{user_id}"


def party_channel(party_id: int) -> str:
    return f"party:{party_id}"


@dataclass(frozen=True, slots=True)
class Envelope:
    """One event on one channel; `id` is set for durable events once they are stored."""

    channel: str
    name: str
    data: dict[str, Any]
    id: int | None = None

    @property
    def cursor(self) -> str | None:
        return cursors.encode(self.id) if self.id is not None else None

    def payload(self) -> dict[str, Any]:
        """The client-facing payload: the data plus its cursor when durable."""
        if self.id is None:
            return self.data
        return {**self.data, "cursor": self.cursor}

    def to_wire(self) -> bytes:
        return orjson.dumps({"c": self.channel, "n": self.name, "d": self.data, "i": self.id})
