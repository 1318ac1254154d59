"""Playlists live on a real server: a collaborator hears items added and moved on every
transport (Socket.IO over WebSocket and polling, SSE, long-polling), a stranger hears
nothing of a private playlist, and a resume from a cursor replays each missed change
exactly once."""

from __future__ import annotations

import time

import pytest
import requests

from tests.support.clients import Account, SocketClient, SSEReader, long_poll, register

pytestmark = pytest.mark.server

VIDEO = "https://media.example/film.mp4"
PLAYLIST_EVENTS = (
    "playlist:updated",
    "playlist:item_added",
    "playlist:item_moved",
    "playlist:item_removed",
)


def api(account: Account, method: str, path: str, **kwargs) -> requests.Response:
    response = requests.request(
        method, account.base + "/api/v1" + path, headers=account.headers, timeout=10, **kwargs
    )
    assert response.status_code < 500, response.text
    return response


def shared_playlist(owner: Account, collaborator: Account, visibility: str = "private") -> int:
    made = api(owner, "POST", "/playlists", json={"title": "Live list", "visibility": visibility})
    assert made.status_code == 201, made.text
    playlist_id = made.json()["playlist"]["id"]
    invited = api(owner, "POST", f"/playlists/{playlist_id}/collaborators/{collaborator.username}")
    assert invited.status_code == 200, invited.text
    return playlist_id


def add_item(account: Account, playlist_id: int, n: int) -> dict:
    added = api(
        account, "POST", f"/playlists/{playlist_id}/items", json={"video_url": f"{VIDEO}?{n}"}
    )
    assert added.status_code == 201, added.text
    return added.json()


def move(account: Account, playlist_id: int, item_id: int, position: int, version: int) -> dict:
    moved = api(
        account,
        "POST",
        f"/playlists/{playlist_id}/items/{item_id}/move",
        json={"position": position, "version": version},
    )
    assert moved.status_code == 200, moved.text
    return moved.json()


def poll_until(account: Account, cursor: str, last: str) -> list[dict]:
    """Long-poll from `cursor` until an event named `last` came; every event polled."""
    events: list[dict] = []
    deadline = time.monotonic() + 30
    while not any(e["event"] == last for e in events):
        assert time.monotonic() < deadline, f"no {last} polled; got {events!r}"
        body = long_poll(account, cursor, timeout=5).json()
        events += body["events"]
        cursor = body["cursor"]
    return events


def playlist_events(received) -> list[tuple[str, dict]]:
    return [(name, data) for name, data in received.events if name in PLAYLIST_EVENTS]


@pytest.mark.parametrize("transport", ["websocket", "polling", "sse", "longpoll"])
def test_a_collaborator_hears_items_added_and_moved(shared_server, transport):
    owner, collaborator = register(shared_server.url), register(shared_server.url)
    playlist_id = shared_playlist(owner, collaborator)
    client = None
    if transport in ("websocket", "polling"):
        client = SocketClient(shared_server.url, transport).connect(
            auth={"token": collaborator.token}
        )
    elif transport == "sse":
        client = SSEReader(shared_server.url + "/api/v1/events/stream", collaborator.headers)
    else:
        cursor = long_poll(collaborator, None).json()["cursor"]
    try:
        first = add_item(owner, playlist_id, 1)
        second = add_item(owner, playlist_id, 2)
        moved = move(owner, playlist_id, second["item"]["id"], 0, second["version"])

        if client is not None:
            [one, two] = client.received.wait_count("playlist:item_added", 2)
            [shifted] = client.received.wait_count("playlist:item_moved", 1)
        else:
            events = poll_until(collaborator, cursor, "playlist:item_moved")
            [one, two] = [e["data"] for e in events if e["event"] == "playlist:item_added"]
            [shifted] = [e["data"] for e in events if e["event"] == "playlist:item_moved"]
        assert [one["item"]["id"], two["item"]["id"]] == [first["item"]["id"], second["item"]["id"]]
        assert [one["version"], two["version"]] == [first["version"], second["version"]]
        assert shifted["version"] == moved["version"]
        assert shifted["order"] == [second["item"]["id"], first["item"]["id"]]
        assert shifted["cursor"]
    finally:
        if client is not None:
            client.close()


def test_a_stranger_hears_nothing_of_a_private_playlist(shared_server):
    owner, collaborator, stranger = (register(shared_server.url) for _ in range(3))
    playlist_id = shared_playlist(owner, collaborator)
    spy = SocketClient(shared_server.url).connect(auth={"token": stranger.token})
    sse_spy = SSEReader(shared_server.url + "/api/v1/events/stream", stranger.headers)
    watcher = SocketClient(shared_server.url).connect(auth={"token": collaborator.token})
    start = long_poll(stranger, None).json()["cursor"]
    try:
        added = add_item(owner, playlist_id, 1)
        move(owner, playlist_id, added["item"]["id"], 0, added["version"])
        api(owner, "PATCH", f"/playlists/{playlist_id}", json={"title": "Renamed"})
        watcher.received.wait_count("playlist:updated", 1)
        # A marker on the stranger's own channel, published after every playlist change:
        # once it has arrived, anything of the playlist would have too.
        stranger.echo("marker")
        spy.received.wait_count("stream:echo", 1)
        sse_spy.received.wait_count("stream:echo", 1)
        assert playlist_events(spy.received) == []
        assert playlist_events(sse_spy.received) == []
        polled = long_poll(stranger, start, timeout=5).json()["events"]
        assert [e["event"] for e in polled] == ["stream:echo"]
        seen = api(stranger, "GET", f"/playlists/{playlist_id}")
        assert seen.status_code == 404
    finally:
        spy.close()
        sse_spy.close()
        watcher.close()


@pytest.mark.parametrize("transport", ["websocket", "sse", "longpoll"])
def test_a_resume_from_a_cursor_replays_each_change_once(shared_server, transport):
    owner, collaborator = register(shared_server.url), register(shared_server.url)
    playlist_id = shared_playlist(owner, collaborator)
    first = add_item(owner, playlist_id, 1)
    seen = long_poll(collaborator, None).json()["cursor"]
    second = add_item(owner, playlist_id, 2)
    moved = move(owner, playlist_id, second["item"]["id"], 0, second["version"])
    expected = [
        ("playlist:item_added", second["version"]),
        ("playlist:item_moved", moved["version"]),
    ]
    assert first["version"] < second["version"]

    if transport == "longpoll":
        polled = poll_until(collaborator, seen, "playlist:item_moved")
        replayed = [(e["event"], e["data"]["version"]) for e in polled]
        assert replayed == expected
        return
    if transport == "sse":
        client = SSEReader(
            shared_server.url + "/api/v1/events/stream",
            {**collaborator.headers, "Last-Event-ID": seen},
        )
    else:
        client = SocketClient(shared_server.url).connect(
            auth={"token": collaborator.token, "cursor": seen}
        )
    try:
        client.received.wait_count("playlist:item_moved", 1)
        # A change after the replay arrives live once, and nothing came twice.
        third = add_item(owner, playlist_id, 3)
        client.received.wait_count("playlist:item_added", 2)
        collaborator.echo("marker")
        client.received.wait_count("stream:echo", 1)
        got = [(name, data["version"]) for name, data in playlist_events(client.received)]
        assert got == [*expected, ("playlist:item_added", third["version"])]
        cursors = [data["cursor"] for _name, data in playlist_events(client.received)]
        assert len(set(cursors)) == len(cursors)
    finally:
        client.close()


def test_a_block_ends_what_an_open_page_hears_of_the_blockers_playlist(shared_server):
    owner, reader = register(shared_server.url), register(shared_server.url)
    made = api(owner, "POST", "/playlists", json={"title": "Open list", "visibility": "public"})
    playlist_id = made.json()["playlist"]["id"]
    page = SSEReader(
        shared_server.url + "/api/v1/events/stream", reader.headers, {"playlist": playlist_id}
    )
    try:
        add_item(owner, playlist_id, 1)
        page.received.wait_count("playlist:item_added", 1)
        blocked = api(owner, "POST", f"/users/{reader.username}/block")
        assert blocked.status_code == 200, blocked.text
        add_item(owner, playlist_id, 2)
        api(owner, "PATCH", f"/playlists/{playlist_id}", json={"title": "Renamed"})
        # A marker on the reader's own channel, published after both changes.
        reader.echo("marker")
        page.received.wait_count("stream:echo", 1)
        assert [name for name, _data in playlist_events(page.received)] == ["playlist:item_added"]
    finally:
        page.close()


@pytest.mark.parametrize("visibility", ["private", "unlisted"])
def test_a_page_left_open_hears_nothing_once_the_playlist_is_no_longer_public(
    shared_server, visibility
):
    owner, collaborator, reader = (register(shared_server.url) for _ in range(3))
    playlist_id = shared_playlist(owner, collaborator, "public")
    page = SSEReader(
        shared_server.url + "/api/v1/events/stream", reader.headers, {"playlist": playlist_id}
    )
    team = SSEReader(
        shared_server.url + "/api/v1/events/stream", collaborator.headers, {"playlist": playlist_id}
    )
    try:
        add_item(owner, playlist_id, 1)
        page.received.wait_count("playlist:item_added", 1)
        hidden = api(owner, "PATCH", f"/playlists/{playlist_id}", json={"visibility": visibility})
        assert hidden.status_code == 200, hidden.text
        add_item(owner, playlist_id, 2)
        api(owner, "PATCH", f"/playlists/{playlist_id}", json={"title": "Secret plans"})
        # Those who build it still hear every change.
        team.received.wait_count("playlist:updated", 2)
        # A marker on the reader's own channel, published after every change.
        reader.echo("marker")
        page.received.wait_count("stream:echo", 1)
        assert [name for name, _data in playlist_events(page.received)] == ["playlist:item_added"]
    finally:
        page.close()
        team.close()


@pytest.mark.parametrize("transport", ["websocket", "sse", "longpoll"])
def test_a_playlist_made_public_replays_nothing_of_its_private_time_to_others(
    shared_server, transport
):
    """A reader holding a cursor from before opens the playlist once it is public (its
    page over SSE or long-poll, or as a follower over Socket.IO): what was added, named
    and removed while it was private stays its owner's and collaborators'."""
    owner, collaborator, reader = (register(shared_server.url) for _ in range(3))
    playlist_id = shared_playlist(owner, collaborator)
    before = long_poll(reader, None).json()["cursor"]
    add_item(owner, playlist_id, 1)
    api(owner, "PATCH", f"/playlists/{playlist_id}", json={"title": "Secret plans"})
    shown = api(
        owner, "PATCH", f"/playlists/{playlist_id}", json={"visibility": "public", "title": "Open"}
    )
    assert shown.status_code == 200, shown.text
    added = add_item(owner, playlist_id, 2)
    page = {"playlist": playlist_id}
    if transport == "longpoll":
        events = poll_until_marker(reader, before, page)
    else:
        if transport == "sse":
            client = SSEReader(
                shared_server.url + "/api/v1/events/stream",
                {**reader.headers, "Last-Event-ID": before},
                page,
            )
        else:
            followed = api(reader, "POST", f"/playlists/{playlist_id}/follow")
            assert followed.status_code == 204, followed.text
            client = SocketClient(shared_server.url).connect(
                auth={"token": reader.token, "cursor": before}
            )
        try:
            client.received.wait_count("playlist:item_added", 1)
            reader.echo("marker")
            client.received.wait_count("stream:echo", 1)
            events = [{"event": name, "data": data} for name, data in client.received.events]
        finally:
            client.close()
    heard = [(e["event"], e["data"]) for e in events if e["event"] in PLAYLIST_EVENTS]
    assert [name for name, _data in heard] == ["playlist:updated", "playlist:item_added"]
    assert heard[0][1]["playlist"]["visibility"] == "public"
    assert heard[1][1]["version"] == added["version"]
    assert "Secret plans" not in repr(events)
    assert f"{VIDEO}?1" not in repr(events)
    # Its collaborator, resuming from the same point, gets all of it, each change of its
    # title as the title is now (an old title is not replayed to anyone).
    theirs = poll_until_marker(collaborator, before, {})
    titles = [e["data"]["playlist"]["title"] for e in theirs if e["event"] == "playlist:updated"]
    assert titles == ["Open", "Open"]
    assert f"{VIDEO}?1" in repr(theirs)


def poll_until_marker(account: Account, cursor: str, params: dict) -> list[dict]:
    """Long-poll from `cursor` with `params` until a marker echoed on the person's own
    channel came back; every event polled."""
    account.echo("marker")
    events: list[dict] = []
    deadline = time.monotonic() + 30
    while not any(e["event"] == "stream:echo" for e in events):
        assert time.monotonic() < deadline, f"no marker polled; got {events!r}"
        body = long_poll(account, cursor, timeout=5, params=params).json()
        events += body["events"]
        cursor = body["cursor"]
    return events
