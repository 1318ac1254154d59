"""A page's stream that opens again after a drop brings what the page shows now that no
replay of the log brings back: its badges (a read in another tab is announced once, live)
and the presence of the people it shows (a status changed, someone gone offline). Its
first opening brings that presence too: it may have changed since the page was drawn."""

from __future__ import annotations

import pytest
import requests

from tests.support.clients import Account, SSEReader, register

pytestmark = pytest.mark.server


def api(account: Account, method: str, path: str, **kwargs) -> dict:
    response = requests.request(
        method, account.base + "/api/v1" + path, headers=account.headers, timeout=10, **kwargs
    )
    assert response.status_code < 300, response.text
    return response.json()


def page_stream(account: Account, headers: dict | None = None, **params) -> dict[str, str]:
    """The fragments a page's stream (`/events/html`) sends before the first live event
    once it is open: an echo marks where the live events begin."""
    response = requests.get(
        account.base + "/events/html",
        params={"view": "feed", **params},
        headers={**account.headers, **(headers or {})},
        stream=True,
        timeout=10,
    )
    assert response.status_code == 200
    account.echo("the live events begin here")
    frames, name, data = [], None, []
    for raw in response.iter_lines(chunk_size=1, decode_unicode=True):
        if raw == "":
            if name == "feed":
                break
            if name is not None:
                frames.append((name, "\n".join(data)))
            name, data = None, []
        elif raw.startswith("event: "):
            name = raw[7:]
        elif raw.startswith("data: "):
            data.append(raw[6:])
    response.close()
    return dict(frames)


def test_a_reopened_page_stream_draws_the_badges_and_presence_as_they_are_now(shared_server):
    ann, bob = register(shared_server.url), register(shared_server.url)
    online = SSEReader(shared_server.url + "/api/v1/events/stream", bob.headers)
    api(bob, "POST", f"/users/{ann.username}/follow")  # a notification for ann
    api(bob, "POST", "/me/presence", json={"status": "busy", "text": "filming"})

    shown = page_stream(ann, presence=bob.id, resumed="1")
    assert shown["notification-count"].startswith('<span class="badge">1<')
    assert 'class="notification unread"' in shown["notification-changed"]
    assert "badge-empty" in shown["messages-count"]
    assert "presence-busy" in shown[f"presence-{bob.id}"]
    assert "filming" in shown[f"presence-{bob.id}"]

    # Read in another tab, and a change of status, while this page's stream was down.
    api(ann, "POST", "/notifications/read", json={"all": True})
    api(bob, "POST", "/me/presence", json={"status": "away"})
    shown = page_stream(ann, presence=bob.id, resumed="1")
    assert "badge-empty" in shown["notification-count"]
    assert bob.username in shown["notification-changed"]  # the follow, redrawn read
    assert 'class="notification unread"' not in shown["notification-changed"]
    assert "presence-away" in shown[f"presence-{bob.id}"]
    online.close()


def test_the_browsers_own_reconnection_brings_it_too(shared_server):
    ann, bob = register(shared_server.url), register(shared_server.url)
    cursor = ann.echo("seen by the page")["cursor"]
    shown = page_stream(ann, headers={"Last-Event-ID": cursor}, presence=bob.id)
    assert "presence-offline" in shown[f"presence-{bob.id}"]
    assert "notification-count" in shown


def test_a_first_open_sends_only_the_presence_it_shows(shared_server):
    """The page was just drawn: its badges are as they are, but someone's presence may
    have changed since, and no event of the log would bring that back."""
    ann, bob = register(shared_server.url), register(shared_server.url)
    api(bob, "POST", f"/users/{ann.username}/follow")  # a notification for ann
    # Drawn with bob offline; he comes online, busy, before the page's stream opens.
    online = SSEReader(shared_server.url + "/api/v1/events/stream", bob.headers)
    api(bob, "POST", "/me/presence", json={"status": "busy"})
    shown = page_stream(ann, presence=[bob.id, ann.id])
    assert set(shown) == {f"presence-{bob.id}", f"presence-{ann.id}"}
    assert "presence-busy" in shown[f"presence-{bob.id}"]
    assert "presence-offline" not in shown[f"presence-{ann.id}"]  # one's own page is open
    online.close()


def test_a_first_open_empties_the_slot_of_someone_blocked_since_the_page_was_drawn(shared_server):
    ann, cat = register(shared_server.url), register(shared_server.url)
    api(cat, "POST", f"/users/{ann.username}/block")
    assert page_stream(ann, presence=cat.id) == {f"presence-{cat.id}": ""}


def test_no_presence_of_someone_blocked_either_way(shared_server):
    ann, cat = register(shared_server.url), register(shared_server.url)
    api(cat, "POST", f"/users/{ann.username}/block")
    shown = page_stream(ann, presence=cat.id, resumed="1")
    assert shown[f"presence-{cat.id}"] == ""  # a slot drawn before the block is emptied
    assert "notification-count" in shown
