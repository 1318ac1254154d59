"""A user's channels are kept by the server between connections: someone removed from a
group polls or reconnects and no longer receives it; someone added does, at once."""

from __future__ import annotations

import pytest
import requests

from tests.support.clients import SocketClient, create_group, long_poll, register

pytestmark = pytest.mark.server


def send(base: str, sender, conversation_id: int, body: str) -> None:
    response = requests.post(
        f"{base}/api/v1/conversations/{conversation_id}/messages",
        json={"body": body},
        headers=sender.headers,
        timeout=10,
    )
    assert response.status_code == 201, response.text


def membership(base: str, owner, conversation_id: int, person, add: bool) -> None:
    url = f"{base}/api/v1/conversations/{conversation_id}/members"
    if add:
        response = requests.post(
            url, json={"username": person.username}, headers=owner.headers, timeout=10
        )
    else:
        response = requests.delete(f"{url}/{person.username}", headers=owner.headers, timeout=10)
    assert response.ok, response.text


def bodies(poll_body: dict) -> list[str]:
    return [e["data"]["body"] for e in poll_body["events"] if e["event"] == "message:new"]


def test_long_polls_follow_removal_and_addition(shared_server):
    base = shared_server.url
    owner, member = register(base), register(base)
    group = create_group(base, owner, member)
    cursor = long_poll(member, None).json()["cursor"]
    send(base, owner, group, "while a member")
    body = long_poll(member, cursor, timeout=5).json()  # the channels are kept from here
    assert "while a member" in bodies(body)
    cursor = body["cursor"]

    membership(base, owner, group, member, add=False)
    send(base, owner, group, "after the removal")
    body = long_poll(member, cursor, timeout=1).json()
    assert "after the removal" not in bodies(body)
    cursor = body["cursor"]

    membership(base, owner, group, member, add=True)
    send(base, owner, group, "after the return")
    body = long_poll(member, cursor, timeout=5).json()
    assert "after the return" in bodies(body)


def test_a_socket_reconnecting_after_removal_no_longer_receives_the_group(shared_server):
    base = shared_server.url
    owner, member = register(base), register(base)
    group = create_group(base, owner, member)
    first = SocketClient(base).connect(auth={"token": member.token})
    send(base, owner, group, "one")
    first.received.wait_for(lambda events: any(n == "message:new" for n, _ in events))
    first.close()

    membership(base, owner, group, member, add=False)
    again = SocketClient(base).connect(auth={"token": member.token})
    try:
        send(base, owner, group, "two")
        # An event on the member's own channel after it: once it is here, "two" would be too.
        requests.post(
            f"{base}/api/v1/events/echo",
            json={"text": "marker"},
            headers=member.headers,
            timeout=10,
        ).raise_for_status()
        again.received.wait_count("stream:echo", 1)
        assert all(data["body"] != "two" for data in again.received.named("message:new"))
    finally:
        again.close()

    membership(base, owner, group, member, add=True)
    third = SocketClient(base).connect(auth={"token": member.token})
    try:
        send(base, owner, group, "three")
        third.received.wait_for(
            lambda events: any(n == "message:new" and d["body"] == "three" for n, d in events)
        )
    finally:
        third.close()
