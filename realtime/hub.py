"""This worker's fan-out: from one ordered flow of events to its local connections.

Every event reaches the hub once per worker, in publication order, whichever worker
published it. The hub emits it to the Socket.IO room of its channel (encoded and framed
once, realtime/websocket_fanout.py) and queues it for the SSE and long-poll connections
subscribed to that channel.
"""

from __future__ import annotations

import logging
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Collection

from realtime import metrics
from realtime.connections import Connection, SocketConnection, StreamConnection
from realtime.events import Envelope, conversation_channel, party_channel
from realtime.meter import RateMeter
from realtime.websocket_fanout import fanout_of

log = logging.getLogger(__name__)

SEEN_WINDOW = 50_000
NAMESPACE = "/"


class OpenPages:
    """This worker's connections that are the page of one kind of subject (a party, a
    conversation), by subject and person: `started` when a person's first such page
    opens here, `idle` when their last one here closes (it may be a reload), `left` when
    it closes because they left the subject (no page of it is coming back)."""

    def __init__(
        self, opened: Callable[[Connection], set[int]], channel_of: Callable[[int], str]
    ) -> None:
        self._opened = opened  # the subjects whose page a connection is
        self._channel_of = channel_of
        self._connections: dict[tuple[int, int], set[Connection]] = defaultdict(set)
        self.started: Callable[[int, int], None] = lambda _subject, _user: None
        self.idle: Callable[[int, int], None] = lambda _subject, _user: None
        self.left: Callable[[int, int], None] = lambda _subject, _user: None

    def open(self, connection: Connection, subject_id: int) -> None:
        self._opened(connection).add(subject_id)
        self._connections[(subject_id, connection.user_id)].add(connection)
        self.started(subject_id, connection.user_id)

    def close(self, connection: Connection, subject_id: int, *, left: bool = False) -> None:
        opened = self._opened(connection)
        if subject_id not in opened:
            return
        opened.discard(subject_id)
        key = (subject_id, connection.user_id)
        connections = self._connections.get(key)
        if connections is None:
            return
        connections.discard(connection)
        if not connections:
            del self._connections[key]
            (self.left if left else self.idle)(subject_id, connection.user_id)

    def close_all(self, connection: Connection) -> None:
        """Every page the connection is (it closed)."""
        for subject_id in tuple(self._opened(connection)):
            self.close(connection, subject_id)

    def close_channel(self, connection: Connection, channel: str) -> None:
        """The connection's pages of the subject of `channel` (its person left it)."""
        for subject_id in tuple(self._opened(connection)):
            if self._channel_of(subject_id) == channel:
                self.close(connection, subject_id, left=True)

    def holds(self, subject_id: int, user_id: int) -> bool:
        """Whether the person has the subject's page open on this worker."""
        return (subject_id, user_id) in self._connections

    def pairs(self) -> list[tuple[int, int]]:
        """Every (subject, person) with a page open on this worker."""
        return list(self._connections)


class Hub:
    def __init__(self, socket_server: Callable[[], object]) -> None:
        self._socket_server = socket_server
        self.sockets: dict[str, SocketConnection] = {}
        self.streams: set[StreamConnection] = set()
        self._streams_by_channel: dict[str, set[StreamConnection]] = defaultdict(set)
        self._by_user: dict[int, set[Connection]] = defaultdict(set)
        # The connections that are a party's page, and those that are a conversation's.
        self.watchers = OpenPages(lambda connection: connection.watching, party_channel)
        self.viewers = OpenPages(lambda connection: connection.viewing, conversation_channel)
        self._replaying_sockets: dict[str, SocketConnection] = {}
        self._seen: OrderedDict[int, None] = OrderedDict()
        self.max_seen_id = 0
        self.event_rate = RateMeter()
        self.on_user_connected: Callable[[int, str], None] = lambda _user, _transport: None
        self.on_user_idle: Callable[[int], None] = lambda _user: None

    # -- events -------------------------------------------------------------------
    def dispatch(self, envelope: Envelope) -> None:
        """Deliver one event to local connections; a durable event is delivered once."""
        if envelope.id is not None:
            if envelope.id in self._seen:
                return
            self._remember(envelope.id)
        self.event_rate.tick()
        skip = self._hidden_sockets(envelope)
        for sid, socket in self._replaying_sockets.items():
            if envelope.channel in socket.channels:
                skip.append(sid)
                socket.pending.append(envelope)
        recipients = self._emit(envelope, to=envelope.channel, skip_sid=skip or None)
        for stream in tuple(self._streams_by_channel.get(envelope.channel, ())):
            if not stream.is_for(envelope):
                continue
            if stream.replaying:
                stream.pending.append(envelope)
            elif stream.is_new(envelope):
                stream.deliver(envelope)
                recipients += 1
        metrics.delivered(envelope.name, recipients, envelope.published_at)

    def _hidden_sockets(self, envelope: Envelope) -> list[str]:
        """The sockets of the people `envelope` is not for (`Connection.is_for`)."""
        if envelope.audience.only_for is not None:
            return [
                sid
                for sid, socket in self.sockets.items()
                if envelope.channel in socket.channels and not socket.is_for(envelope)
            ]
        return [
            connection.sid
            for user_id in envelope.audience.hidden_from
            for connection in self._by_user.get(user_id, ())
            if isinstance(connection, SocketConnection)
        ]

    def _remember(self, event_id: int) -> None:
        self._seen[event_id] = None
        if len(self._seen) > SEEN_WINDOW:
            self._seen.popitem(last=False)
        self.max_seen_id = max(self.max_seen_id, event_id)

    def _emit(self, envelope: Envelope, to: str, skip_sid=None) -> int:
        """Emit to a room or a socket; returns how many sockets it went to (0 when that
        is not known: a server without the fan-out)."""
        server = self._socket_server()
        if server is None:
            return 0
        fanout = fanout_of(server)
        if fanout is not None:
            return fanout.emit(envelope.name, envelope.payload(), to, NAMESPACE, skip_sid)
        server.emit(
            envelope.name,
            envelope.payload(),
            to=to,
            namespace=NAMESPACE,
            skip_sid=skip_sid,
            ignore_queue=True,
        )
        return 0

    def send_to_socket(self, socket: SocketConnection, envelope: Envelope) -> None:
        if envelope.id is not None:
            socket.last_id = max(socket.last_id, envelope.id)
        self._emit(envelope, to=socket.sid)

    # -- connections ----------------------------------------------------------------
    def add_socket(self, socket: SocketConnection) -> None:
        """Register a socket; it collects live events until `finish_replay`."""
        self.sockets[socket.sid] = socket
        self._replaying_sockets[socket.sid] = socket
        server = self._socket_server()
        for channel in socket.channels:
            server.enter_room(socket.sid, channel, namespace=NAMESPACE)
        self._track(socket)

    def finish_socket_replay(self, socket: SocketConnection) -> None:
        self._replaying_sockets.pop(socket.sid, None)
        for envelope in socket.take_pending():
            self.send_to_socket(socket, envelope)

    def remove_socket(self, sid: str) -> SocketConnection | None:
        socket = self.sockets.pop(sid, None)
        self._replaying_sockets.pop(sid, None)
        if socket is not None:
            self._untrack(socket)
        return socket

    def add_stream(self, stream: StreamConnection) -> None:
        self.streams.add(stream)
        for channel in stream.channels:
            self._streams_by_channel[channel].add(stream)
        self._track(stream)

    def stop_hearing(self, stream: StreamConnection, channels: Collection[str]) -> None:
        """`stream`, still replaying, no longer hears `channels`, nor what came on them
        since it opened (a page's channel its person lost as the stream opened)."""
        for channel in channels:
            if channel in stream.channels:
                self._drop(stream, channel)
        if stream.pending is not None:
            stream.pending[:] = [e for e in stream.pending if e.channel not in channels]

    def finish_stream_replay(self, stream: StreamConnection) -> None:
        for envelope in stream.take_pending():
            stream.deliver(envelope)

    def remove_stream(self, stream: StreamConnection) -> None:
        if stream not in self.streams:
            return
        self.streams.discard(stream)
        for channel in stream.channels:
            members = self._streams_by_channel.get(channel)
            if members is not None:
                members.discard(stream)
                if not members:
                    del self._streams_by_channel[channel]
        self._untrack(stream)

    def _track(self, connection: Connection) -> None:
        connections = self._by_user[connection.user_id]
        connections.add(connection)
        self.on_user_connected(connection.user_id, connection.transport)

    def _untrack(self, connection: Connection) -> None:
        self.watchers.close_all(connection)
        self.viewers.close_all(connection)
        connections = self._by_user.get(connection.user_id)
        if connections is None:
            return
        connections.discard(connection)
        if not connections:
            del self._by_user[connection.user_id]
            self.on_user_idle(connection.user_id)

    # -- pages: connections that are a party's or a conversation's page ---------------
    def watch(self, connection: Connection, party_id: int) -> None:
        """`connection` is the page of a party its person may be in (the caller checked)."""
        if connection in self._by_user.get(connection.user_id, ()):  # not closed meanwhile
            self.watchers.open(connection, party_id)

    def view(self, connection: Connection, conversation_id: int) -> None:
        """`connection` is the page of a conversation its person belongs to (the caller
        checked)."""
        if connection in self._by_user.get(connection.user_id, ()):  # not closed meanwhile
            self.viewers.open(connection, conversation_id)

    def has_user(self, user_id: int) -> bool:
        return user_id in self._by_user

    def local_users(self) -> list[int]:
        return list(self._by_user)

    def connections_by_transport(self) -> dict[str, int]:
        """Live connections: Socket.IO ones as websocket or polling, streams by their
        transport (sse, sse-html, longpoll)."""
        counts: dict[str, int] = defaultdict(int)
        server = self._socket_server()
        for sid in tuple(self.sockets):
            counts["websocket" if _upgraded(server, sid) else "polling"] += 1
        for stream in tuple(self.streams):
            counts[stream.transport] += 1
        return dict(counts)

    def transport_counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for connections in self._by_user.values():
            for connection in connections:
                counts[connection.transport] += 1
        return dict(counts)

    # -- control: membership and sign-outs, applied on every worker ------------------
    def join(self, user_id: int, channel: str) -> None:
        server = self._socket_server()
        for connection in tuple(self._by_user.get(user_id, ())):
            if channel in connection.channels:
                continue
            connection.channels.add(channel)
            if isinstance(connection, SocketConnection):
                server.enter_room(connection.sid, channel, namespace=NAMESPACE)
            else:
                self._streams_by_channel[channel].add(connection)

    def leave(self, user_id: int, channel: str, keep_pages: bool = False) -> None:
        """`keep_pages`: a page that asked for `channel` keeps it (see bus.unsubscribe_user)."""
        for connection in tuple(self._by_user.get(user_id, ())):
            if keep_pages and channel in connection.page_channels:
                continue
            self.watchers.close_channel(connection, channel)
            self.viewers.close_channel(connection, channel)
            if channel in connection.channels:
                self._drop(connection, channel)

    def narrow(self, channel: str, keep: Collection[int]) -> None:
        """Only the connections of the people in `keep` hold `channel` from now on: those
        a page added it to for anyone who could see its subject then lose it."""
        keep = set(keep)
        holders = [*self._streams_by_channel.get(channel, ()), *self.sockets.values()]
        for connection in holders:
            if connection.user_id not in keep and channel in connection.channels:
                self._drop(connection, channel)

    def _drop(self, connection: Connection, channel: str) -> None:
        connection.channels.discard(channel)
        if isinstance(connection, SocketConnection):
            self._socket_server().leave_room(connection.sid, channel, namespace=NAMESPACE)
            return
        members = self._streams_by_channel.get(channel)
        if members is not None:
            members.discard(connection)
            if not members:
                del self._streams_by_channel[channel]

    def close(
        self,
        user_id: int,
        login_id: str | None = None,
        token_id: int | None = None,
        keep_login_id: str | None = None,
    ) -> int:
        """Close this worker's connections of one sign-in (or all of a user's, but those
        of the sign-in `keep_login_id`)."""
        server = self._socket_server()
        closed = 0
        for connection in tuple(self._by_user.get(user_id, ())):
            if not connection.identity.matches(user_id, login_id, token_id):
                continue
            if keep_login_id is not None and connection.identity.login_id == keep_login_id:
                continue
            closed += 1
            if isinstance(connection, SocketConnection):
                server.disconnect(connection.sid, namespace=NAMESPACE, ignore_queue=True)
                self.remove_socket(connection.sid)
            else:
                connection.close()
                self.remove_stream(connection)
        return closed

    def forget_account(self, user_id: int) -> None:
        for connection in self._by_user.get(user_id, ()):
            if isinstance(connection, SocketConnection):
                connection.forget_account()

    def close_all(self) -> int:
        """Close every connection of this worker (it is stopping): their clients reconnect
        to another worker and resume from their cursors."""
        closed = 0
        for user_id in tuple(self._by_user):
            closed += self.close(user_id)
        return closed


def _upgraded(server: object, sid: str) -> bool:
    """Whether the Engine.IO connection under a Socket.IO socket runs on WebSocket."""
    if server is None:
        return False
    eio_sid = server.manager.eio_sid_from_sid(sid, NAMESPACE)
    eio_socket = server.eio.sockets.get(eio_sid) if eio_sid is not None else None
    return bool(getattr(eio_socket, "upgraded", False))
