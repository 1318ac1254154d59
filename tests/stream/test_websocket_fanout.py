"""Broadcasts to a Socket.IO room against a real server (realtime/websocket_fanout.py):
frames written straight to idle WebSockets, the queue for everything else, and every
connection's packets in order."""

from __future__ import annotations

import socket
import threading
import urllib.parse

import orjson
import pytest
import websocket
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, Request, TextMessage
from wsproto.extensions import PerMessageDeflate
from wsproto.frame_protocol import Opcode

from tests.support.clients import SocketClient, register

pytestmark = pytest.mark.server

LIMITS = {"ECHO_RATE_LIMIT": "100000 per minute", "SOCKET_PING_RATE_LIMIT": "100000 per minute"}


def echo_texts(client: SocketClient, count: int, timeout: float = 30) -> list[str]:
    return [event["text"] for event in client.received.wait_count("stream:echo", count, timeout)]


def test_every_client_of_a_room_gets_every_broadcast_once_and_in_order(server_factory):
    server = server_factory(**LIMITS)
    account = register(server.url)
    clients = [
        SocketClient(server.url, transport, in_order=True).connect(auth={"token": account.token})
        for transport in ["websocket"] * 12 + ["polling"] * 3
    ]
    stop = threading.Event()
    acks: list[list[dict]] = [[] for _ in clients]

    def ping(index: int) -> None:  # acknowledgements, interleaved with the broadcasts
        while not stop.is_set():
            acks[index].append(clients[index].call("time:ping", {}))

    pingers = [threading.Thread(target=ping, args=(i,), daemon=True) for i in range(len(clients))]
    for pinger in pingers:
        pinger.start()
    sent: list[str] = []
    try:
        # In bursts: python-engineio's client refuses a poll answer of over 16 packets.
        for burst in range(8):
            sent += [account.echo(f"broadcast {burst}.{n}")["data"]["text"] for n in range(8)]
            for client in clients:
                assert echo_texts(client, len(sent)) == sent, client.transport
        sent.append(account.echo("end")["data"]["text"])  # a duplicate would come before
        for client in clients:
            assert echo_texts(client, len(sent)) == sent, client.transport
    finally:
        stop.set()
        for pinger in pingers:
            pinger.join(timeout=15)
    for client, answers in zip(clients, acks, strict=True):
        assert answers, client.transport
        assert all(answer["ok"] is True for answer in answers)
        client.close()


def server_send_queue(server_port: int, client_port: int) -> int:
    """Bytes the server's kernel holds for the connection to `client_port`, unacknowledged
    or not yet sent (the tx_queue of /proc/net/tcp)."""
    wanted = (f"{server_port:04X}", f"{client_port:04X}")
    with open("/proc/net/tcp") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            local, remote = fields[1].rsplit(":", 1)[1], fields[2].rsplit(":", 1)[1]
            if (local, remote) == wanted:
                return int(fields[4].split(":")[0], 16)
    return 0


class SlowClient:
    """A raw Socket.IO client over WebSocket that can stop reading: with a small window
    and segment size, the server's kernel buffer for it fills after a few dozen KB."""

    def __init__(self, base: str, token: str) -> None:
        self.ws = websocket.create_connection(
            base.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket",
            sockopt=(
                (socket.IPPROTO_TCP, socket.TCP_MAXSEG, 536),
                (socket.SOL_SOCKET, socket.SO_RCVBUF, 4096),
            ),
            timeout=30,
        )
        assert self.ws.recv().startswith("0")  # Engine.IO's open packet
        self.ws.send("40" + orjson.dumps({"token": token}).decode())
        while not self.ws.recv().startswith("40"):
            pass
        self.port = self.ws.sock.getsockname()[1]

    def echoes(self, count: int) -> list[str]:
        """Read until `count` echo events came; each frame is checked by the client."""
        texts: list[str] = []
        while len(texts) < count:
            message = self.ws.recv()
            if message == "2":
                self.ws.send("3")
            elif message.startswith("42"):
                name, data = orjson.loads(message[2:])
                if name == "stream:echo":
                    texts.append(data["text"])
        return texts


def test_a_client_that_stops_reading_gets_everything_in_order_and_holds_up_nobody(server_factory):
    server = server_factory(**LIMITS)
    account = register(server.url)
    slow = SlowClient(server.url, account.token)
    others = [
        SocketClient(server.url, "websocket", in_order=True).connect(auth={"token": account.token})
        for _ in range(3)
    ]
    server_port = urllib.parse.urlsplit(server.url).port
    sent: list[str] = []
    # Large events until the server's kernel holds far more than the client's window.
    while server_send_queue(server_port, slow.port) < 32_000 or len(sent) < 300:
        sent.append(account.echo(f"{len(sent):05d} " + "x" * 190)["data"]["text"])
        assert len(sent) < 3000, "the server's buffer for the slow client never filled"
    for client in others:  # everyone else got everything meanwhile
        assert echo_texts(client, len(sent)) == sent
    assert server_send_queue(server_port, slow.port) >= 32_000  # still stuck
    assert slow.echoes(len(sent)) == sent
    # Drained, it is written to as before.
    sent.append(account.echo("after")["data"]["text"])
    assert slow.echoes(1) == ["after"]
    for client in others:
        assert echo_texts(client, len(sent)) == sent
        client.close()
    slow.ws.close()


class RecordingDeflate(PerMessageDeflate):
    """The client's side of permessage-deflate, noting whether each data frame came
    compressed (RSV1)."""

    def __init__(self) -> None:
        super().__init__()
        self.compressed: list[bool] = []

    def frame_inbound_header(self, proto, opcode, rsv, payload_length):
        if opcode in (Opcode.TEXT, Opcode.BINARY):
            self.compressed.append(rsv.rsv1)
        return super().frame_inbound_header(proto, opcode, rsv, payload_length)


class OfferingClient:
    """Socket.IO over a wsproto client that offers permessage-deflate and checks every
    frame it reads."""

    def __init__(self, base: str, token: str) -> None:
        url = urllib.parse.urlsplit(base)
        self.sock = socket.create_connection((url.hostname, url.port), timeout=30)
        self.deflate = RecordingDeflate()
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.accepted: AcceptConnection | None = None
        self.messages: list[str] = []
        self.sock.sendall(
            self.ws.send(
                Request(
                    host=url.netloc,
                    target="/socket.io/?EIO=4&transport=websocket",
                    extensions=[self.deflate],
                )
            )
        )
        assert self.next_message().startswith("0")
        self.sock.sendall(
            self.ws.send(TextMessage(data="40" + orjson.dumps({"token": token}).decode()))
        )
        while not self.next_message().startswith("40"):
            pass

    def next_message(self) -> str:
        while not self.messages:
            data = self.sock.recv(65536)
            assert data, "the server closed the connection"
            self.ws.receive_data(data)
            for event in self.ws.events():
                if isinstance(event, AcceptConnection):
                    self.accepted = event
                elif isinstance(event, TextMessage):
                    assert event.message_finished
                    self.messages.append(event.data)
        return self.messages.pop(0)

    def echoes(self, count: int) -> list[str]:
        texts = []
        while len(texts) < count:
            message = self.next_message()
            if message.startswith("42"):
                name, data = orjson.loads(message[2:])
                if name == "stream:echo":
                    texts.append(data["text"])
        return texts


@pytest.mark.parametrize("compression", ["on", "off"])
def test_compressed_connections_keep_the_queue_and_others_get_plain_frames(
    server_factory, compression
):
    server = server_factory(WEBSOCKET_COMPRESSION=compression, **LIMITS)
    account = register(server.url)
    client = OfferingClient(server.url, account.token)
    others = [
        SocketClient(server.url, "websocket", in_order=True).connect(auth={"token": account.token})
        for _ in range(2)
    ]
    sent = [account.echo(f"event {n} " + "é" * 150)["data"]["text"] for n in range(20)]
    assert client.echoes(len(sent)) == sent
    negotiated = client.accepted.extensions if client.accepted else []
    if compression == "on":
        assert [type(extension) for extension in negotiated] == [RecordingDeflate]
        assert client.deflate.compressed
        assert all(client.deflate.compressed)
    else:
        assert negotiated == []
        # Without the extension wsproto refuses any frame with RSV1 set.
        assert client.deflate.compressed == []
    for other in others:
        assert echo_texts(other, len(sent)) == sent
        other.close()
    client.sock.close()
