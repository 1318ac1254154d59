"""The event contract: every server-to-client event, declared once.

Each event names whether it is durable (stored, given a cursor, replayed on resume) or
ephemeral, which kinds of channel it may be published on, and the shape of its payload
there (see realtime/event_schema.py for the vocabulary). Socket.IO, SSE, long-polling and
every page take event names from here; `DURABLE_NAMES`, `EPHEMERAL_NAMES`, `STATE_NAMES`,
`KNOWN_EVENTS` and `is_durable` are derived from the declarations, and `check` holds a
published event to them (the test suite runs it on every event the bus publishes).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from realtime import cursor as cursors
from realtime.audience import EVERYONE, Audience
from realtime.comment_events import comment_events
from realtime.event_schema import (
    NUMBER,
    ChannelKind,
    Contract,
    Event,
    ListOf,
    Nullable,
    OneOf,
    Shape,
    on,
)
from realtime.event_schema import ContractError as ContractError  # check() raises it
from realtime.event_shapes import (
    ANNOUNCEMENT,
    CONVERSATION_SHAPE,
    MEMBER,
    MESSAGE,
    NOTIFICATION,
    PARTICIPANT,
    PARTY_MESSAGE,
    PARTY_ONLY,
    PARTY_STATE,
    PLAYLIST_ITEM_ADDED,
    PLAYLIST_ITEM_MOVED,
    PLAYLIST_ITEM_REMOVED,
    PLAYLIST_UPDATED,
    POST,
    QUEUE_ITEM,
    TIME,
    USER_SUMMARY,
)

# -- kinds of channel -------------------------------------------------------------------
USER = ChannelKind("user:<id>", r"user:\d+")
CONVERSATION = ChannelKind("conversation:<id>", r"conversation:\d+")
PARTY = ChannelKind("party:<id>", r"party:\d+")
# A party's host and co-hosts: join requests and everyone's drift.
PARTY_DRIVERS = ChannelKind("party:<id>:drivers", r"party:\d+:drivers")
# The presence of one person, for those who may watch it.
PRESENCE_OF = ChannelKind("presence:<id>", r"presence:\d+")
# The public room directory, in everyone's stream.
DIRECTORY = ChannelKind("directory:rooms", r"directory:rooms")
# Moderators and admins.
STAFF = ChannelKind("staff", r"staff")
# The whole site: in every signed-in person's stream (announcements from the admins).
SITE = ChannelKind("site", r"site")
SITE_CHANNEL = "site"
# One author's posts for one audience: the author's stream holds all three, a follower's
# the public and followers ones, a friend's (mutual follow) the friends one too.
POSTS = ChannelKind("posts:<id>:<audience>", r"posts:\d+:(?:public|followers|friends)")
# Internal: membership and sign-out changes every worker applies to its connections. They
# are stored in the log like durable events, so they reach every worker in the same order
# as the events around them, even through a Redis outage; no client's stream includes them.
CONTROL_CHANNEL = "_control"
CONTROL_KIND = ChannelKind(CONTROL_CHANNEL, r"_control")
CHANNEL_KINDS = (
    USER,
    CONVERSATION,
    PARTY,
    PARTY_DRIVERS,
    PRESENCE_OF,
    DIRECTORY,
    STAFF,
    SITE,
    POSTS,
    CONTROL_KIND,
)

# -- names used by the realtime layer itself --------------------------------------------
RESYNC = "resync"
ECHO = "stream:echo"
PRESENCE = "presence"
# A person whose presence one saw is no longer one's to see (a block, either way).
PRESENCE_HIDDEN = "presence:hidden"
UNREAD_COUNTS = "unread:counts"
# How many people have a party's page open, and whose watching changed.
MEMBER_COUNT = "party:member_count"
CONTROL = "control"


def durable(name: str, *payloads: dict[ChannelKind, Shape], **flags: bool) -> Event:
    return Event(name, True, {kind: s for part in payloads for kind, s in part.items()}, **flags)


def ephemeral(name: str, *payloads: dict[ChannelKind, Shape], **flags: bool) -> Event:
    return Event(name, False, {kind: s for part in payloads for kind, s in part.items()}, **flags)


# -- the events -------------------------------------------------------------------------
EVENTS = (
    # The stream itself
    ephemeral(RESYNC, on(USER, Shape({"reason": str}))),
    durable(ECHO, on(USER, Shape({"text": str, "sent_at": NUMBER}))),
    ephemeral(
        PRESENCE,
        on(
            PRESENCE_OF,
            Shape(
                {
                    "user_id": int,
                    "status": OneOf("online", "away", "busy", "offline"),
                    # Added later: the person's status text ("" when none or offline).
                    "text": str,
                    "last_seen": Nullable(TIME),
                }
            ),
        ),
        # Sent again right after a resume, to data clients, for everyone they follow.
        state=True,
    ),
    # A block, either way: forget the presence (and any follow or message button) shown
    # of the other. Stored, so a page drawn just before the block that opens its stream
    # just after it hears it too.
    durable(PRESENCE_HIDDEN, on(USER, Shape({"user_id": int}))),
    # A person's follower and following counts changed (a follow, an unfollow, a block),
    # to whoever may see their presence: an open profile page draws them again.
    durable(
        "profile:counts",
        on(PRESENCE_OF, Shape({"user_id": int, "followers": int, "following": int})),
    ),
    # Conversations
    durable("message:new", on(CONVERSATION, MESSAGE)),
    durable("message:updated", on(CONVERSATION, MESSAGE)),
    durable(
        "message:deleted", on(CONVERSATION, Shape({"conversation_id": int, "message_id": int}))
    ),
    # In a room only the reader's own devices hear of a read, on their personal channel.
    durable(
        "message:read",
        on(
            (CONVERSATION, USER), Shape({"conversation_id": int, "message_id": int, "user_id": int})
        ),
    ),
    ephemeral(
        "typing",
        on(CONVERSATION, Shape({"conversation_id": int, "user": USER_SUMMARY, "typing": bool})),
    ),
    # Membership: the added person hears of the conversation on their own channel; the
    # members hear of the member on the conversation's.
    durable(
        "membership:added",
        on(USER, Shape({"conversation": CONVERSATION_SHAPE, "user": USER_SUMMARY})),
        on(CONVERSATION, MEMBER),
    ),
    durable(
        "membership:removed",
        on(
            (USER, CONVERSATION),
            Shape({"conversation_id": int, "user": USER_SUMMARY, "by": Nullable(USER_SUMMARY)}),
        ),
    ),
    durable("membership:updated", on(CONVERSATION, MEMBER)),
    durable("membership:conversation_updated", on(CONVERSATION, CONVERSATION_SHAPE)),
    durable(
        "membership:conversation_deleted",
        on(CONVERSATION, Shape({"conversation_id": int, "closed": bool})),
    ),
    durable(
        "membership:account_deleted",
        on(CONVERSATION, Shape({"conversation_id": int, "user": USER_SUMMARY})),
    ),
    # The public room directory
    durable("directory:room", on(DIRECTORY, CONVERSATION_SHAPE)),
    durable("directory:room_removed", on(DIRECTORY, Shape({"room_id": int}))),
    # Notifications
    durable("notification:new", on(USER, NOTIFICATION)),
    # One changed in place (a deleted account taken out of "ann and 2 others followed
    # you"), or gone: open pages redraw or drop it where it is.
    durable("notification:updated", on(USER, NOTIFICATION)),
    durable("notification:removed", on(USER, Shape({"id": int, "unread_count": int}))),
    # Sent right after a resume, to data clients: the unread counts as they are now.
    ephemeral(UNREAD_COUNTS, on(USER, Shape({"notifications": int, "messages": int})), state=True),
    ephemeral(
        "notification:read",
        on(USER, Shape({"ids": Nullable(ListOf(int)), "all": bool, "unread_count": int})),
    ),
    # Moderation
    durable("moderation:reports", on(STAFF, Shape({"open_count": int}))),
    # Announcements from the admins, to everyone signed in
    durable("announcement:posted", on(SITE, ANNOUNCEMENT)),
    durable("announcement:withdrawn", on(SITE, Shape({"id": int}))),
    # The person dismissed it: their other pages and devices drop it too.
    durable("announcement:dismissed", on(USER, Shape({"id": int}))),
    # A public party was scheduled, started or ended, told to everyone signed in (home
    # pages show public parties starting soon). Never sent for a private or friends party.
    durable(
        "party:listing",
        on(SITE, Shape({"party_id": int, "status": OneOf("upcoming", "live", "ended")})),
    ),
    # Posts, on the channel of their author and audience; `likes` is the count now.
    durable("post:created", on(POSTS, POST)),
    durable("post:updated", on(POSTS, POST)),
    durable("post:deleted", on(POSTS, Shape({"post_id": int}))),
    durable("post:liked", on(POSTS, Shape({"post_id": int, "likes": int}))),
    # Watch parties
    ephemeral("party:state", on(PARTY, PARTY_STATE), state=True),
    durable("party:message", on(PARTY, PARTY_MESSAGE)),
    ephemeral(
        "party:reaction",
        on(
            PARTY,
            Shape(
                {
                    "party_id": int,
                    "user": USER_SUMMARY,
                    "emoji": str,
                    "video_time": Nullable(NUMBER),
                }
            ),
        ),
    ),
    ephemeral(
        "party:typing", on(PARTY, Shape({"party_id": int, "user": USER_SUMMARY, "typing": bool}))
    ),
    # `count`: participants now; a party over 100 participants announces none of these.
    durable("party:member_joined", on(PARTY, PARTICIPANT.extend({"count": int}))),
    # The person who left (or was removed) hears of it on their own channel, without count.
    durable(
        "party:member_left",
        on(PARTY, PARTICIPANT.extend({"count": int, "reason": OneOf("left", "removed")})),
        on(USER, PARTICIPANT.extend({"reason": OneOf("left", "removed")})),
    ),
    durable("party:member_updated", on(PARTY, PARTICIPANT.extend(optional={"count": int}))),
    durable(
        "party:member_requested", on(PARTY_DRIVERS, Shape({"party_id": int, "user": USER_SUMMARY}))
    ),
    durable("party:member_decided", on(USER, Shape({"party_id": int, "approved": bool}))),
    # Also to the old and the new host's followers whose home pages show a party that is
    # not public (the card names its host).
    durable("party:host_changed", on((PARTY, USER), Shape({"party_id": int, "host_id": int}))),
    # The host's followers who were told it started hear of its end on their own channel.
    durable("party:ended", on((PARTY, USER), PARTY_ONLY)),
    ephemeral(
        MEMBER_COUNT,
        on(PARTY, Shape({"party_id": int, "count": int, "user_id": int, "watching": bool})),
    ),
    ephemeral(
        "party:drift",
        on(
            PARTY_DRIVERS,
            Shape(
                {
                    "party_id": int,
                    "user_id": int,
                    "drift": NUMBER,
                    "playing": bool,
                    "buffering": bool,
                }
            ),
        ),
    ),
    ephemeral("party:queue", on(PARTY, Shape({"party_id": int, "items": ListOf(QUEUE_ITEM)}))),
    # Internal: applied by every worker's hub (realtime/bus.py), never sent to a client.
    durable(
        CONTROL,
        on(
            CONTROL_KIND,
            Shape(
                {"op": OneOf("join", "leave", "close", "account", "narrow")},
                {"user": int, "keep": ListOf(int), "channel": str, "token_id": Nullable(int)}
                | {"login_id": Nullable(str), "keep_login_id": Nullable(str), "keep_pages": bool},
            ),
        ),
        internal=True,
    ),
)

# -- playlists --------------------------------------------------------------------------
# One playlist's changes, in the streams of its owner, its collaborators and, while it is
# public, its followers. Every payload carries the playlist's new `version`.
PLAYLIST = ChannelKind("playlist:<id>", r"playlist:\d+")
CHANNEL_KINDS = (*CHANNEL_KINDS, PLAYLIST)
EVENTS = (
    *EVENTS,
    durable("playlist:updated", on(PLAYLIST, PLAYLIST_UPDATED)),
    durable("playlist:item_added", on(PLAYLIST, PLAYLIST_ITEM_ADDED)),
    durable("playlist:item_moved", on(PLAYLIST, PLAYLIST_ITEM_MOVED)),
    durable("playlist:item_removed", on(PLAYLIST, PLAYLIST_ITEM_REMOVED)),
)
EVENTS = (*EVENTS, *comment_events(POSTS))  # comments, on their post's channel
CONTRACT = Contract(CHANNEL_KINDS, EVENTS)

# -- derived from the declarations ------------------------------------------------------
# Durable: stored, given a cursor, replayed on resume.
DURABLE_NAMES = frozenset(event.name for event in EVENTS if event.durable)
# Ephemeral: delivered live only, never stored, no cursor.
EPHEMERAL_NAMES = frozenset(event.name for event in EVENTS if not event.durable)
# Ephemeral events that describe current state, stamped with the server time `at` of
# their last change: a resume sends them again, and a long-poll only when they changed.
STATE_NAMES = frozenset(event.name for event in EVENTS if event.state)
# Every server-to-client event name of the contract, for clients that must subscribe by
# name (an EventSource listens per event name).
KNOWN_EVENTS = tuple(event.name for event in EVENTS if not event.internal)


def is_durable(name: str) -> bool:
    """Whether the event is stored and replayed; ContractError if it is not declared."""
    return CONTRACT.get(name).durable


def check(channel: str, name: str, data: Any) -> None:
    """Raise ContractError (naming the event and the offending key) unless `name` is
    declared, `channel` is of a kind it may go on, and `data` has its shape there."""
    CONTRACT.check(channel, name, data)


def check_all(items: Iterable[tuple[str, str, Any]]) -> None:
    """`check` each (channel, name, data) of a batch about to be published."""
    for channel, name, data in items:
        check(channel, name, data)


def user_channel(user_id: int) -> str:
    return f"user:{user_id}"


def presence_channel(user_id: int) -> str:
    return f"presence:{user_id}"


def posts_channel(author_id: int, audience: str) -> str:
    return f"posts:{author_id}:{audience}"


def party_channel(party_id: int) -> str:
    return f"party:{party_id}"


def party_of(channel: str) -> int | None:
    """The party whose channel `channel` is (`party:<id>`), else None."""
    kind, _, rest = channel.partition(":")
    return int(rest) if kind == "party" and rest.isascii() and rest.isdigit() else None


def conversation_channel(conversation_id: int) -> str:
    return f"conversation:{conversation_id}"


def playlist_channel(playlist_id: int) -> str:
    return f"playlist:{playlist_id}"


@dataclass(frozen=True, slots=True)
class Envelope:
    """One event on one channel; `id` is set for durable events once stored. `published_at`
    (time.time()) is when it went to the transport, for the metrics; None from the log.
    `audience`: who of those holding its channel may have it (bus.publish)."""

    channel: str
    name: str
    data: dict[str, Any]
    id: int | None = None
    published_at: float | None = field(default=None, compare=False)
    audience: Audience = EVERYONE

    @property
    def cursor(self) -> str | None:
        return cursors.encode(self.id) if self.id is not None else None

    def payload(self) -> dict[str, Any]:
        """The client-facing payload: the data plus its cursor when durable."""
        if self.id is None:
            return self.data
        return {**self.data, "cursor": self.cursor}

    def to_wire(self) -> bytes:
        return orjson.dumps(
            {
                "c": self.channel,
                "n": self.name,
                "d": self.data,
                "i": self.id,
                "t": self.published_at,
                **self.audience.to_wire(),
            }
        )
