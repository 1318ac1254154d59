"""Noticing at once that a client gave up on a request it is waiting for."""

from __future__ import annotations

import socket
from collections.abc import Callable

import gevent


def on_hangup(environ: dict, hung_up: Callable[[], None]) -> Callable[[], None]:
    """Call `hung_up` as soon as the client closes its end of this request's connection,
    instead of when a keep-alive write fails up to a minute later. No greenlet: an I/O
    watcher on the socket (gevent's pywsgi exposes it through `wsgi.input`, gunicorn as
    `gunicorn.socket`) fires when it turns readable, which for a client waiting on a
    response means end of file. Returns the function that stops watching."""
    reader = getattr(environ.get("wsgi.input"), "rfile", None)
    client = environ.get("gunicorn.socket") or getattr(getattr(reader, "raw", None), "_sock", None)
    raw = getattr(client, "_sock", None)  # the OS socket under gevent's, non-blocking
    if raw is None:
        return lambda: None
    watcher = gevent.get_hub().loop.io(raw.fileno(), 1)

    def readable() -> None:
        try:
            gone = not raw.recv(1, socket.MSG_PEEK)
        except BlockingIOError:
            return
        except OSError:
            gone = True
        watcher.stop()  # what else it sent (a pipelined request) is the server's to read
        if gone:
            hung_up()

    def stop() -> None:
        watcher.stop()
        watcher.close()

    watcher.start(readable)
    return stop
