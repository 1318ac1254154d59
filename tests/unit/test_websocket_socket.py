"""realtime/websocket_socket.py: what an open connection no longer needs, let go, and
the wsproto internals that relies on (pinned versions)."""

from __future__ import annotations

import inspect
from types import SimpleNamespace

from gevent import socket
from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import AcceptConnection, Request, TextMessage

from realtime import websocket_socket
from realtime.websocket_fanout import text_frame


def test_an_open_wsproto_connection_asks_its_handshake_only_for_events():
    """So `drop_handshake` may put `HANDSHAKE_DONE` in its place once it is open."""
    for name in ("state", "send", "receive_data"):
        member = getattr(WSConnection, name)
        source = inspect.getsource(member.fget if isinstance(member, property) else member)
        assert "if self.connection is None:" in source, name
    events = inspect.getsource(WSConnection.events)
    assert "yield from self.handshake.events()" in events
    assert "yield from self.connection.events()" in events


def test_the_handshake_is_dropped_only_once_open_and_with_no_events_left():
    server = WSConnection(ConnectionType.SERVER)
    websocket_socket.drop_handshake(server)
    assert server.handshake is not websocket_socket.HANDSHAKE_DONE  # not open yet
    server.receive_data(
        b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    assert isinstance(next(server.events()), Request)
    server.send(AcceptConnection())
    websocket_socket.drop_handshake(server)
    assert server.handshake is websocket_socket.HANDSHAKE_DONE
    assert server.state is ConnectionState.OPEN
    server.receive_data(b"\x81\x82abcd" + bytes(a ^ b for a, b in zip(b"hi", b"ab", strict=True)))
    assert [event.data for event in server.events()] == ["hi"]
    assert server.send(TextMessage(data="ok")) == text_frame(b"ok")


def test_the_request_reader_is_closed_and_its_socket_kept():
    ours, theirs = socket.socketpair()
    try:
        for wsgi_input in (ours.makefile("rb", -1), SimpleNamespace(rfile=ours.makefile("rb"))):
            websocket_socket.close_request_reader({"wsgi.input": wsgi_input})
            reader = getattr(wsgi_input, "rfile", wsgi_input)
            assert reader.closed
        theirs.sendall(b"still open")
        assert ours.recv(10) == b"still open"
    finally:
        ours.close()
        theirs.close()
