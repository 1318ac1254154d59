"""Engine.IO's WebSocket transport on one greenlet a connection.

python-engineio runs a WebSocket connection on three greenlets: the server's handler
waits for messages that simple-websocket's reader greenlet reads from a duplicate of the
socket, and Engine.IO's writer greenlet waits on the connection's queue. An idle greenlet
holds about 8 KB (its saved stack and its objects), so these were most of what an idle
connection cost (docs/performance.md).

Here the server's handler greenlet is the only one: it does the WebSocket handshake with
wsproto, reads the socket and hands each message to Engine.IO, as simple-websocket's
reader and Engine.IO's handler did between them. What Engine.IO queues for the client
(`Socket.send`: pings, a disconnect, what the fan-out could not write at once) goes into
`OutgoingPackets`, which starts a greenlet to write it only while something waits, and
lets the greenlet end once all is written. The steps are those of Engine.IO's
`Socket._websocket_handler` in the pinned version: the upgrade's probe, `receive` for
every packet, `close` at the end. Only who waits, and where, changed.

Every write on the socket goes through `SerialSocket.send` (realtime/websocket_socket.py),
whole and one at a time, so the fan-out's direct writes (realtime/websocket_fanout.py)
keep their order with these.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

import gevent
from engineio import exceptions as eio_exceptions
from engineio import packet as eio_packet
from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Message,
    Ping,
    Request,
    TextMessage,
)
from wsproto.extensions import PerMessageDeflate
from wsproto.frame_protocol import CloseReason
from wsproto.utilities import LocalProtocolError, RemoteProtocolError

from realtime.websocket_socket import SerialSocket, close_request_reader, drop_handshake, socket_of

log = logging.getLogger(__name__)

RECEIVE_BYTES = 4096
# A message's fragments are joined into one once this many wait: a client sending it in
# tiny (or empty) fragments cannot make the connection hold a long list of them.
PARTS_KEPT = 32


class OutgoingPackets:
    """The Engine.IO queue of a WebSocket connection: what `put` receives is written in
    order by a greenlet that runs only while packets wait. `None` (Engine.IO's end of
    the queue) ends the WebSocket once what came before it is written, or after
    Engine.IO's ping timeout if the writer is still stuck by then: a client that stopped
    reading would otherwise hold the connection, its greenlets and its queue for ever."""

    __slots__ = ("_connection", "_packets", "_writer")

    def __init__(self, connection: WebSocketConnection) -> None:
        self._connection = connection
        self._packets: deque[Any] = deque()
        self._writer: gevent.Greenlet | None = None

    def put(self, item: Any, *_args: Any, **_kwargs: Any) -> None:
        self._packets.append(item)
        if self._writer is None:
            self._writer = gevent.spawn(self._write_waiting)
        elif item is None:
            grace = self._connection.eio_socket.server.ping_timeout
            gevent.spawn_later(grace, self._cut_if_stuck, self._writer)

    def _cut_if_stuck(self, writer: gevent.Greenlet) -> None:
        if self._writer is writer:
            self._connection.cut()

    def qsize(self) -> int:
        return len(self._packets)

    def empty(self) -> bool:
        return not self._packets

    def task_done(self) -> None:
        """Engine.IO's bookkeeping of a queue's getters: here the writer is the getter."""

    def join(self, timeout: float | None = None) -> None:
        """Wait until everything put so far is written (Engine.IO's `close(wait=True)`)."""
        writer = self._writer
        if writer is not None and writer is not gevent.getcurrent():
            writer.join(timeout)

    def _write_waiting(self) -> None:
        packets = self._packets
        try:
            while packets:
                item = packets.popleft()
                if item is None:
                    self._connection.end()
                elif self._connection.send_packet(item):
                    continue
                packets.clear()  # nothing goes out after the end, or a failed write
        finally:
            self._writer = None


class WebSocketConnection:
    """One Engine.IO socket's WebSocket, made by Engine.IO as its driver's `websocket`
    class: `WebSocketConnection(handler, eio_server)(environ, start_response)`, where
    `handler` is the socket's own `_websocket_handler`, whose steps this one takes."""

    __slots__ = (
        "_message",
        "_message_size",
        "_pending",
        "connected",
        "eio_socket",
        "fanout",
        "sock",
        "ws",
    )

    def __init__(self, handler: Callable[[Any], Any], _eio_server: Any, fanout: Any) -> None:
        self.eio_socket = handler.__self__
        self.fanout = fanout
        self.connected = False
        self.sock: SerialSocket | None = None
        self.ws = WSConnection(ConnectionType.SERVER)
        self._pending: list[Any] = []  # wsproto events read but not handled yet
        self._message: list[Any] = []  # the parts of a message that came in fragments
        self._message_size = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        found = socket_of(environ)
        if found is None:
            raise RuntimeError("No socket under this WSGI request for a WebSocket.")
        sock, server = found
        self.sock = SerialSocket(sock)
        if not self._accept(environ):
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"Not a WebSocket handshake."]
        if server == "gevent":
            close_request_reader(environ)
        self._run()
        if server == "gunicorn":
            raise StopIteration  # gunicorn's asynchronous workers: the response was ours
        return []

    # -- the WebSocket ------------------------------------------------------------------
    def _accept(self, environ: dict[str, Any]) -> bool:
        """Answer the upgrade request, as simple-websocket did: from the request's
        headers, with permessage-deflate if the client still offers it."""
        request = b"GET / HTTP/1.1\r\n" + b"".join(
            f"{'-'.join(part.capitalize() for part in key[5:].split('_'))}: {value}\r\n".encode()
            for key, value in environ.items()
            if key.startswith("HTTP_")
        )
        try:
            self.ws.receive_data(request + b"\r\n")
            for event in self.ws.events():
                if isinstance(event, Request):
                    accept = AcceptConnection(extensions=[PerMessageDeflate()])
                    self.sock.send(self.ws.send(accept))
                    self.connected = True
        except (LocalProtocolError, RemoteProtocolError, OSError):
            return False
        drop_handshake(self.ws)
        return self.connected

    def send_packet(self, pkt: Any) -> bool:
        """Write one Engine.IO packet; False if the WebSocket can take no more."""
        encoded = pkt.encode()
        message = Message(data=encoded) if isinstance(encoded, bytes) else TextMessage(encoded)
        try:
            self.sock.send(self.ws.send(message))
        except (OSError, LocalProtocolError):
            self.cut()
            return False
        return True

    def end(self) -> None:
        """Close the WebSocket from this side (Engine.IO closed the socket), and stop the
        reading: the server closes the TCP connection first, as RFC 6455 7.1.1 says."""
        if self.ws.state is ConnectionState.OPEN:
            with contextlib.suppress(OSError, LocalProtocolError):
                self.sock.send(self.ws.send(CloseConnection(CloseReason.NORMAL_CLOSURE)))
        self.connected = False
        self._shut()

    def cut(self) -> None:
        """End the connection without a word: its client is not reading."""
        self.connected = False
        self._shut()

    def _shut(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.sock.shutdown(socket.SHUT_RDWR)

    def _next_message(self) -> str | bytes | None:
        """The next whole message from the client, answering its pings and its close on
        the way; None once the WebSocket is closed or broken."""
        while True:
            while self._pending:
                message = self._handle(self._pending.pop(0))
                if message is not None:
                    return message
            if not self.connected or not self._read():
                return None

    def _read(self) -> bool:
        """Read what the client sent next into wsproto's events; False if nothing can
        be read any more."""
        try:
            data = self.sock.sock.recv(RECEIVE_BYTES)
            if not data:
                raise ConnectionResetError
            self.ws.receive_data(data)
            self._pending.extend(self.ws.events())
        except (OSError, LocalProtocolError, RemoteProtocolError):
            self.connected = False
            return False
        return True

    def _handle(self, event: Any) -> str | bytes | None:
        """Act on one wsproto event; a message it completes."""
        if isinstance(event, TextMessage | BytesMessage):
            return self._add_part(event)
        if isinstance(event, Ping):
            self._answer(event.response())
        elif isinstance(event, CloseConnection):
            if self.ws.state is ConnectionState.REMOTE_CLOSING:
                self._answer(event.response())
            self._stop_reading()
        return None

    def _add_part(self, event: TextMessage | BytesMessage) -> str | bytes | None:
        parts, data = self._message, event.data
        if data:
            parts.append(data)
            self._message_size += len(data)
            if self._message_size > self.eio_socket.server.max_http_buffer_size:
                self._answer(CloseConnection(CloseReason.MESSAGE_TOO_BIG, "Message is too big"))
                self._stop_reading()
                return None
            if len(parts) >= PARTS_KEPT:
                parts[:] = [type(data)().join(parts)]
        if not event.message_finished:
            return None
        self._message = []
        self._message_size = 0
        return parts[0] if len(parts) == 1 else type(data)().join(parts)

    def _stop_reading(self) -> None:
        self.connected = False
        self._pending.clear()
        self._message = []
        self._message_size = 0

    def _answer(self, event: Any) -> None:
        with contextlib.suppress(OSError, LocalProtocolError):
            self.sock.send(self.ws.send(event))

    # -- Engine.IO ------------------------------------------------------------------------
    def _run(self) -> None:
        """Engine.IO's session over this WebSocket (`Socket._websocket_handler`)."""
        eio_socket = self.eio_socket
        if eio_socket.connected:  # an upgrade from long-polling
            eio_socket.upgrading = True  # its packets are held in the queue meanwhile
            upgraded = False
            # Until the upgrade is done, Engine.IO's pings and their timeout are polling's:
            # nothing else would end a WebSocket whose client never finishes it.
            with gevent.Timeout(eio_socket.server.ping_timeout, False):
                upgraded = self._upgrade()
            eio_socket.upgrading = False
            if not upgraded:
                self.end()
                return
        else:
            eio_socket.connected = True
        eio_socket.upgraded = True
        self._take_queue()
        self.fanout.attach(eio_socket, self)
        try:
            while (message := self._next_message()) is not None:
                if not self._receive(message):
                    break
        finally:
            self.fanout.detach(eio_socket)
            eio_socket.queue.put(None)
            eio_socket.queue.join()
            reason = eio_socket.server.reason.TRANSPORT_CLOSE
            eio_socket.close(wait=False, abort=True, reason=reason)

    def _upgrade(self) -> bool:
        eio_socket = self.eio_socket
        probe = self._packet(self._next_message())
        if probe is None or probe.packet_type != eio_packet.PING or probe.data != "probe":
            log.info("%s: failed WebSocket upgrade, no probe", eio_socket.sid)
            return False
        self.send_packet(eio_packet.Packet(eio_packet.PONG, data="probe"))
        eio_socket.queue.put(eio_packet.Packet(eio_packet.NOOP))  # ends the open poll
        upgrade = self._packet(self._next_message())
        if upgrade is None or upgrade.packet_type != eio_packet.UPGRADE:
            log.info("%s: failed WebSocket upgrade, no upgrade packet", eio_socket.sid)
            eio_socket.upgraded = False
            return False
        return True

    def _take_queue(self) -> None:
        """Engine.IO's queue becomes an `OutgoingPackets`, with what waits in it."""
        eio_socket = self.eio_socket
        held = eio_socket.queue
        outgoing = OutgoingPackets(self)
        while not held.empty():
            outgoing.put(held.get_nowait())
            held.task_done()
        eio_socket.queue = outgoing

    def _packet(self, message: str | bytes | None) -> Any:
        if message is None:
            return None
        try:
            return eio_packet.Packet(encoded_packet=message)
        except Exception:  # not an Engine.IO packet: the client is not speaking Engine.IO
            log.info("%s: unreadable Engine.IO packet", self.eio_socket.sid)
            return None

    def _receive(self, message: str | bytes) -> bool:
        """Hand one message to Engine.IO; False ends the connection."""
        pkt = self._packet(message)
        if pkt is None:
            return False
        try:
            self.eio_socket.receive(pkt)
        except eio_exceptions.UnknownPacketError:
            pass
        except eio_exceptions.SocketIsClosedError:
            return False
        except Exception:
            log.exception("%s: receiving a packet failed", self.eio_socket.sid)
            return False
        return True
