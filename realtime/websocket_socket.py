"""The socket under a WebSocket connection (realtime/websocket_transport.py): where it is
in a WSGI request, its writes whole and one at a time, and what the open connection no
longer needs (the request's reader, wsproto's handshake state)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gevent.lock
from wsproto import WSConnection
from wsproto.handshake import H11Handshake


class SerialSocket:
    """A connection's socket for its writers: each write whole, one at a time."""

    __slots__ = ("busy", "lock", "sock")

    def __init__(self, sock: Any) -> None:
        self.sock = sock
        self.lock = gevent.lock.Semaphore()
        self.busy = 0

    def send(self, data: bytes) -> int:
        self.busy += 1
        try:
            with self.lock:
                self.sock.sendall(data)
        finally:
            self.busy -= 1
        return len(data)

    def fileno(self) -> int:
        return self.sock.fileno()


class HandshakeDone:
    """Stands for wsproto's `H11Handshake` once the connection is open: `WSConnection`
    then only asks it for its events, and it has none left."""

    __slots__ = ()

    def events(self) -> Iterator[Any]:
        return iter(())


HANDSHAKE_DONE = HandshakeDone()


def drop_handshake(connection: WSConnection) -> None:
    """Let an open connection's handshake state (its h11 connection, the request) go."""
    handshake = connection.handshake
    if (
        connection.connection is not None
        and isinstance(handshake, H11Handshake)
        and not handshake._events
    ):
        connection.handshake = HANDSHAKE_DONE


def socket_of(environ: dict[str, Any]) -> tuple[Any, str] | None:
    """The client's socket under a WSGI request, and the server it came through:
    gunicorn names it, gevent's WSGI server has it under its request reader."""
    if "gunicorn.socket" in environ:
        return environ["gunicorn.socket"], "gunicorn"
    sock = getattr(getattr(_request_reader(environ), "raw", None), "_sock", None)
    return (sock, "gevent") if sock is not None else None


def close_request_reader(environ: dict[str, Any]) -> None:
    """Close the buffered reader gevent's WSGI server read the upgrade request through
    (8 KB a connection): the WebSocket reads the socket itself. The socket stays open,
    and the server's handler, finding the reader closed, reads no further request once
    the WebSocket ends."""
    reader = _request_reader(environ)
    if reader is not None and getattr(reader, "raw", None) is not None:
        reader.close()


def _request_reader(environ: dict[str, Any]) -> Any:
    """gevent's buffered reader of the request: `wsgi.input`, or the reader under it."""
    reader = environ.get("wsgi.input")
    return reader if hasattr(reader, "raw") else getattr(reader, "rfile", None)
