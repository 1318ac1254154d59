"""Removed means removed: a resume from a cursor taken before a message existed replays it
as it is now (a tombstone, or its current text), never its removed content, on every
transport, to a member and to someone who joined later; notifications forget it too."""

from __future__ import annotations

import orjson
import pytest
import requests

from tests.support.clients import SocketClient, SSEReader, long_poll, register

pytestmark = pytest.mark.server

SECRET = "DOXX-221B-Baker-Street"
TYPO = "meet at teh usual place"
FIXED = "meet at the usual place"


def call(server, account, method: str, path: str, body: dict | None = None) -> dict:
    response = requests.request(
        method, server.url + "/api/v1" + path, json=body, headers=account.headers, timeout=10
    )
    assert response.status_code in (200, 201, 204), response.text
    return response.json() if response.content else {}


def open_conversation(server, owner, **fields) -> dict:
    """A conversation `owner` opens through the API with these fields, as it answers."""
    return call(server, owner, "POST", "/conversations", fields)["conversation"]


def room_with_removed_text(server, *, mention=None):
    """A public room where one message was deleted by a moderator and one was edited;
    returns the room, the two messages and a cursor from before any of it."""
    owner, admin = register(server.url), register(server.url)
    server.set_role(admin.username, "admin")
    early = long_poll(owner, None).json()["cursor"]
    room = open_conversation(
        server, owner, kind="room", name="Redaction square", visibility="public"
    )
    if mention is not None:
        call(server, mention, "POST", f"/conversations/{room['id']}/join")
    tag = f"@{mention.username} " if mention is not None else ""
    doomed = call(
        server, owner, "POST", f"/conversations/{room['id']}/messages", {"body": tag + SECRET}
    )["message"]
    edited = call(
        server, owner, "POST", f"/conversations/{room['id']}/messages", {"body": tag + TYPO}
    )["message"]
    call(server, owner, "PATCH", f"/messages/{edited['id']}", {"body": FIXED})
    call(server, admin, "DELETE", f"/admin/messages/{doomed['id']}", {"reason": "doxxing"})
    return room, doomed, edited, early


def replays(server, account, cursor: str, room_id: int) -> dict[str, list[tuple[str, dict]]]:
    """The room's events a resume from `cursor` brings, on each transport."""
    wanted = ("message:new", "message:updated", "message:deleted")

    def of_room(events):
        return [
            (name, data)
            for name, data in events
            if name in wanted and data.get("conversation_id") == room_id
        ]

    body = long_poll(account, cursor, timeout=5, base=server.url).json()
    polled = of_room((event["event"], event["data"]) for event in body["events"])

    reader = SSEReader(
        server.url + "/api/v1/events/stream", {**account.headers, "Last-Event-ID": cursor}
    )
    reader.received.wait_for(lambda events: len(of_room(events)) >= len(polled))
    streamed = of_room(reader.received.events)
    reader.close()

    socket = SocketClient(server.url).connect(auth={"token": account.token, "cursor": cursor})
    socket.received.wait_for(lambda events: len(of_room(events)) >= len(polled))
    pushed = of_room(socket.received.events)
    socket.close()
    return {"long-poll": polled, "sse": streamed, "socket.io": pushed}


def assert_only_what_is_true(by_transport, doomed, edited) -> None:
    for transport, events in by_transport.items():
        raw = orjson.dumps(events).decode()
        assert SECRET not in raw, transport
        assert "teh" not in raw, transport
        new = {data["id"]: data for name, data in events if name == "message:new"}
        assert new[doomed["id"]]["deleted"] is True, transport
        assert new[doomed["id"]]["body"] == "", transport
        assert new[edited["id"]]["body"].endswith(FIXED), transport
        assert new[edited["id"]]["edited_at"], transport
        deleted = [data for name, data in events if name == "message:deleted"]
        assert [data["message_id"] for data in deleted] == [doomed["id"]], transport


def test_someone_who_joins_later_cannot_replay_removed_text(shared_server):
    room, doomed, edited, early = room_with_removed_text(shared_server)
    latecomer = register(shared_server.url)
    call(shared_server, latecomer, "POST", f"/conversations/{room['id']}/join")
    by_transport = replays(shared_server, latecomer, early, room["id"])
    assert all(by_transport.values()), by_transport
    assert_only_what_is_true(by_transport, doomed, edited)


def test_a_member_replays_tombstones_and_mentions_forget_the_text(shared_server):
    member = register(shared_server.url)
    early = long_poll(member, None).json()["cursor"]
    room, doomed, edited, _ = room_with_removed_text(shared_server, mention=member)
    by_transport = replays(shared_server, member, early, room["id"])
    assert_only_what_is_true(by_transport, doomed, edited)

    # The mention notifications, as listed and as replayed, quote only what stands now.
    listed = call(shared_server, member, "GET", "/notifications")["notifications"]
    mentions = {n["subject"]["id"]: n for n in listed if n["kind"] == "mention"}
    assert "text" not in mentions[doomed["id"]]["subject"]
    assert mentions[edited["id"]]["subject"]["text"].endswith(FIXED)
    body = long_poll(member, early, timeout=5, base=shared_server.url).json()
    replayed = [e["data"] for e in body["events"] if e["event"] == "notification:new"]
    assert replayed
    assert SECRET not in orjson.dumps(replayed).decode()
    assert "teh" not in orjson.dumps(replayed).decode()


def test_a_renamed_room_is_replayed_under_its_new_name(shared_server):
    owner, guest = register(shared_server.url), register(shared_server.url)
    early = long_poll(guest, None).json()["cursor"]
    room = open_conversation(
        shared_server, owner, kind="group", name="Old secret name", members=[guest.username]
    )
    call(shared_server, owner, "PATCH", f"/conversations/{room['id']}", {"name": "New name"})
    body = long_poll(guest, early, timeout=5, base=shared_server.url).json()
    about_room = [
        e
        for e in body["events"]
        if e["event"].startswith("membership:") or e["event"] == "notification:new"
    ]
    assert about_room
    raw = orjson.dumps(about_room).decode()
    assert "Old secret name" not in raw
    assert "New name" in raw


def test_an_old_display_name_is_not_replayed(shared_server):
    writer, reader = register(shared_server.url), register(shared_server.url)
    call(shared_server, writer, "PATCH", "/me", {"display_name": "Old Handle"})
    early = long_poll(reader, None).json()["cursor"]
    conversation = open_conversation(
        shared_server, writer, kind="group", name="Names", members=[reader.username]
    )
    path = f"/conversations/{conversation['id']}/messages"
    call(shared_server, writer, "POST", path, {"body": "hello"})
    call(shared_server, writer, "PATCH", "/me", {"display_name": "New Handle"})
    body = long_poll(reader, early, timeout=5, base=shared_server.url).json()
    [sent] = [e["data"] for e in body["events"] if e["event"] == "message:new"]
    assert sent["sender"]["display_name"] == "New Handle"
    assert "Old Handle" not in orjson.dumps(body["events"]).decode()
