"""Conversations live over every transport: delivery to members only, socket sends with
acks, typing that stops by itself, read events, and removal that takes effect at once."""

from __future__ import annotations

import time

import pytest
import requests

from tests.support.clients import SocketClient, SSEReader, long_poll, register

pytestmark = pytest.mark.server


def api(server, account, method, path, **kwargs):
    response = requests.request(
        method, server.url + "/api/v1" + path, headers=account.headers, timeout=10, **kwargs
    )
    assert response.status_code < 500, response.text
    return response


def group_of(server, owner, *members):
    response = api(
        server,
        owner,
        "POST",
        "/conversations",
        json={"kind": "group", "name": "Live", "members": [m.username for m in members]},
    )
    assert response.status_code == 201, response.text
    return response.json()["conversation"]["id"]


def texts(received) -> list[str]:
    return [m["body"] for m in received.named("message:new") if m["kind"] == "text"]


@pytest.mark.parametrize("transport", ["websocket", "polling", "sse", "longpoll"])
def test_members_get_messages_live_outsiders_nothing(shared_server, transport):
    owner, member, outsider = (register(shared_server.url) for _ in range(3))
    cid = group_of(shared_server, owner, member)
    if transport in ("websocket", "polling"):
        watcher = SocketClient(shared_server.url, transport).connect(auth={"token": member.token})
        spy = SocketClient(shared_server.url, transport).connect(auth={"token": outsider.token})
        received, spied = watcher.received, spy.received
    elif transport == "sse":
        watcher = SSEReader(shared_server.url + "/api/v1/events/stream", member.headers)
        spy = SSEReader(shared_server.url + "/api/v1/events/stream", outsider.headers)
        received, spied = watcher.received, spy.received
    else:
        cursor = long_poll(member, None).json()["cursor"]
    sent = api(
        shared_server, owner, "POST", f"/conversations/{cid}/messages", json={"body": "hello all"}
    )
    message = sent.json()["message"]
    if transport == "longpoll":
        body = long_poll(member, cursor, timeout=5).json()
        [event] = [
            e for e in body["events"] if e["event"] == "message:new" and e["data"]["kind"] == "text"
        ]
        assert event["data"]["id"] == message["id"]
        return
    [got] = received.wait_count("message:new", 1)
    assert got["id"] == message["id"]
    assert got["body"] == "hello all"
    assert got["cursor"]
    outsider.echo("marker")
    spied.wait_count("stream:echo", 1)
    assert spied.named("message:new") == []
    watcher.close()
    spy.close()


def test_send_over_socket_with_ack(shared_server):
    owner, member = register(shared_server.url), register(shared_server.url)
    cid = group_of(shared_server, owner, member)
    sender = SocketClient(shared_server.url).connect(auth={"token": owner.token})
    reader = SocketClient(shared_server.url).connect(auth={"token": member.token})
    ack = sender.call(
        "message:send", {"conversation_id": cid, "body": "via socket", "client_id": "k1"}
    )
    assert ack["ok"] is True
    assert ack["message"]["body"] == "via socket"
    again = sender.call(
        "message:send", {"conversation_id": cid, "body": "via socket", "client_id": "k1"}
    )
    assert again["message"]["id"] == ack["message"]["id"]
    reader.received.wait_for(lambda events: "via socket" in [d.get("body") for e, d in events])
    assert texts(reader.received) == ["via socket"]
    for payload, code in (
        ({"conversation_id": cid}, "invalid"),
        ({"conversation_id": cid, "body": "x" * 5000}, "too_long"),
        ({"conversation_id": "one", "body": "hi"}, "not_found"),
        ({"conversation_id": 10**9, "body": "hi"}, "not_found"),
        ("just text", "invalid"),
    ):
        bad = sender.call("message:send", payload)
        assert bad["ok"] is False
        assert bad["error"]["code"] == code
    edit = sender.call("message:edit", {"message_id": ack["message"]["id"], "body": "edited"})
    assert edit["ok"] is True
    [updated] = reader.received.wait_count("message:updated", 1)
    assert updated["body"] == "edited"
    gone = sender.call("message:delete", {"message_id": ack["message"]["id"]})
    assert gone["ok"] is True
    [deleted] = reader.received.wait_count("message:deleted", 1)
    assert deleted == {
        "conversation_id": cid,
        "message_id": ack["message"]["id"],
        "cursor": deleted["cursor"],
    }
    sender.close()
    reader.close()


def test_typing_is_shown_and_stops_by_itself(shared_server):
    owner, member = register(shared_server.url), register(shared_server.url)
    cid = group_of(shared_server, owner, member)
    typist = SocketClient(shared_server.url).connect(auth={"token": owner.token})
    reader = SocketClient(shared_server.url).connect(auth={"token": member.token})
    started = time.monotonic()
    assert typist.call("typing:start", {"conversation_id": cid})["ok"] is True
    events = reader.received.wait_count("typing", 2, timeout=8)
    waited = time.monotonic() - started
    assert [e["typing"] for e in events] == [True, False]
    assert events[0]["user"]["username"] == owner.username
    assert 2.5 < waited < 6
    assert "cursor" not in events[0]  # ephemeral
    typist.call("typing:start", {"conversation_id": cid})
    typist.call("typing:stop", {"conversation_id": cid})
    assert [e["typing"] for e in reader.received.wait_count("typing", 4)][2:] == [True, False]


def test_read_events_reach_the_others(shared_server):
    owner, member = register(shared_server.url), register(shared_server.url)
    cid = group_of(shared_server, owner, member)
    watcher = SocketClient(shared_server.url).connect(auth={"token": owner.token})
    reader = SocketClient(shared_server.url).connect(auth={"token": member.token})
    mid = api(
        shared_server, owner, "POST", f"/conversations/{cid}/messages", json={"body": "read me"}
    ).json()["message"]["id"]
    ack = reader.call("message:read", {"conversation_id": cid, "message_id": mid})
    assert ack == {"ok": True, "last_read_message_id": mid}
    [event] = watcher.received.wait_count("message:read", 1)
    assert (event["conversation_id"], event["message_id"], event["user_id"]) == (
        cid,
        mid,
        member.id,
    )


def test_removed_member_stops_receiving_at_once_on_every_transport(shared_server):
    owner, member = register(shared_server.url), register(shared_server.url)
    cid = group_of(shared_server, owner, member)
    socket = SocketClient(shared_server.url).connect(auth={"token": member.token})
    reader = SSEReader(shared_server.url + "/api/v1/events/stream", member.headers)
    cursor = long_poll(member, None).json()["cursor"]
    api(shared_server, owner, "POST", f"/conversations/{cid}/messages", json={"body": "before"})
    for received in (socket.received, reader.received):
        received.wait_for(lambda events: "before" in [d.get("body") for e, d in events])
    removed = api(shared_server, owner, "DELETE", f"/conversations/{cid}/members/{member.username}")
    assert removed.status_code == 204
    api(shared_server, owner, "POST", f"/conversations/{cid}/messages", json={"body": "after"})
    member.echo("marker")
    for received in (socket.received, reader.received):
        received.wait_count("stream:echo", 1)
        assert "after" not in texts(received)
        [gone] = [d for d in received.named("membership:removed") if d["user"]["id"] == member.id]
        assert gone["conversation_id"] == cid
    # Resuming afterwards: the removal is there, the conversation's later events are not.
    body = long_poll(member, cursor, timeout=2).json()
    names = [e["event"] for e in body["events"]]
    assert "membership:removed" in names
    bodies = [e["data"].get("body") for e in body["events"] if e["event"] == "message:new"]
    assert "after" not in bodies
    # And the history is closed too.
    assert api(shared_server, member, "GET", f"/conversations/{cid}/messages").status_code == 404
