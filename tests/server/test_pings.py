"""Engine.IO pings on a real server (sent by realtime/websocket_fanout.py's scheduler): a
live idle client is pinged at the interval and never dropped; one that stops answering
is closed once its pong is `ping_timeout` late.

Each test's `ping_timeout` leaves room for a loaded machine: the live clients here answer
from a test loop and a reader thread, and a pong that a busy machine delays past the
timeout would close a client that did nothing wrong."""

from __future__ import annotations

import contextlib
import itertools
import statistics
import time
from urllib.parse import urlsplit

import simple_websocket

INTERVAL = 0.6
# Only a client that stops answering is closed here, so the timeout can be generous.
KEPT_TIMEOUT = 5.0
# Long enough for the live client beside the silent one; short enough to wait out.
TIMEOUT = 2.0
# Engine.IO's service task walks the sockets once per `ping_timeout`: a late pong is
# noticed at most one walk after its deadline.
SWEEP = TIMEOUT
PINGS = 5


def open_engineio(server) -> simple_websocket.Client:
    host = urlsplit(server.url).netloc
    ws = simple_websocket.Client.connect(f"ws://{host}/socket.io/?EIO=4&transport=websocket")
    assert ws.receive(timeout=5).startswith("0{")  # the open packet
    return ws


def close(*clients: simple_websocket.Client) -> None:
    for ws in clients:
        with contextlib.suppress(simple_websocket.ConnectionClosed):
            ws.close()


def pinged_server(server_factory, timeout: float):
    return server_factory(
        SOCKETIO_PING_INTERVAL_SECONDS=str(INTERVAL), SOCKETIO_PING_TIMEOUT_SECONDS=str(timeout)
    )


def test_a_live_idle_client_is_pinged_at_the_interval_and_kept(server_factory):
    server = pinged_server(server_factory, KEPT_TIMEOUT)
    clients = [open_engineio(server) for _ in range(3)]
    opened = time.monotonic()
    pings: list[list[float]] = [[] for _ in clients]
    try:
        # Until every client has had its pings (a default 25 s interval would give none).
        while min(map(len, pings)) < PINGS and time.monotonic() - opened < 20:
            for index, ws in enumerate(clients):
                message = ws.receive(timeout=0.05)
                if message is None:
                    continue
                assert message == "2", message  # nothing but pings on an idle connection
                pings[index].append(time.monotonic())
                ws.send("3")
        for times in pings:
            assert len(times) >= PINGS, times
            gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
            # Never sooner than the interval; a pong's way back adds to each gap.
            assert all(gap > INTERVAL * 0.8 for gap in gaps), gaps
            assert statistics.median(gaps) < INTERVAL + 1.0, gaps
        assert all(ws.connected for ws in clients)
    finally:
        close(*clients)


def test_a_client_that_stops_answering_pings_is_closed(server_factory):
    server = pinged_server(server_factory, TIMEOUT)
    silent, live = open_engineio(server), open_engineio(server)
    opened = time.monotonic()
    try:
        ping_at = closed_at = None
        while time.monotonic() - opened < INTERVAL + TIMEOUT + SWEEP + 3:
            answer = live.receive(timeout=0.02)
            if answer is not None:
                assert answer == "2"
                live.send("3")
            try:
                message = silent.receive(timeout=0.02)
            except simple_websocket.ConnectionClosed:
                closed_at = time.monotonic()
                break
            if message == "2" and ping_at is None:
                ping_at = time.monotonic()
            elif message == "1":  # Engine.IO's close packet
                closed_at = time.monotonic()
                break
        assert ping_at is not None
        assert closed_at is not None
        assert closed_at - ping_at >= TIMEOUT * 0.8  # not before its pong was late
        assert closed_at - opened < INTERVAL + TIMEOUT + SWEEP + 2
        assert live.connected
        live.send("40")  # the live one is still served: a Socket.IO connect is answered
        answer = live.receive(timeout=5)
        while answer == "2":
            live.send("3")
            answer = live.receive(timeout=5)
        assert answer.startswith("4"), answer
    finally:
        close(silent, live)
