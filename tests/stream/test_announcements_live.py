"""An announcement reaches everyone online at once, on every transport (Socket.IO, SSE,
long-polling from a cursor), and its withdrawal too."""

from __future__ import annotations

import pytest
import requests

from tests.support.clients import Account, SocketClient, SSEReader, long_poll, register

pytestmark = pytest.mark.server


def withdraw(admin: Account, announcement_id: int) -> None:
    """Other tests share the server: leave no banner behind."""
    requests.delete(
        f"{admin.base}/api/v1/admin/announcements/{announcement_id}",
        headers=admin.headers,
        timeout=10,
    )


def test_everyone_online_hears_an_announcement_and_its_withdrawal(shared_server):
    admin, reader, listener, poller = (register(shared_server.url) for _ in range(4))
    shared_server.set_role(admin.username, "admin")
    socket = SocketClient(shared_server.url).connect(auth={"token": reader.token})
    stream = SSEReader(shared_server.url + "/api/v1/events/stream", listener.headers)
    start = long_poll(poller, None).json()["cursor"]
    posted = None
    try:
        response = requests.post(
            shared_server.url + "/api/v1/admin/announcements",
            json={"body": "The site restarts at 22:00 UTC", "hours": 1},
            headers=admin.headers,
            timeout=10,
        )
        assert response.status_code == 201, response.text
        posted = response.json()["announcement"]

        [live] = socket.received.wait_count("announcement:posted", 1)
        assert live["id"] == posted["id"]
        assert live["body"] == "The site restarts at 22:00 UTC"
        assert live["cursor"]
        [over_sse] = stream.received.wait_count("announcement:posted", 1)
        assert over_sse["id"] == posted["id"]
        polled = long_poll(poller, start, timeout=5).json()["events"]
        assert [e["data"]["id"] for e in polled if e["event"] == "announcement:posted"] == [
            posted["id"]
        ]

        gone = requests.delete(
            f"{shared_server.url}/api/v1/admin/announcements/{posted['id']}",
            headers=admin.headers,
            timeout=10,
        )
        assert gone.status_code == 204
        posted = None
        [withdrawn] = socket.received.wait_count("announcement:withdrawn", 1)
        assert withdrawn["id"] == live["id"]
        stream.received.wait_count("announcement:withdrawn", 1)
    finally:
        if posted is not None:
            withdraw(admin, posted["id"])
        socket.close()
        stream.close()


def test_a_dismissal_reaches_the_persons_other_connections_only(shared_server):
    admin, reader, other = (register(shared_server.url) for _ in range(3))
    shared_server.set_role(admin.username, "admin")
    socket = SocketClient(shared_server.url).connect(auth={"token": reader.token})
    stream = SSEReader(shared_server.url + "/api/v1/events/stream", other.headers)
    posted = requests.post(
        shared_server.url + "/api/v1/admin/announcements",
        json={"body": "Read once", "hours": 1},
        headers=admin.headers,
        timeout=10,
    ).json()["announcement"]
    try:
        start = long_poll(reader, None).json()["cursor"]
        socket.received.wait_count("announcement:posted", 1)
        dismissed = requests.post(
            f"{shared_server.url}/api/v1/announcements/{posted['id']}/dismiss",
            headers=reader.headers,
            timeout=10,
        )
        assert dismissed.status_code == 204
        [live] = socket.received.wait_count("announcement:dismissed", 1)
        assert live["id"] == posted["id"]
        assert live["cursor"]
        polled = long_poll(reader, start, timeout=5).json()["events"]
        assert [(e["event"], e["data"]["id"]) for e in polled] == [
            ("announcement:dismissed", posted["id"])
        ]
        stream.received.wait_count("announcement:posted", 1)
        assert stream.received.named("announcement:dismissed") == []
    finally:
        withdraw(admin, posted["id"])
        socket.close()
        stream.close()
