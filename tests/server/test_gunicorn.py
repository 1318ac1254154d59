"""Tandem under gunicorn with its gevent worker, as docs/operations.md runs it: WebSocket
clients talk to each other through it, and a stopping worker closes their connections
itself, without waiting for gunicorn's graceful timeout to kill them."""

from __future__ import annotations

import json
import signal
import socket
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import migrate_database
from tests.support.clients import SocketClient, create_group, register
from tests.support.processes import GunicornProcess

pytestmark = pytest.mark.server


def serving(tmp_path: Path, **extra: str):
    """A gunicorn serving a new database, with `extra` settings."""
    url = f"sqlite:///{tmp_path / 'instance' / 'test.db'}"
    migrate_database(tmp_path, url)
    settings = {"TANDEM_INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": url}
    server = GunicornProcess(tmp_path, settings | extra).start()
    yield server
    server.stop()


@pytest.fixture
def gunicorn(tmp_path: Path):
    yield from serving(tmp_path)


@pytest.fixture
def patient_gunicorn(tmp_path: Path):
    """Its stop waits for a write in hand far longer than it takes to stop listening."""
    yield from serving(tmp_path, SHUTDOWN_GRACE_SECONDS="40")


def test_websocket_clients_talk_through_a_gunicorn_worker(gunicorn):
    sender, reader = register(gunicorn.url), register(gunicorn.url)
    conversation = create_group(gunicorn.url, sender, reader)
    listening = SocketClient(gunicorn.url).connect(auth={"token": reader.token})
    sending = SocketClient(gunicorn.url).connect(auth={"token": sender.token})
    assert sending.client.transport() == "websocket"
    for number in range(3):
        reply = sending.call(
            "message:send", {"conversation_id": conversation, "body": f"over gunicorn {number}"}
        )
        assert reply["ok"], reply
    listening.received.wait_count("message:new", 3, timeout=15)
    bodies = [message["body"] for message in listening.received.named("message:new")]
    assert bodies == ["over gunicorn 0", "over gunicorn 1", "over gunicorn 2"]

    gunicorn.process.send_signal(signal.SIGTERM)
    assert gunicorn.process.wait(timeout=GunicornProcess.GRACEFUL_SECONDS / 2) == 0
    assert sending.disconnected.wait(10)
    assert listening.disconnected.wait(10)


def test_a_stopping_worker_takes_no_new_connections_while_it_finishes_a_write(patient_gunicorn):
    """The write in hand (a request whose body is still coming) is finished and answered;
    meanwhile nobody new connects to the stopping worker (a balancer sends them to
    another), rather than being taken in and then closed."""
    body = json.dumps({"username": "nobody", "password": "not the password"}).encode()
    head = (
        "POST /api/v1/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", patient_gunicorn.port), timeout=30) as writer:
        writer.sendall(head + body[:5])
        # Answered after the writer's request was taken in, and in the order they came:
        # the writer's handler is reading its body by now.
        assert requests.get(patient_gunicorn.url + "/healthz", timeout=30).status_code == 200
        patient_gunicorn.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", patient_gunicorn.port), timeout=5).close()
            except ConnectionRefusedError:
                break
            assert time.monotonic() < deadline, "the stopping worker still took connections"
            time.sleep(0.1)
        assert patient_gunicorn.process.poll() is None  # still finishing the write in hand
        writer.sendall(body[5:])
        answer = writer.recv(4096).decode()
    assert answer.startswith("HTTP/1.1 401"), answer
    assert patient_gunicorn.process.wait(timeout=GunicornProcess.GRACEFUL_SECONDS / 2) == 0
