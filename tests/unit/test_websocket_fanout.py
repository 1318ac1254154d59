"""realtime/websocket_fanout.py: the frames it builds, its direct writes, and the library
internals it relies on (pinned versions: a change of any of them fails here first)."""

from __future__ import annotations

import inspect
import os
from types import SimpleNamespace

import engineio
import gevent
import gevent.queue
import pytest
import socketio
import socketio.manager
from engineio import socket as eio_socket_module
from engineio.async_drivers import gevent as eio_gevent
from wsproto.connection import ConnectionState
from wsproto.frame_protocol import FrameProtocol

from realtime import websocket_fanout
from realtime.websocket_fanout import DirectWriter, text_frame
from realtime.websocket_socket import SerialSocket
from realtime.websocket_transport import WebSocketConnection
from tests.support.loopback import loopback_pair
from tests.support.waiting import wait_until


def test_the_installed_libraries_are_the_versions_the_adapter_was_written_for():
    assert websocket_fanout.installed_versions() == websocket_fanout.PINNED


@pytest.mark.parametrize("length", [0, 1, 125, 126, 127, 65535, 65536, 70000])
def test_a_text_frame_is_the_frame_wsproto_writes_for_a_server(length):
    text = ("é" * length)[: max(length - 1, 0)] + ("x" if length else "")
    data = text.encode()
    assert text_frame(data) == FrameProtocol(client=False, extensions=[]).send_data(text, True)


def test_the_emit_replaced_is_python_socketios_one_packet_for_all_recipients():
    source = inspect.getsource(socketio.manager.Manager.emit)
    assert "encoded_packet = pkt.encode()" in source
    assert "eio_packet.Packet(eio_packet.MESSAGE, p)" in source
    assert "self.server._send_eio_packet(eio_sid, p)" in source
    assert "self.get_participants(namespace, room)" in source


def test_an_event_is_json_so_bytes_in_its_payload_fail_loudly():
    server = socketio.Server(async_mode="gevent")
    server.manager.enter_room("sid-1", "/", "room", eio_sid="eio-1")
    fanout = websocket_fanout.Fanout(server)
    with pytest.raises(TypeError):
        fanout.emit("probe", {"blob": b"\x01"}, to="room", namespace="/")


class Peer:
    """Both ends of a loopback connection: ours (non-blocking, gevent's) and the reader."""

    def __init__(self, buffer: int = 8192) -> None:
        self.ours, self.theirs = loopback_pair(buffer)
        assert not os.get_blocking(self.ours.fileno())
        self.sock = SerialSocket(self.ours)
        self.eio_socket = SimpleNamespace(
            queue=gevent.queue.JoinableQueue(),
            upgraded=True,
            upgrading=False,
            closing=False,
            closed=False,
            last_ping=None,
        )
        self.connection = SimpleNamespace(
            connected=True, ws=SimpleNamespace(state=ConnectionState.OPEN)
        )
        self.writer = DirectWriter(self.eio_socket, self.connection, self.sock)

    def fill(self) -> bytes:
        """Write until the kernel takes no more; what was written."""
        written = bytearray()
        chunk = b"f" * 4096
        while True:
            try:
                written += chunk[: os.write(self.ours.fileno(), chunk)]
            except BlockingIOError:
                return bytes(written)

    def read(self, count: int) -> bytes:
        data = bytearray()
        while len(data) < count:
            data += self.theirs.recv(count - len(data))
        return bytes(data)

    def close(self) -> None:
        self.ours.close()
        self.theirs.close()


@pytest.fixture
def peer():
    peer = Peer()
    yield peer
    peer.close()


def test_an_idle_connection_gets_the_frame_at_once(peer):
    frame = text_frame(b'42["x",{}]')
    assert peer.writer.write(frame)
    assert peer.read(len(frame)) == frame
    assert peer.sock.busy == 0


@pytest.mark.parametrize(
    "state",
    [
        {"upgraded": False},
        {"upgrading": True},
        {"closing": True},
        {"closed": True},
        {"last_ping": 1.0},
    ],
)
def test_a_socket_not_plainly_open_goes_through_its_queue(peer, state):
    for name, value in state.items():
        setattr(peer.eio_socket, name, value)
    assert not peer.writer.write(text_frame(b"4x"))


def test_a_closed_websocket_goes_through_its_queue(peer):
    peer.connection.connected = False
    assert not peer.writer.write(text_frame(b"4x"))
    peer.connection.connected = True
    peer.connection.ws.state = ConnectionState.LOCAL_CLOSING
    assert not peer.writer.write(text_frame(b"4x"))


def test_nothing_overtakes_a_queued_packet(peer):
    peer.eio_socket.queue.put("queued")
    assert not peer.writer.write(text_frame(b"4x"))


def test_nothing_is_written_while_another_greenlet_writes(peer):
    filler = peer.fill()
    other = gevent.spawn(peer.sock.send, b"pong")
    gevent.sleep(0)  # the other writer waits for room in the kernel buffer
    assert peer.sock.busy == 1
    assert not peer.writer.write(text_frame(b"4x"))
    assert peer.read(len(filler)) == filler
    other.get(timeout=5)
    assert peer.read(4) == b"pong"


def test_a_full_kernel_buffer_sends_the_packet_to_the_queue(peer):
    filler = peer.fill()
    assert not peer.writer.write(text_frame(b"4x"))
    assert peer.sock.busy == 0
    assert peer.read(len(filler)) == filler
    peer.theirs.setblocking(False)
    with pytest.raises(BlockingIOError):
        peer.theirs.recv(1)


def test_the_rest_of_a_partly_taken_frame_goes_before_any_other_write():
    peer = Peer()
    try:
        frame = text_frame(b"4" + b"y" * 200_000)
        assert peer.writer.write(frame)
        assert peer.sock.busy == 1  # a greenlet holds the connection to write the rest
        after = gevent.spawn(peer.sock.send, b"next")
        assert not peer.writer.write(text_frame(b"4z"))
        reader = gevent.spawn(peer.read, len(frame) + 4)
        assert reader.get(timeout=10) == frame + b"next"
        after.get(timeout=5)
        assert peer.sock.busy == 0
    finally:
        peer.close()


def test_a_connection_that_breaks_mid_frame_is_shut():
    peer = Peer()
    try:
        assert peer.writer.write(text_frame(b"4" + b"y" * 200_000))
        peer.theirs.close()
        wait_until(lambda: peer.sock.busy == 0)
        with pytest.raises((BrokenPipeError, ConnectionResetError)):
            peer.ours.sendall(b"more")
    finally:
        peer.ours.close()


class RecordingServer:
    """What `Fanout.send_packet` asks of python-socketio's server: the queued ways."""

    def __init__(self) -> None:
        self.queued: list[tuple[str, object]] = []
        self.eio = SimpleNamespace(send=lambda sid, data: self.queued.append((sid, data)))

    def _send_eio_packet(self, sid: str, eio_pkt) -> None:
        self.queued.append((sid, eio_pkt.encode()))


def ack(data) -> socketio.packet.Packet:
    return socketio.packet.Packet(socketio.packet.ACK, namespace="/", data=[data], id=7)


def test_an_acknowledgement_to_an_idle_websocket_is_written_at_once(peer):
    server = RecordingServer()
    fanout = websocket_fanout.Fanout(server)
    fanout.writers["eio-1"] = peer.writer
    fanout.send_packet("eio-1", ack({"ok": True}))
    frame = text_frame(b'437[{"ok":true}]')
    assert peer.read(len(frame)) == frame
    assert server.queued == []


def test_an_acknowledgement_waits_in_the_queue_behind_what_is_queued(peer):
    server = RecordingServer()
    fanout = websocket_fanout.Fanout(server)
    fanout.writers["eio-1"] = peer.writer
    peer.eio_socket.queue.put("queued")
    fanout.send_packet("eio-1", ack({"ok": True}))
    assert server.queued == [("eio-1", '437[{"ok":true}]')]


def test_acknowledgements_to_polling_or_with_binary_data_go_through_engineio(peer):
    server = RecordingServer()
    fanout = websocket_fanout.Fanout(server)
    fanout.send_packet("polling", ack({"ok": True}))
    fanout.writers["eio-1"] = peer.writer
    fanout.send_packet("eio-1", ack(b"\x01\x02"))
    assert server.queued[0] == ("polling", '37[{"ok":true}]')
    assert [sid for sid, _ in server.queued[1:]] == ["eio-1", "eio-1"]
    assert server.queued[2][1] == b"\x01\x02"  # the attachment, as its own packet


def test_install_sends_a_servers_single_packets_through_its_fanout():
    server = socketio.Server(async_mode="gevent")
    fanout = websocket_fanout.install(server)
    assert server._send_packet == fanout.send_packet
    source = inspect.getsource(socketio.Server._send_packet)
    assert "pkt.encode()" in source
    assert "self.eio.send(eio_sid" in source


def test_install_gives_only_its_own_gevent_server_the_one_greenlet_websocket_once():
    server = socketio.Server(async_mode="gevent")
    shared = eio_gevent._async["websocket"]
    fanout = websocket_fanout.install(server)
    assert websocket_fanout.install(server) is fanout
    assert websocket_fanout.fanout_of(server) is fanout
    made = server.eio._async["websocket"]
    assert made.func is WebSocketConnection
    assert made.keywords == {"fanout": fanout}
    assert eio_gevent._async["websocket"] is shared  # other servers keep the driver's
    threaded = socketio.Server(async_mode="threading")
    plain = threaded.eio._async["websocket"]
    websocket_fanout.install(threaded)
    assert threaded.eio._async["websocket"] is plain


def test_engineio_pings_are_what_the_scheduler_does_in_their_place():
    """`PingScheduler` replaces `Socket.schedule_ping` and `_send_ping`: the same
    bookkeeping of `last_ping`, one interval's wait, then a PING through `send`."""
    schedule = inspect.getsource(websocket_fanout._engineio_schedule_ping)
    assert "if self.last_ping:" in schedule
    assert "self.last_ping = None" in schedule
    assert "self.server.start_background_task(self._send_ping)" in schedule
    send = inspect.getsource(eio_socket_module.Socket._send_ping)
    assert "self.server.sleep(self.server.ping_interval)" in send
    assert "if not self.closing and not self.closed:" in send
    assert "self.last_ping = time.time()" in send
    assert "self.send(packet.Packet(packet.PING))" in send
    receive = inspect.getsource(eio_socket_module.Socket.receive)
    assert "self.schedule_ping()" in receive
    connect = inspect.getsource(engineio.Server._handle_connect)
    assert "s.schedule_ping()" in connect


class FakeEioSocket:
    def __init__(self, sid: str) -> None:
        self.sid = sid
        self.last_ping = 1.0
        self.closing = self.closed = False
        self.sent: list[tuple[str, float]] = []

    def send(self, pkt) -> None:
        self.sent.append((pkt.encode(), gevent.get_hub().loop.now()))


def test_one_greenlet_pings_every_socket_once_an_interval_in_order():
    scheduler = websocket_fanout.PingScheduler(SimpleNamespace(ping_interval=0.05))
    sockets = [FakeEioSocket(f"s{i}") for i in range(50)]
    for socket_ in sockets:
        scheduler.schedule(socket_)
        scheduler.schedule(socket_)  # a second call while one waits adds nothing
    runner = scheduler.runner
    assert all(socket_.last_ping is None for socket_ in sockets)
    sockets[3].closed = True
    runner.join(timeout=5)
    assert runner.dead
    assert scheduler.runner is runner  # one greenlet for all of them
    for index, socket_ in enumerate(sockets):
        if index == 3:
            assert socket_.sent == []
            continue
        assert [data for data, _ in socket_.sent] == ["2"]
        assert socket_.last_ping is not None
    # A pong schedules the next one: a new runner once the queue had emptied.
    scheduler.schedule(sockets[0])
    assert scheduler.runner is not runner
    scheduler.runner.join(timeout=5)
    assert len(sockets[0].sent) == 2


def test_install_pings_through_the_scheduler_of_its_own_server_only():
    server = socketio.Server(async_mode="gevent")
    websocket_fanout.install(server)
    scheduler = websocket_fanout.pings_of(server)
    assert scheduler is not None
    mine = eio_socket_module.Socket(server.eio, "mine")
    mine.schedule_ping()
    assert scheduler.due[-1][1] is mine
    other = engineio.Server(async_mode="gevent")
    theirs = eio_socket_module.Socket(other, "theirs")
    theirs.schedule_ping()  # Engine.IO's own: a greenlet of its own
    assert theirs.last_ping is None
    assert all(entry[1] is not theirs for entry in scheduler.due)
    mine.closed = theirs.closed = True
