"""realtime/websocket_transport.py: a WebSocket on one greenlet, driven over loopback by a
wsproto client, and the Engine.IO internals whose steps it takes (pinned versions)."""

from __future__ import annotations

import inspect
from types import SimpleNamespace

import engineio
import gevent
import gevent.queue
import pytest
from engineio import packet as eio_packet
from engineio import socket as eio_socket_module
from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Ping,
    Pong,
    Request,
    TextMessage,
)
from wsproto.frame_protocol import CloseReason

from realtime.websocket_transport import PARTS_KEPT, OutgoingPackets, WebSocketConnection
from tests.support.loopback import loopback_pair
from tests.support.waiting import wait_until

MAX_MESSAGE = 1_000
PING_TIMEOUT = 0.5


class RecordingFanout:
    def __init__(self) -> None:
        self.attached: list[str] = []

    def attach(self, eio_socket, _connection) -> None:
        self.attached.append(eio_socket.sid)

    def detach(self, eio_socket) -> None:
        self.attached.remove(eio_socket.sid)


def environ_of(request: bytes, sock) -> dict:
    """A WSGI environ as gevent's server makes one for `request`, over `sock`."""
    environ = {"wsgi.input": sock.makefile("rb")}
    for line in request.decode().split("\r\n")[1:]:
        if line:
            name, _, value = line.partition(":")
            environ["HTTP_" + name.strip().upper().replace("-", "_")] = value.strip()
    return environ


class Client:
    """A wsproto client on one end of a loopback connection; on the other, a
    `WebSocketConnection` for an Engine.IO socket, running on its own greenlet."""

    def __init__(
        self, polling: bool = False, handshake: bytes | None = None, buffer: int | None = None
    ) -> None:
        self.server = engineio.Server(
            async_mode="gevent",
            async_handlers=False,
            max_http_buffer_size=MAX_MESSAGE,
            ping_timeout=PING_TIMEOUT,
        )
        self.received: list[object] = []
        self.disconnects: list[str] = []
        self.server.on("message", lambda _sid, data: self.received.append(data))
        self.server.on("disconnect", lambda _sid, reason: self.disconnects.append(reason))
        self.eio_socket = eio_socket_module.Socket(self.server, "sid-1")
        self.eio_socket.connected = polling
        self.held = self.eio_socket.queue
        ours, self.theirs = loopback_pair(buffer)
        self.ws = WSConnection(ConnectionType.CLIENT)
        request = handshake or self.ws.send(Request(host="tandem.test", target="/socket.io/"))
        self.fanout = RecordingFanout()
        self.connection = WebSocketConnection(
            self.eio_socket._websocket_handler, self.server, fanout=self.fanout
        )
        self.status: list[str] = []
        self.task = gevent.spawn(
            self.connection,
            environ_of(request, ours),
            lambda status, _h: self.status.append(status),
        )

    def open(self) -> None:
        assert isinstance(self.next_event(), AcceptConnection)

    def next_event(self, timeout: float = 5.0):
        with gevent.Timeout(timeout):
            while True:
                for event in self.ws.events():
                    return event
                data = self.theirs.recv(65536)
                if not data:
                    return None
                self.ws.receive_data(data)

    def next_text(self) -> str:
        event = self.next_event()
        assert isinstance(event, TextMessage), event
        return event.data

    def send(self, event) -> None:
        self.theirs.sendall(self.ws.send(event))

    def close(self) -> None:
        self.task.kill()
        self.theirs.close()


@pytest.fixture
def client():
    client = Client()
    client.open()
    yield client
    client.close()


def test_a_websocket_is_served_by_the_handlers_greenlet_alone(client):
    assert client.eio_socket.upgraded
    assert client.eio_socket.connected
    assert client.fanout.attached == ["sid-1"]
    outgoing = client.eio_socket.queue
    assert isinstance(outgoing, OutgoingPackets)
    assert outgoing._writer is None  # nothing to write: no writer greenlet
    client.eio_socket.send(eio_packet.Packet(eio_packet.MESSAGE, "hello"))
    assert outgoing._writer is not None
    assert client.next_text() == "4hello"
    wait_until(lambda: outgoing._writer is None)


def test_what_engineio_queued_before_the_websocket_opened_goes_out_first():
    client = Client()
    try:
        client.held.put(eio_packet.Packet(eio_packet.OPEN, {"sid": "sid-1"}))
        client.held.put(eio_packet.Packet(eio_packet.MESSAGE, "first"))
        client.open()
        assert client.next_text().startswith("0")
        assert client.next_text() == "4first"
        assert client.held.empty()
    finally:
        client.close()


def test_messages_reach_engineio_whole_even_in_fragments(client):
    client.send(TextMessage(data="4one"))
    client.send(TextMessage(data="4tw", message_finished=False))
    client.send(TextMessage(data="o", message_finished=True))
    client.send(BytesMessage(data=b"\x01\x02"))
    wait_until(lambda: len(client.received) == 3)
    assert client.received == ["one", "two", b"\x01\x02"]


def test_a_message_in_tiny_or_empty_fragments_is_not_kept_as_a_long_list(client):
    for _ in range(2_000):
        client.send(TextMessage(data="", message_finished=False))
    client.send(TextMessage(data="4", message_finished=False))
    for _ in range(500):
        client.send(TextMessage(data="x", message_finished=False))
    client.send(Ping(payload=b"after the fragments"))
    assert isinstance(client.next_event(), Pong)  # every fragment before it was read
    assert len(client.connection._message) < PARTS_KEPT
    client.send(TextMessage(data="!", message_finished=True))
    wait_until(lambda: client.received == ["x" * 500 + "!"])


def test_an_empty_message_reaches_engineio_as_one(client):
    client.send(TextMessage(data="4"))
    client.send(BytesMessage(data=b""))
    wait_until(lambda: len(client.received) == 2, timeout=2)
    assert client.received == ["", b""]


def test_a_ping_is_answered_and_an_engineio_pong_counted(client):
    client.send(Ping(payload=b"are you there"))
    event = client.next_event()
    assert isinstance(event, Pong)
    assert event.payload == b"are you there"


def test_a_message_too_big_ends_the_connection_with_1009(client):
    client.send(TextMessage(data="4" + "x" * (MAX_MESSAGE // 2), message_finished=False))
    client.send(TextMessage(data="x" * MAX_MESSAGE, message_finished=True))
    event = client.next_event()
    assert isinstance(event, CloseConnection)
    assert event.code == CloseReason.MESSAGE_TOO_BIG
    client.task.join(timeout=5)
    assert client.task.successful()
    assert client.task.value == []
    assert client.eio_socket.closed
    assert client.received == []
    assert client.disconnects == [client.server.reason.TRANSPORT_CLOSE]


def test_a_close_from_the_client_is_answered_and_closes_the_engineio_socket(client):
    client.send(CloseConnection(code=CloseReason.NORMAL_CLOSURE))
    event = client.next_event()
    assert isinstance(event, CloseConnection)
    assert client.ws.state is ConnectionState.CLOSED
    client.task.join(timeout=5)
    assert client.eio_socket.closed
    assert client.disconnects == [client.server.reason.TRANSPORT_CLOSE]
    assert client.fanout.attached == []


def test_a_close_from_engineio_sends_what_was_queued_then_ends_the_websocket(client):
    client.eio_socket.send(eio_packet.Packet(eio_packet.MESSAGE, "last words"))
    client.eio_socket.close(wait=True, reason=client.server.reason.SERVER_DISCONNECT)
    assert client.next_text() == "4last words"
    assert client.next_text() == "1"  # Engine.IO's CLOSE
    assert isinstance(client.next_event(), CloseConnection)
    assert client.next_event() is None  # and the server ended the TCP connection
    client.task.join(timeout=5)
    assert client.task.successful()
    assert client.disconnects == [client.server.reason.SERVER_DISCONNECT]


def test_a_client_that_stops_reading_is_cut_off_once_engineio_closes_its_socket():
    client = Client(buffer=4096)
    try:
        client.open()
        outgoing = client.eio_socket.queue
        while outgoing.qsize() < 20:  # until packets pile up behind a write that waits
            client.eio_socket.send(eio_packet.Packet(eio_packet.MESSAGE, "x" * 1000))
            gevent.sleep(0)
        client.eio_socket.close(wait=False, reason=client.server.reason.PING_TIMEOUT)
        client.task.join(timeout=PING_TIMEOUT + 10)
        assert client.task.successful()
        assert outgoing.empty()
        assert outgoing._writer is None
        assert not client.connection.connected
    finally:
        client.close()


def test_an_upgrade_from_polling_answers_the_probe_and_ends_the_open_poll():
    client = Client(polling=True)
    try:
        client.open()
        client.send(TextMessage(data="2probe"))
        assert client.next_text() == "3probe"
        assert client.eio_socket.upgrading
        assert not client.eio_socket.upgraded
        assert client.held.get(timeout=5).packet_type == eio_packet.NOOP
        client.eio_socket.send(eio_packet.Packet(eio_packet.MESSAGE, "held"))
        client.send(TextMessage(data="5"))
        assert client.next_text() == "4held"  # held in the queue during the upgrade
        assert client.eio_socket.upgraded
        assert not client.eio_socket.upgrading
    finally:
        client.close()


def test_a_failed_upgrade_leaves_the_socket_polling():
    client = Client(polling=True)
    try:
        client.open()
        client.send(TextMessage(data="4not a probe"))
        assert isinstance(client.next_event(), CloseConnection)
        client.task.join(timeout=5)
        assert not client.eio_socket.upgraded
        assert not client.eio_socket.upgrading
        assert not client.eio_socket.closed
        assert client.eio_socket.queue is client.held
    finally:
        client.close()


def test_an_upgrade_whose_probe_never_comes_ends_after_the_ping_timeout():
    client = Client(polling=True)
    try:
        client.open()
        client.task.join(timeout=PING_TIMEOUT * 20)
        assert client.task.ready()
        assert isinstance(client.next_event(), CloseConnection)
        assert not client.eio_socket.upgrading
        assert not client.eio_socket.closed  # still a polling socket
        assert client.eio_socket.queue is client.held
    finally:
        client.close()


def test_a_request_that_is_not_a_websocket_handshake_gets_a_400():
    client = Client(handshake=b"GET / HTTP/1.1\r\nHost: tandem.test\r\n\r\n")
    try:
        client.task.join(timeout=5)
        assert client.status == ["400 Bad Request"]
        assert not client.eio_socket.upgraded
    finally:
        client.close()


def test_the_outgoing_queue_counts_a_packet_until_its_writer_took_it():
    """So the fan-out's "queue empty and nobody busy" means nothing is in hand."""
    written: list[str] = []
    connection = SimpleNamespace(send_packet=lambda pkt: written.append(pkt) or True, end=None)
    outgoing = OutgoingPackets(connection)
    outgoing.put("a")
    outgoing.put("b")
    assert outgoing.qsize() == 2
    assert written == []
    outgoing.join(timeout=5)
    assert written == ["a", "b"]
    assert outgoing.empty()
    assert outgoing._writer is None


def test_nothing_is_written_after_the_end_or_a_failed_write():
    written: list[str] = []
    ended: list[bool] = []
    connection = SimpleNamespace(
        send_packet=lambda pkt: written.append(pkt) or pkt != "fails",
        end=lambda: ended.append(True),
        eio_socket=SimpleNamespace(server=SimpleNamespace(ping_timeout=PING_TIMEOUT)),
    )
    outgoing = OutgoingPackets(connection)
    for item in ("a", None, "b"):
        outgoing.put(item)
    outgoing.join(timeout=5)
    assert written == ["a"]
    assert ended == [True]
    assert outgoing.empty()
    for item in ("fails", "c"):
        outgoing.put(item)
    outgoing.join(timeout=5)
    assert written == ["a", "fails"]
    assert outgoing.empty()


def test_under_gunicorn_the_request_ends_as_its_workers_expect():
    ours, theirs = loopback_pair()
    try:
        ws = WSConnection(ConnectionType.CLIENT)
        environ = environ_of(ws.send(Request(host="tandem.test", target="/")), ours)
        environ = {
            "gunicorn.socket": ours,
            **{k: v for k, v in environ.items() if k[:5] == "HTTP_"},
        }
        server = engineio.Server(async_mode="gevent")
        eio_socket = eio_socket_module.Socket(server, "sid-g")
        connection = WebSocketConnection(
            eio_socket._websocket_handler, server, fanout=RecordingFanout()
        )
        task = gevent.spawn(connection, environ, None)
        ws.receive_data(theirs.recv(65536))
        assert isinstance(next(ws.events()), AcceptConnection)
        theirs.sendall(ws.send(CloseConnection(code=CloseReason.NORMAL_CLOSURE)))
        task.join(timeout=5)
        assert isinstance(task.exception, StopIteration)
    finally:
        ours.close()
        theirs.close()


def test_the_steps_taken_are_engineios_websocket_handler_s():
    """Engine.IO makes the driver's `websocket` with the socket's own handler and calls
    it with the request; the handler's steps are the ones `WebSocketConnection` takes."""
    upgrade = " ".join(inspect.getsource(eio_socket_module.Socket._upgrade_websocket).split())
    assert "self.server._async['websocket']( self._websocket_handler, self.server)" in upgrade
    assert "return ws(environ, start_response)" in upgrade
    handler = " ".join(inspect.getsource(eio_socket_module.Socket._websocket_handler).split())
    for step in (
        "self.upgrading = True",
        "decoded_pkt.data != 'probe'",
        "ws.send(packet.Packet(packet.PONG, data='probe').encode())",
        "self.queue.put(packet.Packet(packet.NOOP)) # end poll",
        "if decoded_pkt.packet_type != packet.UPGRADE:",
        "self.upgraded = True",
        "self.connected = True",
        "len(data) > self.server.max_http_buffer_size",
        "self.receive(pkt)",
        "except exceptions.UnknownPacketError:",
        "except exceptions.SocketIsClosedError:",
        "self.queue.put(None) # unlock the writer task so that it can exit",
        "self.close(wait=False, abort=True, reason=self.server.reason.TRANSPORT_CLOSE)",
    ):
        assert step in handler, step
    close = inspect.getsource(eio_socket_module.Socket.close)
    assert "self.queue.put(None)" in close
    assert "self.queue.join()" in close
    socket_ = eio_socket_module.Socket(engineio.Server(async_mode="gevent"), "sid")
    for name in ("queue", "connected", "upgraded", "upgrading", "closing", "closed", "last_ping"):
        assert hasattr(socket_, name), name
    assert isinstance(socket_.queue, gevent.queue.JoinableQueue)
