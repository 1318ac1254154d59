"""Redis going away under two workers: bans and removals still reach every worker, and
every stream gets every durable event of both workers once, in cursor order."""

from __future__ import annotations

import pytest
import requests
import socketio

from realtime import cursor as cursors
from tests.support.clients import SocketClient, SSEReader, long_poll, register

pytestmark = pytest.mark.server


def call(server, account, method: str, path: str, body: dict | None = None) -> dict:
    response = requests.request(
        method, server.url + "/api/v1" + path, json=body, headers=account.headers, timeout=10
    )
    assert response.status_code in (200, 201, 204), response.text
    return response.json() if response.content else {}


def group(server, owner, *members) -> int:
    body = {"kind": "group", "name": "Outage", "members": [m.username for m in members]}
    return call(server, owner, "POST", "/conversations", body)["conversation"]["id"]


def send(server, account, conversation_id: int, body: str) -> dict:
    path = f"/conversations/{conversation_id}/messages"
    return call(server, account, "POST", path, {"body": body})["message"]


def test_a_ban_during_an_outage_closes_the_other_workers_connections(cluster, redis_server):
    a, b = cluster
    moderator, troll, owner = (register(a.url) for _ in range(3))
    a.set_role(moderator.username, "moderator")
    conversation = group(a, owner, troll)
    socket = SocketClient(b.url).connect(auth={"token": troll.token})
    stream = SSEReader(b.url + "/api/v1/events/stream", troll.headers)
    send(a, owner, conversation, "before")
    socket.received.wait_count("message:new", 1)
    stream.received.wait_count("message:new", 1)
    assert long_poll(troll, None, base=b.url).status_code == 200  # b keeps the token

    redis_server.stop()
    call(a, moderator, "POST", f"/admin/users/{troll.username}/ban", {"reason": "spam"})
    # Worker b never heard of the ban through Redis; it reads it from the log.
    assert socket.disconnected.wait(10)
    assert stream.ended.wait(10)
    assert long_poll(troll, None, base=b.url).status_code == 401
    send(a, owner, conversation, "while banned")
    redis_server.restart()
    send(a, owner, conversation, "after")

    for received in (socket.received, stream.received):
        assert [m["body"] for m in received.named("message:new")] == ["before"]
    with pytest.raises(socketio.exceptions.ConnectionError):
        SocketClient(b.url).connect(auth={"token": troll.token})


def test_a_removal_during_an_outage_stops_delivery_and_sending(cluster, redis_server):
    a, b = cluster
    owner, member = register(a.url), register(a.url)
    conversation = group(a, owner, member)
    socket = SocketClient(b.url).connect(auth={"token": member.token})
    send(a, owner, conversation, "before")
    socket.received.wait_count("message:new", 1)

    redis_server.stop()
    call(a, owner, "DELETE", f"/conversations/{conversation}/members/{member.username}")
    socket.received.wait_for(
        lambda events: any(name == "membership:removed" for name, _ in events), timeout=10
    )
    send(a, owner, conversation, "after the removal")
    answer = socket.call("message:send", {"conversation_id": conversation, "body": "still here?"})
    assert answer["ok"] is False
    assert answer["error"]["code"] in ("not_found", "forbidden")
    redis_server.restart()
    member.echo("marker", base=a.url)
    socket.received.wait_count("stream:echo", 1, timeout=15)
    assert [m["body"] for m in socket.received.named("message:new")] == ["before"]
    socket.close()


def test_every_stream_gets_both_workers_events_once_in_order(cluster, redis_server):
    a, b = cluster
    alice, bob = register(a.url), register(a.url)
    conversation = group(a, alice, bob)
    cursor = long_poll(bob, None, base=b.url).json()["cursor"]
    socket = SocketClient(b.url).connect(auth={"token": bob.token})
    stream = SSEReader(b.url + "/api/v1/events/stream", bob.headers)
    send(a, alice, conversation, "m0")
    stream.received.wait_count("message:new", 1)
    socket.received.wait_count("message:new", 1)

    redis_server.stop()
    sent = ["m0"]
    for n in range(1, 7):
        # Alternate the workers, so each stream on b misses half of them through Redis.
        send(a if n % 2 else b, alice, conversation, f"m{n}")
        sent.append(f"m{n}")
    redis_server.restart()
    send(b, alice, conversation, "after")
    sent.append("after")

    def bodies(received) -> list[str]:
        events = received.wait_count("message:new", len(sent), timeout=20)
        return [m["body"] for m in events]

    assert bodies(stream.received) == sent
    assert bodies(socket.received) == sent
    polled = long_poll(bob, cursor, timeout=5, base=b.url).json()["events"]
    assert [e["data"]["body"] for e in polled if e["event"] == "message:new"] == sent
    ids = [cursors.decode(i) for i in stream.ids]
    assert ids == sorted(ids)
    assert len(ids) == len(set(ids))
    # Nothing arrives twice: one more event, and the counts are still exact.
    bob.echo("marker", base=b.url)
    stream.received.wait_count("stream:echo", 1)
    socket.received.wait_count("stream:echo", 1)
    assert len(stream.received.named("message:new")) == len(sent)
    assert len(socket.received.named("message:new")) == len(sent)
    stream.close()
    socket.close()
