"""Which rooms each connection is in, kept beside python-socketio's own books.

The library's manager finds the rooms of a leaving connection by testing every room of
the namespace, and Tandem has one room per connection and one per channel someone
listens on: each disconnect walked thousands of rooms, and a worker's restart, when
every connection leaves at once, cost the square of that. `IndexedRooms` keeps each
connection's rooms, so leaving costs only the rooms one was in. Written for the
python-socketio version pinned in `websocket_fanout.PINNED`; the tests compare its
books with the library's own after every step.
"""

from __future__ import annotations

from collections.abc import Hashable

import socketio


class IndexedRooms:
    """A mixin for python-socketio's managers: the in-process one and Redis's."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.rooms_of: dict[tuple[str, str], set[Hashable]] = {}

    def basic_enter_room(
        self, sid: str, namespace: str, room: Hashable, eio_sid: str | None = None
    ) -> None:
        super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)
        self.rooms_of.setdefault((namespace, sid), set()).add(room)

    def basic_leave_room(self, sid: str, namespace: str, room: Hashable) -> None:
        super().basic_leave_room(sid, namespace, room)
        rooms = self.rooms_of.get((namespace, sid))
        if rooms is not None:
            rooms.discard(room)
            if not rooms:
                del self.rooms_of[(namespace, sid)]

    def basic_disconnect(self, sid: str, namespace: str, **_kwargs: object) -> None:
        """Leave one's own rooms, then forget the connection's callbacks and any pending
        connect or disconnect, as the library does."""
        for room in list(self.rooms_of.get((namespace, sid), ())):
            self.basic_leave_room(sid, namespace, room)
        self.callbacks.pop(sid, None)
        for pending in (self.pending_connect, self.pending_disconnect):
            waiting = pending.get(namespace)
            if waiting and sid in waiting:
                waiting.remove(sid)
                if not waiting:
                    del pending[namespace]

    def get_rooms(self, sid: str, namespace: str) -> list[Hashable]:
        return [room for room in self.rooms_of.get((namespace, sid), ()) if room is not None]


class Manager(IndexedRooms, socketio.Manager):
    """The embedded configuration's manager."""


class RedisManager(IndexedRooms, socketio.RedisManager):
    """The manager when Redis carries Socket.IO's messages between workers."""


def manager_for(redis_url: str | None) -> socketio.Manager:
    """The client manager Flask-SocketIO is given, with the queue it would have made."""
    if redis_url:
        return RedisManager(redis_url, channel="flask-socketio")
    return Manager()
