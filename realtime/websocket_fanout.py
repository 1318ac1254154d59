"""Emits to a Socket.IO room: encoded and framed once, written straight to idle WebSockets.

python-socketio encodes an emit's packet once, then hands it to each recipient's
Engine.IO socket, whose queue wakes a writer greenlet of that connection; the writer
encodes the Engine.IO packet again, has wsproto frame it and writes the frame. With a
hundred recipients that is a hundred wake-ups, encodings and framings of the same bytes.

Here the Engine.IO text ("4" + the Socket.IO packet) and its WebSocket frame (RFC 6455
5.2: a final text frame, unmasked as a server's frames are, no extension) are built once
per emit. The frame is written straight to each connection that is idle: upgraded to
WebSocket, open, nothing in its Engine.IO queue and nobody writing on it. Every other
recipient (polling, busy, compressed, closing) gets the Engine.IO packet, already
encoded, through its queue, as before. A packet for one client (the acknowledgement of
its event) takes the same way.

Why bytes never interleave and packets keep their order: every write on a connection's
socket goes through `SerialSocket.send` (realtime/websocket_socket.py), which writes
the whole buffer under the connection's lock. The writers are the connection's queue
writer (Engine.IO's packets), its reading greenlet (pongs, close answers, the upgrade's
probe answer) and this module. `SerialSocket.busy` counts the greenlets that hold or wait
for the lock, and the queue's writer takes a packet and starts its write without
yielding in between. So "queue empty and nobody busy" means no packet is in hand: a
frame written then goes out after everything queued before it. A direct write never
waits: the socket is non-blocking and the frame is written with one `os.write`. If the
kernel takes nothing the packet goes to the queue; if it takes part of the frame, a
greenlet writes the rest while still holding the lock, so the next packets (queued, as
the connection is busy) follow it.

Pings: python-engineio starts a greenlet per connection for each ping (it sleeps
`ping_interval`, then sends). With thousands of idle connections that is thousands of
sleeping greenlets, each with its saved stack and timer. `PingScheduler` sends the pings
of one server from one greenlet instead: every ping waits the same interval, so the
sockets are due in the order they were scheduled, and a FIFO queue of (due time, socket)
is enough. What a ping does is unchanged: Engine.IO's own `last_ping` bookkeeping and
`send`, and its service task still closes sockets whose pong is late.

The adapter leans on internals of the pinned versions (`PINNED`); tests check both the
versions and the behaviours it relies on.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import socket
import struct
import time
import weakref
from collections import deque
from importlib.metadata import version
from typing import Any

import gevent
from engineio import packet as eio_packet
from engineio import socket as eio_socket_module
from socketio import packet as sio_packet
from wsproto.connection import ConnectionState

from realtime.websocket_socket import SerialSocket
from realtime.websocket_transport import WebSocketConnection

log = logging.getLogger(__name__)

PINNED = {
    "python-engineio": "4.15.1",
    "python-socketio": "5.18.1",
    "gevent": "26.9.0",
    "wsproto": "1.3.2",
}


def installed_versions() -> dict[str, str]:
    return {name: version(name) for name in PINNED}


def text_frame(data: bytes) -> bytes:
    """One final, unmasked WebSocket text frame carrying `data` (RFC 6455 5.2)."""
    length = len(data)
    if length < 126:
        header = struct.pack("!BB", 0x81, length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", 0x81, 126, length)
    else:
        header = struct.pack("!BBQ", 0x81, 127, length)
    return header + data


class DirectWriter:
    """Writes frames on one Engine.IO socket's WebSocket when it is idle."""

    __slots__ = ("connection", "eio_socket", "sock")

    def __init__(self, eio_socket: Any, connection: Any, sock: SerialSocket) -> None:
        self.eio_socket = eio_socket
        self.connection = connection  # its WebSocket (`WebSocketConnection`)
        self.sock = sock

    def write(self, frame: bytes) -> bool:
        """Write `frame` now if nothing can come before it; False: use the queue."""
        eio_socket, sock = self.eio_socket, self.sock
        if (
            sock.busy
            or eio_socket.queue.qsize()
            or not eio_socket.upgraded
            or eio_socket.upgrading
            or eio_socket.closing
            or eio_socket.closed
            or eio_socket.last_ping  # a ping is out: Engine.IO's send checks its timeout
            or not self.connection.connected
            or self.connection.ws.state is not ConnectionState.OPEN
        ):
            return False
        sock.busy += 1
        if not sock.lock.acquire(blocking=False):  # cannot be: nobody was busy
            sock.busy -= 1
            return False
        try:
            written = os.write(sock.fileno(), frame)
        except OSError:  # full (BlockingIOError) or gone: the queue's path handles it
            written = 0
        if written == 0:
            self._release()
            return False
        if written < len(frame):
            gevent.spawn(self._finish, memoryview(frame)[written:])
        else:
            self._release()
        return True

    def _finish(self, rest: memoryview) -> None:
        """The rest of a frame the kernel took part of; nothing else is written before."""
        try:
            self.sock.sock.sendall(rest)
        except OSError:
            # A cut frame cannot be followed by anything: end the connection.
            with contextlib.suppress(OSError):
                self.sock.sock.shutdown(socket.SHUT_RDWR)
        finally:
            self._release()

    def _release(self) -> None:
        self.sock.lock.release()
        self.sock.busy -= 1


class Fanout:
    """Emits of one python-socketio server."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.writers: dict[str, DirectWriter] = {}

    def attach(self, eio_socket: Any, connection: WebSocketConnection) -> None:
        """Write to `eio_socket`'s open WebSocket directly from now on, unless its frames
        are compressed (an extension was agreed) or its socket blocks."""
        if not connection.ws.connection._proto.extensions and not os.get_blocking(
            connection.sock.fileno()
        ):
            self.writers[eio_socket.sid] = DirectWriter(eio_socket, connection, connection.sock)

    def detach(self, eio_socket: Any) -> None:
        self.writers.pop(eio_socket.sid, None)

    def emit(self, event: str, data: Any, to: str, namespace: str, skip_sid=None) -> int:
        """As `server.emit(event, data, to=to, namespace=namespace, skip_sid=skip_sid,
        ignore_queue=True)`: this worker's recipients only. Returns how many there were."""
        server = self.server
        manager = server.manager
        if namespace not in manager.rooms:
            return 0
        if isinstance(data, tuple):
            args = list(data)
        elif data is not None:
            args = [data]
        else:
            args = []
        # An event's payload is JSON, as the log and the bus carry it: no search for
        # binary parts (a walk of the whole payload, 2 % of a chat message's CPU).
        encoded = server.packet_class(
            sio_packet.EVENT, namespace=namespace, data=[event, *args], binary=False
        ).encode()
        message = eio_packet.Packet(eio_packet.MESSAGE, encoded)
        text = message.encode()  # kept by the packet: not encoded again for the queue
        skip = skip_sid or ()
        frame = None
        recipients = 0
        for sid, eio_sid in manager.get_participants(namespace, to):
            if sid in skip:
                continue
            recipients += 1
            writer = self.writers.get(eio_sid)
            if writer is not None:
                if frame is None:
                    frame = text_frame(text.encode())
                if writer.write(frame):
                    continue
            server._send_eio_packet(eio_sid, message)
        return recipients

    def send_packet(self, eio_sid: str, pkt: Any) -> None:
        """As `server._send_packet`: one client's packet (an acknowledgement, a connect's
        answer), written straight to its WebSocket when it is idle, else queued."""
        encoded = pkt.encode()
        writer = self.writers.get(eio_sid)
        if writer is not None and not isinstance(encoded, list):
            message = eio_packet.Packet(eio_packet.MESSAGE, encoded)
            if not writer.write(text_frame(message.encode().encode())):
                self.server._send_eio_packet(eio_sid, message)
            return
        for part in encoded if isinstance(encoded, list) else [encoded]:
            self.server.eio.send(eio_sid, part)


class PingScheduler:
    """The Engine.IO pings of one server, sent from one greenlet (see the module's doc)."""

    def __init__(self, eio_server: Any) -> None:
        self.eio_server = eio_server
        self.due: deque[tuple[float, Any]] = deque()
        self.runner: gevent.Greenlet | None = None

    def schedule(self, eio_socket: Any) -> None:
        """As `Socket.schedule_ping`: a ping `ping_interval` from now, unless one is
        already waiting (`last_ping` is None until it is sent)."""
        if not eio_socket.last_ping:
            return
        eio_socket.last_ping = None
        self.due.append((time.monotonic() + self.eio_server.ping_interval, eio_socket))
        if self.runner is None or self.runner.dead:
            self.runner = gevent.spawn(self._run)

    def _run(self) -> None:
        due = self.due
        while due:
            delay = due[0][0] - time.monotonic()
            if delay > 0:
                gevent.sleep(delay)
                continue
            eio_socket = due.popleft()[1]
            if eio_socket.closing or eio_socket.closed:
                continue
            # As `Socket._send_ping` after its sleep.
            eio_socket.last_ping = time.time()
            try:
                eio_socket.send(eio_packet.Packet(eio_packet.PING))
            except Exception:  # one socket's failure must not stop the others' pings
                log.exception("ping to %s failed", eio_socket.sid)


_pings: weakref.WeakKeyDictionary[Any, PingScheduler] = weakref.WeakKeyDictionary()
_engineio_schedule_ping = eio_socket_module.Socket.schedule_ping


def _schedule_ping(eio_socket: Any) -> None:
    scheduler = _pings.get(eio_socket.server)
    if scheduler is None:
        _engineio_schedule_ping(eio_socket)
    else:
        scheduler.schedule(eio_socket)


_installed: weakref.WeakKeyDictionary[Any, Fanout] = weakref.WeakKeyDictionary()


def install(server: Any) -> Fanout:
    """Give `server` a `Fanout`. On gevent its WebSocket connections each run on one
    greenlet (realtime/websocket_transport.py) and can be written to directly, and its
    pings are sent by one `PingScheduler`; otherwise every recipient's packet goes
    through its queue, still encoded once, and Engine.IO pings as it does."""
    if server in _installed:
        return _installed[server]
    fanout = Fanout(server)
    eio = server.eio
    if eio.async_mode == "gevent":
        # A copy: the driver's table is shared by every server of the process.
        eio._async = {
            **eio._async,
            "websocket": functools.partial(WebSocketConnection, fanout=fanout),
        }
        server._send_packet = fanout.send_packet
        _pings[eio] = PingScheduler(eio)
        eio_socket_module.Socket.schedule_ping = _schedule_ping
    _installed[server] = fanout
    return fanout


def fanout_of(server: Any) -> Fanout | None:
    return _installed.get(server)


def pings_of(server: Any) -> PingScheduler | None:
    return _pings.get(server.eio)
