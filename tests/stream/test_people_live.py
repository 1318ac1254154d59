"""Notifications and presence delivered live, and never between blocked people."""

from __future__ import annotations

import pytest
import requests

from tests.support.clients import SocketClient, SSEReader, register

pytestmark = pytest.mark.server

QUICK = {"PRESENCE_LINGER_SECONDS": "0.2"}


def api(server, account, method, path, **kwargs):
    response = requests.request(
        method, server.url + "/api/v1" + path, headers=account.headers, timeout=10, **kwargs
    )
    assert response.status_code < 500, response.text
    return response


def test_follow_notification_arrives_over_socketio_and_sse(shared_server):
    star, fan = register(shared_server.url), register(shared_server.url)
    socket = SocketClient(shared_server.url).connect(auth={"token": star.token})
    reader = SSEReader(shared_server.url + "/api/v1/events/stream", star.headers)
    api(shared_server, fan, "POST", f"/users/{star.username}/follow")
    for received in (socket.received, reader.received):
        [note] = received.wait_count("notification:new", 1)
        assert note["kind"] == "follow"
        assert note["actor"]["username"] == fan.username
        assert note["unread_count"] == 1
        assert note["cursor"]
    api(shared_server, star, "POST", "/notifications/read", json={"all": True})
    [read] = socket.received.wait_count("notification:read", 1)
    assert read["unread_count"] == 0
    socket.close()
    reader.close()


def test_followers_see_presence_change_live(server_factory):
    server = server_factory(**QUICK)
    watcher, friend = register(server.url), register(server.url)
    api(server, watcher, "POST", f"/users/{friend.username}/follow")
    # Both connections are registered once they are open: the socket's once its connect
    # was accepted, the stream's once its response began.
    socket = SocketClient(server.url).connect(auth={"token": watcher.token})
    reader = SSEReader(server.url + "/api/v1/events/stream", watcher.headers)

    friends_socket = SocketClient(server.url).connect(auth={"token": friend.token})
    for received in (socket.received, reader.received):
        received.wait_for(
            lambda events: any(
                e == "presence" and (d["user_id"], d["status"]) == (friend.id, "online")
                for e, d in events
            )
        )
    friends_socket.call("presence:set", {"status": "away"})
    socket.received.wait_for(
        lambda events: any(e == "presence" and d["status"] == "away" for e, d in events)
    )
    friends_socket.drop()
    socket.received.wait_for(
        lambda events: any(e == "presence" and d["status"] == "offline" for e, d in events)
    )
    socket.close()
    reader.close()


def test_following_later_starts_presence_on_an_open_connection(server_factory):
    server = server_factory(**QUICK)
    watcher, friend = register(server.url), register(server.url)
    socket = SocketClient(server.url).connect(auth={"token": watcher.token})
    api(server, watcher, "POST", f"/users/{friend.username}/follow")
    SocketClient(server.url).connect(auth={"token": friend.token})
    [seen] = socket.received.wait_count("presence", 1)
    assert (seen["user_id"], seen["status"]) == (friend.id, "online")
    socket.close()


def test_blocked_people_receive_nothing_of_each_other(server_factory):
    server = server_factory(**QUICK)
    watcher, blocker = register(server.url), register(server.url)
    api(server, watcher, "POST", f"/users/{blocker.username}/follow")
    socket = SocketClient(server.url).connect(auth={"token": watcher.token})
    reader = SSEReader(server.url + "/api/v1/events/stream", watcher.headers)
    api(server, blocker, "POST", f"/users/{watcher.username}/block")
    # The block takes the blocker's presence off the connections in the events' order: a
    # later event of the watcher's own arrives after that.
    watcher.echo("after the block")
    for received in (socket.received, reader.received):
        received.wait_count("stream:echo", 1)

    blockers_socket = SocketClient(server.url).connect(auth={"token": blocker.token})
    blockers_socket.call("presence:set", {"status": "busy"})
    refused = api(server, watcher, "POST", f"/users/{blocker.username}/follow")
    assert refused.status_code == 403
    presence = api(server, watcher, "GET", f"/users/{blocker.username}").json()["user"]["presence"]
    assert presence is None
    # A marker event proves the connections were live while nothing else arrived.
    watcher.echo("marker")
    for received in (socket.received, reader.received):
        received.wait_count("stream:echo", 2)
        assert received.named("presence") == []
    # Not even the follow from before the block: the block took the watcher out of it.
    assert api(server, blocker, "GET", "/notifications").json()["notifications"] == []
    socket.close()
    reader.close()
    blockers_socket.close()


def test_watchers_get_the_status_and_its_text_from_either_door(shared_server):
    """A follower's socket and SSE stream get the status text with the status, whether it
    was set over the socket or over `POST /api/v1/me/presence`; a stranger's get nothing."""
    watcher, friend, stranger = (register(shared_server.url) for _ in range(3))
    api(shared_server, watcher, "POST", f"/users/{friend.username}/follow")
    socket = SocketClient(shared_server.url).connect(auth={"token": watcher.token})
    reader = SSEReader(shared_server.url + "/api/v1/events/stream", watcher.headers)
    outsider = SocketClient(shared_server.url).connect(auth={"token": stranger.token})
    friends_socket = SocketClient(shared_server.url).connect(auth={"token": friend.token})

    def status_of(received, status: str, text: str) -> dict:
        def seen(events):
            return [
                d
                for e, d in events
                if e == "presence" and d["user_id"] == friend.id and d["status"] == status
            ]

        events = received.wait_for(lambda events: any(d["text"] == text for d in seen(events)))
        return next(d for d in seen(events) if d["text"] == text)

    ack = friends_socket.call("presence:set", {"status": "busy", "text": "In a meeting"})
    assert ack["ok"] is True
    assert (ack["presence"]["status"], ack["presence"]["text"]) == ("busy", "In a meeting")
    for received in (socket.received, reader.received):
        assert status_of(received, "busy", "In a meeting")["last_seen"]

    answer = api(
        shared_server, friend, "POST", "/me/presence", json={"status": "away", "text": "Lunch"}
    )
    assert answer.status_code == 200
    for received in (socket.received, reader.received):
        status_of(received, "away", "Lunch")

    shown = api(shared_server, watcher, "GET", f"/users/{friend.username}").json()["user"]
    assert (shown["presence"]["status"], shown["presence"]["text"]) == ("away", "Lunch")
    assert not [d for e, d in outsider.received.events if e == "presence"]
    for client in (socket, outsider, friends_socket):
        client.close()
    reader.close()
