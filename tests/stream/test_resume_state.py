"""A Socket.IO or SSE client that resumes after a drop is told what no replay of the log
brings back, as it is now: its unread counts (a read on another device is
announced once, live) and the presence of the people its stream follows (a status
changed, someone gone offline). Never the presence of someone blocked either way."""

from __future__ import annotations

import pytest

from tests.support.clients import (
    Account,
    SocketClient,
    SSEReader,
    call_api,
    create_group,
    long_poll,
    register,
)

pytestmark = pytest.mark.server


def away_while(ann: Account, bob: Account, cat: Account) -> str:
    """Ann's cursor, and what changes after it while she is away: she reads her
    notifications elsewhere, bob (whom she follows) goes from busy to away, and cat,
    whom she follows too, blocks her."""
    for person in (bob, cat):
        call_api(ann, "POST", f"/users/{person.username}/follow")
    call_api(bob, "POST", f"/users/{ann.username}/follow")  # a notification for ann
    group = create_group(ann.base, bob, ann)
    call_api(bob, "POST", f"/conversations/{group}/messages", json={"body": "unread"})
    call_api(bob, "POST", "/me/presence", json={"status": "busy", "text": "filming"})
    cursor = ann.echo("before the drop")["cursor"]
    call_api(ann, "POST", "/notifications/read", json={"all": True})
    call_api(bob, "POST", "/me/presence", json={"status": "away", "text": "back soon"})
    call_api(cat, "POST", f"/users/{ann.username}/block")
    return cursor


def told(events: list[tuple[str, dict]], bob: Account, cat: Account) -> None:
    counts = [data for name, data in events if name == "unread:counts"]
    assert [(data["notifications"], data["messages"]) for data in counts] == [(0, 1)]
    presence = {data["user_id"]: data for name, data in events if name == "presence"}
    assert (presence[bob.id]["status"], presence[bob.id]["text"]) == ("away", "back soon")
    assert cat.id not in presence


def both_told(bob: Account):
    def arrived(events: list[tuple[str, dict]]) -> bool:
        names = {name for name, _ in events}
        return "unread:counts" in names and any(
            name == "presence" and data["user_id"] == bob.id for name, data in events
        )

    return arrived


@pytest.fixture
def people(shared_server):
    ann, bob, cat = (register(shared_server.url) for _ in range(3))
    # Bob stays connected, so he is online whatever he chose to show.
    online = SSEReader(shared_server.url + "/api/v1/events/stream", bob.headers)
    yield ann, bob, cat
    online.close()


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_a_socket_resumed_is_told_the_counts_and_presence_now(shared_server, people, transport):
    ann, bob, cat = people
    cursor = away_while(ann, bob, cat)
    client = SocketClient(shared_server.url, transport).connect(
        auth={"token": ann.token, "cursor": cursor}
    )
    told(client.received.wait_for(both_told(bob)), bob, cat)
    client.close()


def test_an_event_stream_resumed_is_told_them_too(shared_server, people):
    ann, bob, cat = people
    cursor = away_while(ann, bob, cat)
    reader = SSEReader(
        shared_server.url + "/api/v1/events/stream", {**ann.headers, "Last-Event-ID": cursor}
    )
    told(reader.received.wait_for(both_told(bob)), bob, cat)
    reader.close()


def test_a_long_poll_is_told_neither(shared_server, people):
    """A poll hears only what is published while it waits: counts and presence are read
    over HTTP (each poll is a resume, so they would otherwise end every wait at once).
    Only what the log keeps comes back: cat's block, as the stored presence:hidden."""
    ann, bob, cat = people
    cursor = away_while(ann, bob, cat)
    body = long_poll(ann, cursor, timeout=0).json()
    assert [(e["event"], e["data"]["user_id"]) for e in body["events"]] == [
        ("presence:hidden", cat.id)
    ]


def test_a_first_connection_is_told_none_of_it(shared_server, people):
    """Without a cursor the client reads state over HTTP as it starts: nothing to add."""
    ann, bob, cat = people
    away_while(ann, bob, cat)
    reader = SSEReader(shared_server.url + "/api/v1/events/stream", ann.headers)
    ann.echo("the live events begin here")
    events = reader.received.wait_for(lambda got: any(n == "stream:echo" for n, _ in got))
    assert [name for name, _ in events] == ["stream:echo"]
    reader.close()
