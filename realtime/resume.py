"""Opening a stream connection on any transport: register it, then send its backlog.

The connection is registered (collecting live events) before the backlog is read, so an
event published in between is either in the backlog or in the live queue, and the
connection's `last_id` filters out the one copy too many.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app

from realtime import store
from realtime.bus import bus
from realtime.channels import channels_for, state_after_resume
from realtime.connections import Connection, Identity, SocketConnection, StreamConnection
from realtime.events import RESYNC, STATE_NAMES, Envelope, user_channel
from realtime.state_marks import STATE_IN_FLIGHT_S

RESYNC_EXPIRED = "cursor_expired"
RESYNC_UNKNOWN = "cursor_unknown"
RESYNC_TOO_FAR = "too_many_missed"
# The transport of a page's stream of rendered fragments (`/events/html`).
PAGE_TRANSPORT = "sse-html"
# Connections that stay open and read events as data.
SOCKET_TRANSPORT = "socketio"
SSE_TRANSPORT = "sse"
DATA_STREAMS = frozenset({SOCKET_TRANSPORT, SSE_TRANSPORT})


def open_socket(identity: Identity, sid: str) -> SocketConnection:
    socket = SocketConnection(
        identity=identity,
        channels=channels_for(identity.user_id),
        transport=SOCKET_TRANSPORT,
        sid=sid,
    )
    bus.hub.add_socket(socket)
    return socket


def open_stream(identity: Identity, transport: str, extra: Iterable[str] = ()) -> StreamConnection:
    """A stream of the user's channels, and `extra` ones the page asked for and the
    caller checked (the presence of the people a page shows)."""
    page = frozenset(extra)
    stream = StreamConnection(
        identity=identity,
        channels=channels_for(identity.user_id) | page,
        transport=transport,
        page_channels=page,
    )
    bus.hub.add_stream(stream)
    return stream


def backlog(
    connection: Connection, after_id: int | None, states_known_at: float | None = None
) -> list[Envelope]:
    """What to send first: events missed since `after_id` (or a resync), then current
    state (only what changed after `states_known_at`, when given). Without a cursor the
    connection starts at the newest event."""
    horizon = bus.horizon()
    if after_id is None:
        connection.last_id = horizon
        return []
    if after_id > horizon and after_id > store.latest_id():
        return [_resync(connection, horizon, RESYNC_UNKNOWN)]
    missed: list[Envelope] = []
    # A cursor at the horizon (a poller that is up to date) has missed nothing the log
    # could give: no read, and nothing it needs can have been pruned.
    if after_id < horizon:
        if after_id < store.pruned_through():
            return [_resync(connection, horizon, RESYNC_EXPIRED)]
        limit = current_app.config["STREAM_BACKLOG_MAX"]
        # Only up to the horizon: what lies beyond comes live, in order, once every
        # earlier transaction is known to have committed or not.
        missed = store.read_after(
            after_id, connection.channels, limit=limit + 1, before_id=horizon + 1
        )
        if len(missed) > limit:
            return [_resync(connection, horizon, RESYNC_TOO_FAR)]
        missed = [envelope for envelope in missed if connection.is_for(envelope)]
    connection.last_id = max(after_id, horizon)
    data_stream = connection.transport in DATA_STREAMS
    return missed + state_after_resume(connection.user_id, states_known_at, data_stream)


def states_known_at(
    sent: Iterable[Envelope], opened_at: float, known_before: float | None
) -> float:
    """How recent the state a long-poll answer leaves its client with is: the newest
    state it carried, and at least everything settled before the poll opened."""
    known = [opened_at - STATE_IN_FLIGHT_S]
    known.extend(
        envelope.data["at"]
        for envelope in sent
        if envelope.name in STATE_NAMES and isinstance(envelope.data.get("at"), int | float)
    )
    if known_before is not None:
        known.append(known_before)
    return max(known)


def _resync(connection: Connection, latest: int, reason: str) -> Envelope:
    """One `resync` carrying the newest cursor: the client reloads state and goes on."""
    connection.last_id = latest
    return Envelope(
        channel=user_channel(connection.user_id), name=RESYNC, data={"reason": reason}, id=latest
    )
