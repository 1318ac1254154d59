"""A public party's lifecycle reaches everyone online, follower or not, on every
transport (Socket.IO, SSE, long-polling from a cursor); a private one reaches nobody but
its people. A deleted follower leaves the follow notification live."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

from tests.support.clients import (
    PASSWORD,
    SocketClient,
    SSEReader,
    create_party,
    long_poll,
    register,
)

pytestmark = pytest.mark.server


def listed(events: list, party_id: int) -> list[str]:
    return [data["status"] for data in events if data["party_id"] == party_id]


def test_everyone_online_follows_a_public_party_and_nobody_a_private_one(shared_server):
    host, socket_reader, sse_reader, poller = (register(shared_server.url) for _ in range(4))
    socket = SocketClient(shared_server.url).connect(auth={"token": socket_reader.token})
    stream = SSEReader(shared_server.url + "/api/v1/events/stream", sse_reader.headers)
    start = long_poll(poller, None).json()["cursor"]
    soon = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    try:
        secret = create_party(
            shared_server.url, host, visibility="private", scheduled_at=soon, title="Secret"
        )
        party = create_party(shared_server.url, host, scheduled_at=soon, title="Tonight")
        for action in ("start", "end"):
            response = requests.post(
                f"{shared_server.url}/api/v1/parties/{party['id']}/{action}",
                headers=host.headers,
                timeout=10,
            )
            assert response.status_code < 300, response.text

        def heard(events) -> bool:
            return listed([d for n, d in events if n == "party:listing"], party["id"]) == [
                "upcoming",
                "live",
                "ended",
            ]

        socket.received.wait_for(heard)
        stream.received.wait_for(heard)
        polled = long_poll(poller, start, timeout=5).json()["events"]
        told = [e["data"] for e in polled if e["event"] == "party:listing"]
        assert listed(told, party["id"]) == ["upcoming", "live", "ended"]
        assert all(e["data"]["cursor"] for e in polled if e["event"] == "party:listing")
        for received in (socket.received.named("party:listing"), told):
            assert listed(received, secret["id"]) == []
        assert listed(stream.received.named("party:listing"), secret["id"]) == []
    finally:
        socket.close()
        stream.close()


def test_a_deleted_follower_leaves_the_follow_notification_live(shared_server):
    owner, first, second = (register(shared_server.url) for _ in range(3))
    socket = SocketClient(shared_server.url).connect(auth={"token": owner.token})
    try:
        for follower in (first, second):
            response = requests.post(
                f"{shared_server.url}/api/v1/users/{owner.username}/follow",
                headers=follower.headers,
                timeout=10,
            )
            assert response.status_code < 300, response.text
        [_, collapsed] = socket.received.wait_count("notification:new", 2)
        assert collapsed["count"] == 2

        for follower in (second, first):
            response = requests.delete(
                f"{shared_server.url}/api/v1/me",
                json={"password": PASSWORD},
                headers=follower.headers,
                timeout=10,
            )
            assert response.status_code == 204, response.text
        [updated] = socket.received.wait_count("notification:updated", 1)
        assert updated["id"] == collapsed["id"]
        assert (updated["count"], updated["actor"]["username"]) == (1, first.username)
        [removed] = socket.received.wait_count("notification:removed", 1)
        assert removed == {"id": collapsed["id"], "unread_count": 0, "cursor": removed["cursor"]}
        listing = requests.get(
            f"{shared_server.url}/api/v1/notifications", headers=owner.headers, timeout=10
        ).json()
        assert listing["notifications"] == []
    finally:
        socket.close()
