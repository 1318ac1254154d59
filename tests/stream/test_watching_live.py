"""Presence that says the truth, against a real server: a closed event stream goes
offline at once (after the grace for a reload), and watching a party means having its
page open, not being online somewhere on the site."""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time

import pytest
import requests

from tests.support.clients import SocketClient, SSEReader, create_party, register
from tests.support.cluster import FAST_PRESENCE

pytestmark = pytest.mark.server

LINGER = float(FAST_PRESENCE["PRESENCE_LINGER_SECONDS"])


def api(server, account, method, path, **kwargs):
    response = requests.request(
        method, server.url + "/api/v1" + path, headers=account.headers, timeout=10, **kwargs
    )
    assert response.status_code < 400, response.text
    return response.json() if response.content else None


def about(events, name, user_id):
    """The `name` events about `user_id`, in order."""
    return [
        data
        for event, data in events
        if event == name and user_id in (data.get("user_id"), (data.get("user") or {}).get("id"))
    ]


def test_a_closed_event_stream_stops_presence_and_watching_within_the_grace(server_factory):
    server = server_factory(**FAST_PRESENCE)
    host, guest = register(server.url), register(server.url)
    party = create_party(server.url, host)
    api(server, guest, "POST", "/parties/join", json={"code": party["code"]})
    api(server, host, "POST", f"/users/{guest.username}/follow")
    host_socket = SocketClient(server.url).connect(auth={"token": host.token})
    assert host_socket.call("party:join", {"party_id": party["id"]})["ok"] is True

    # The guest's only connection: the party page's event stream, carrying the party.
    stream = SSEReader(
        server.url + "/api/v1/events/stream", guest.headers, params={"party": party["id"]}
    )
    host_socket.received.wait_for(
        lambda events: (
            any(d["status"] == "online" for d in about(events, "presence", guest.id))
            and any(d["watching"] for d in about(events, "party:member_count", guest.id))
        )
    )
    [counted] = about(host_socket.received.events, "party:member_count", guest.id)
    assert counted["count"] == 2  # the host's page and the guest's

    stream.close()
    closed_at = time.monotonic()
    host_socket.received.wait_for(
        lambda events: (
            any(d["status"] == "offline" for d in about(events, "presence", guest.id))
            and any(not d["watching"] for d in about(events, "party:member_count", guest.id))
        ),
        timeout=LINGER + 1,
    )
    took = time.monotonic() - closed_at
    print(f"offline and not watching {took:.2f} s after the stream closed (grace {LINGER} s)")
    left = about(host_socket.received.events, "party:member_count", guest.id)[-1]
    assert left["count"] == 1
    host_socket.close()


def test_a_participant_online_elsewhere_is_not_watching(server_factory):
    """Nor, once they leave the party, while their page's grace lasts: the grace after a
    page closes is for a reload, and someone who left is not coming back to its page."""
    server = server_factory(PRESENCE_TTL_SECONDS="60", PRESENCE_LINGER_SECONDS="60")
    host, guest = register(server.url), register(server.url)
    party = create_party(server.url, host)
    api(server, guest, "POST", "/parties/join", json={"code": party["code"]})
    # The guest is online on another page: a stream that does not carry the party.
    elsewhere = SSEReader(server.url + "/api/v1/events/stream", guest.headers)
    host_socket = SocketClient(server.url).connect(auth={"token": host.token})
    joined = host_socket.call("party:join", {"party_id": party["id"]})
    assert {m["user"]["id"] for m in joined["members"]} == {host.id, guest.id}
    assert joined["watching"] == [host.id]

    guest_socket = SocketClient(server.url).connect(auth={"token": guest.token})
    assert guest_socket.call("party:join", {"party_id": party["id"]})["watching"] == sorted(
        [host.id, guest.id]
    )
    host_socket.received.wait_for(
        lambda events: any(d["watching"] for d in about(events, "party:member_count", guest.id))
    )
    guest_socket.call("party:leave", {"party_id": party["id"]})
    # Well inside the 60 s grace; the guest's connection stays open.
    gone = host_socket.received.wait_for(
        lambda events: any(
            not d["watching"] for d in about(events, "party:member_count", guest.id)
        ),
        timeout=15,
    )
    assert about(gone, "party:member_count", guest.id)[-1]["count"] == 1
    assert not guest_socket.disconnected.is_set()
    for client in (host_socket, guest_socket):
        client.close()
    elsewhere.close()


def test_a_long_poller_that_hangs_up_goes_offline_within_the_grace(server_factory):
    server = server_factory(**FAST_PRESENCE)
    watcher, poller = register(server.url), register(server.url)
    api(server, watcher, "POST", f"/users/{poller.username}/follow")
    cursor = api(server, poller, "GET", "/events")["cursor"]
    socket_client = SocketClient(server.url).connect(auth={"token": watcher.token})

    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    connection.request(
        "GET", f"/api/v1/events?cursor={cursor}&timeout=30", headers=poller.headers
    )  # the poll waits on the server: nothing happens for the poller meanwhile
    threading.Thread(target=lambda: _quietly(connection.getresponse), daemon=True).start()
    socket_client.received.wait_for(
        lambda events: any(d["status"] == "online" for d in about(events, "presence", poller.id))
    )
    connection.sock.shutdown(socket.SHUT_RDWR)
    connection.close()
    hung_up_at = time.monotonic()
    socket_client.received.wait_for(
        lambda events: any(d["status"] == "offline" for d in about(events, "presence", poller.id)),
        timeout=LINGER + 2,
    )
    print(f"offline {time.monotonic() - hung_up_at:.2f} s after the long-poll hung up")
    socket_client.close()


def _quietly(call) -> None:
    with contextlib.suppress(Exception):  # the test cuts this connection on purpose
        call()
