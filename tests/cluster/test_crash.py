"""A worker that dies or is stopped in the middle of its work, under two workers with
Redis, on SQLite and on PostgreSQL: a committed change is always announced, every
acknowledged message is stored and announced once, and none is stored unacknowledged."""

from __future__ import annotations

import signal
import threading
import uuid

import pytest
import requests
import socketio

from tests.support.clients import SocketClient, SSEReader, create_group, long_poll, register
from tests.support.cluster import FAST_PRESENCE
from tests.support.processes import GunicornProcess, ServerProcess

pytestmark = pytest.mark.server


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request) -> str | None:
    if request.param == "postgresql":
        return request.getfixturevalue("postgres").create_database()
    return None


def history(server, account, conversation_id: int) -> list[dict]:
    response = requests.get(
        f"{server.url}/api/v1/conversations/{conversation_id}/messages?limit=100",
        headers=account.headers,
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()["messages"]


def send_last_words(door: str, server, sender, conversation: int) -> None:
    """Send through `door` to a worker that commits the message and dies before announcing
    it: the sender hears nothing. Over HTTP the send runs in the ORM session; over
    Socket.IO, a plain message, in a unit of work on a connection of its own."""
    if door == "http":
        with pytest.raises(requests.ConnectionError):
            requests.post(
                f"{server.url}/api/v1/conversations/{conversation}/messages",
                json={"body": "last words"},
                headers=sender.headers,
                timeout=10,
            )
        return
    socket = SocketClient(server.url).connect(auth={"token": sender.token})
    payload = {"conversation_id": conversation, "body": "last words"}
    with pytest.raises((socketio.exceptions.TimeoutError, socketio.exceptions.DisconnectedError)):
        socket.call("message:send", payload, timeout=5)
    socket.close()


@pytest.mark.parametrize("door", ["http", "socket"])
def test_a_change_committed_just_before_its_worker_died_still_reaches_everyone(
    server_factory, redis_server, database_url, door
):
    a = server_factory(
        database_url=database_url,
        redis_url=redis_server.url,
        TANDEM_FAULT_KILL_AFTER_COMMIT="message:new",
        **FAST_PRESENCE,
    )
    b = server_factory(database_url=database_url, redis_url=redis_server.url, **FAST_PRESENCE)
    owner, member = register(b.url), register(b.url)
    conversation = create_group(b.url, owner, member)
    cursor = long_poll(member, None, base=b.url).json()["cursor"]
    socket = SocketClient(b.url).connect(auth={"token": member.token})
    stream = SSEReader(b.url + "/api/v1/events/stream", member.headers)

    # Worker a commits the message and dies before announcing it.
    send_last_words(door, a, owner, conversation)
    assert a.process.wait(timeout=10) == -signal.SIGKILL

    # Worker b reads it from the log: live connections get it once...
    for received in (socket.received, stream.received):
        received.wait_count("message:new", 1, timeout=15)
    assert [m["body"] for m in history(b, member, conversation)] == ["last words"]
    # ...and so does a resume from a cursor taken before, on b and on a restarted a.
    replay = long_poll(member, cursor, base=b.url).json()["events"]
    assert [e["data"]["body"] for e in replay if e["event"] == "message:new"] == ["last words"]
    a.env.pop("TANDEM_FAULT_KILL_AFTER_COMMIT")
    a.start()
    replay = long_poll(member, cursor, base=a.url).json()["events"]
    assert [e["data"]["body"] for e in replay if e["event"] == "message:new"] == ["last words"]
    for received in (socket.received, stream.received):
        assert [m["body"] for m in received.named("message:new")] == ["last words"]
    socket.close()
    stream.close()


BURST = 80  # within one page of history
UNLIMITED = {
    "MESSAGE_RATE_LIMIT": "100000 per minute",
    "SOCKET_EVENT_RATE_LIMIT": "100000 per minute",
}


@pytest.mark.parametrize("stopped", [ServerProcess, GunicornProcess], ids=["app", "gunicorn"])
def test_a_worker_stopped_in_a_burst_of_sends_finishes_or_refuses_each_one(
    server_factory, redis_server, database_url, stopped
):
    settings = {"database_url": database_url, "redis_url": redis_server.url}
    a = server_factory(**settings, kind=stopped, **FAST_PRESENCE, **UNLIMITED)
    b = server_factory(**settings, **FAST_PRESENCE, **UNLIMITED)
    sender, reader = register(b.url), register(b.url)
    conversation = create_group(b.url, sender, reader)
    watcher = SocketClient(b.url).connect(auth={"token": reader.token})
    sending = SocketClient(a.url, in_order=True).connect(auth={"token": sender.token})
    answers: dict[str, dict] = {}
    answered = threading.Condition()

    def answer_for(client_id: str):
        def record(reply) -> None:
            with answered:
                answers[client_id] = reply
                answered.notify_all()

        return record

    client_ids = [uuid.uuid4().hex for _ in range(BURST)]
    for number, client_id in enumerate(client_ids):
        payload = {"conversation_id": conversation, "body": f"m{number}", "client_id": client_id}
        try:
            sending.client.emit("message:send", payload, callback=answer_for(client_id))
        except socketio.exceptions.SocketIOError:
            break  # the connection is closed: the rest were never sent
        if number == BURST // 3:
            with answered:  # stop it while sends are in hand
                assert answered.wait_for(lambda: answers, timeout=10)
            a.process.send_signal(signal.SIGTERM)
    assert a.process.wait(timeout=30) == 0
    assert sending.disconnected.wait(10)

    # Nothing is stored without its sender being told: the stored messages are exactly
    # the acknowledged ones.
    stored = {m["client_id"]: m["id"] for m in history(b, sender, conversation)}
    with answered:
        acknowledged = {cid: reply for cid, reply in answers.items() if reply.get("ok")}
        refused = [reply for reply in answers.values() if not reply.get("ok")]
    assert all(reply["error"]["code"] == "unavailable" for reply in refused), refused
    assert stored == {cid: reply["message"]["id"] for cid, reply in acknowledged.items()}

    # The sender reconnects to b and sends again what was not acknowledged, with the same
    # client ids, as a client does; nothing is stored twice.
    resend = SocketClient(b.url).connect(auth={"token": sender.token})
    for number, client_id in enumerate(client_ids):
        if client_id not in acknowledged:
            payload = {
                "conversation_id": conversation,
                "body": f"m{number}",
                "client_id": client_id,
            }
            assert resend.call("message:send", payload)["ok"] is True
    final = history(b, sender, conversation)
    assert sorted(m["client_id"] for m in final) == sorted(client_ids)
    # The reader, on b all along, heard of every message exactly once: a marker sent
    # after them all arrives after them all.
    reader.echo("marker", base=b.url)
    watcher.received.wait_count("stream:echo", 1, timeout=30)
    assert sorted(m["id"] for m in watcher.received.named("message:new")) == sorted(
        m["id"] for m in final
    )
    for client in (watcher, resend, sending):
        client.close()
