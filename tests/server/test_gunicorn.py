"""Tandem under gunicorn with its gevent worker, as docs/operations.md runs it: WebSocket
clients talk to each other through it, and a stopping worker closes their connections
itself, without waiting for gunicorn's graceful timeout to kill them."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.conftest import migrate_database
from tests.support.clients import SocketClient, create_group, register
from tests.support.processes import GunicornProcess

pytestmark = pytest.mark.server


@pytest.fixture
def gunicorn(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'instance' / 'test.db'}"
    migrate_database(tmp_path, url)
    settings = {"TANDEM_INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": url}
    server = GunicornProcess(tmp_path, settings).start()
    yield server
    server.stop()


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
