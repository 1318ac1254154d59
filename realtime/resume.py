"""Opening a stream connection on any transport: register it, then send its backlog.

The connection is registered (collecting live events) before the backlog is read, so an
event published in between is either in the backlog or in the live queue, and the
connection's `last_id` filters out the one copy too many.
"""

from __future__ import annotations

from flask import current_app

from realtime import store
from realtime.bus import bus
from realtime.channels import channels_for, state_after_resume
from realtime.connections import Connection, Identity, SocketConnection, StreamConnection
from realtime.events import RESYNC, Envelope, user_channel

RESYNC_EXPIRED = "cursor_expired"
RESYNC_UNKNOWN = "cursor_unknown"
RESYNC_TOO_FAR = "too_many_missed"


def open_socket(identity: Identity, sid: str) -> SocketConnection:
    socket = SocketConnection(
        identity=identity, channels=channels_for(identity.user_id), transport="socketio", sid=sid
    )
    bus.hub.add_socket(socket)
    return socket


def open_stream(identity: Identity, transport: str) -> StreamConnection:
    stream = StreamConnection(
        identity=identity, channels=channels_for(identity.user_id), transport=transport
    )
    bus.hub.add_stream(stream)
    return stream


def backlog(connection: Connection, after_id: int | None) -> list[Envelope]:
    """What to send first: events missed since `after_id` (or a resync), then current
    state. Without a cursor the connection starts at the newest event."""
    latest = store.latest_id()
    if after_id is None:
        connection.last_id = latest
        return []
    if after_id > latest:
        return [_resync(connection, latest, RESYNC_UNKNOWN)]
    if after_id < store.pruned_through():
        return [_resync(connection, latest, RESYNC_EXPIRED)]
    limit = current_app.config["STREAM_BACKLOG_MAX"]
    missed = store.read_after(after_id, connection.channels, limit=limit + 1)
    if len(missed) > limit:
        return [_resync(connection, latest, RESYNC_TOO_FAR)]
    connection.last_id = missed[-1].id if missed else after_id
    return missed + state_after_resume(connection.user_id)


def _resync(connection: Connection, latest: int, reason: str) -> Envelope:
    """One `resync` carrying the newest cursor: the client reloads state and goes on."""
    connection.last_id = latest
    return Envelope(
        channel=user_channel(connection.user_id), name=RESYNC, data={"reason": reason}, id=latest
    )
