"""Both ends of a TCP connection on loopback, with gevent's sockets."""

from __future__ import annotations

from gevent import socket


def loopback_pair(buffer: int | None = None) -> tuple[socket.socket, socket.socket]:
    """(ours, theirs): a server's end and its client's. With `buffer`, ours sends and
    theirs receives through kernel buffers of about that size, so that a client that
    does not read fills them soon."""
    listener = socket.socket()
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        theirs = socket.socket()
        if buffer:
            theirs.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, buffer)
        theirs.connect(listener.getsockname())
        ours, _ = listener.accept()
    finally:
        listener.close()
    if buffer:
        ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, buffer)
    return ours, theirs
