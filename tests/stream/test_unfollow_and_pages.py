"""An unfollow takes what one followed out of one's stream, and only what one may no
longer see out of an open page: a direct conversation's partner's presence stays, as do
a profile page's presence, a public post's page and a public playlist's page. A
followers-only post's page stops hearing it, as its reader may no longer see it."""

from __future__ import annotations

import pytest

from tests.support.clients import Account, SocketClient, SSEReader, call_api, create_party, register
from tests.support.live_posts import follow, post

pytestmark = pytest.mark.server


def opened(base: str, reader: Account, path: str, params: dict, decode=None) -> SSEReader:
    """A stream of `reader`'s open and registered: an echo it sends has come through."""
    extra = {} if decode is None else {"decode": decode}
    stream = SSEReader(base + path, reader.headers, params, **extra)
    reader.echo("the page is open")
    stream.received.wait_for(lambda got: any(name in ("stream:echo", "feed") for name, _ in got))
    return stream


def changed_presence(events, person: Account, text: str) -> bool:
    return any(name == "presence" and data["text"] == text for name, data in events)


def test_a_direct_partners_presence_stays_after_an_unfollow(shared_server):
    ann, bob = register(shared_server.url), register(shared_server.url)
    call_api(ann, "POST", "/conversations", json={"kind": "direct", "username": bob.username})
    follow(ann, bob)
    online = SSEReader(shared_server.url + "/api/v1/events/stream", bob.headers)
    socket = SocketClient(shared_server.url).connect(auth={"token": ann.token})
    call_api(ann, "DELETE", f"/users/{bob.username}/follow")
    call_api(bob, "POST", "/me/presence", json={"status": "busy", "text": "still talking"})
    socket.received.wait_for(lambda got: changed_presence(got, bob, "still talking"))
    socket.close()
    online.close()


def test_a_profile_page_keeps_the_presence_it_shows_after_an_unfollow(shared_server):
    ann, bob = register(shared_server.url), register(shared_server.url)
    follow(ann, bob)
    online = SSEReader(shared_server.url + "/api/v1/events/stream", bob.headers)
    page = opened(
        shared_server.url, ann, "/events/html", {"presence": bob.id, "view": "feed"}, decode=str
    )
    call_api(ann, "DELETE", f"/users/{bob.username}/follow")  # the profile's Unfollow
    call_api(bob, "POST", "/me/presence", json={"status": "busy", "text": "on stage"})
    page.received.wait_for(
        lambda got: any(name == f"presence-{bob.id}" and "on stage" in html for name, html in got)
    )
    page.close()
    online.close()


def test_a_public_posts_page_keeps_hearing_it_and_a_followers_one_stops(shared_server):
    author, reader, fan = (register(shared_server.url) for _ in range(3))
    follow(reader, author)
    follow(fan, author)
    shown = {
        audience: post(author, f"For {audience}", audience) for audience in ("public", "followers")
    }
    pages = {
        audience: opened(shared_server.url, reader, "/api/v1/events/stream", {"post": p["id"]})
        for audience, p in shown.items()
    }
    call_api(reader, "DELETE", f"/users/{author.username}/follow")
    for audience, p in shown.items():
        call_api(fan, "POST", f"/posts/{p['id']}/comments", json={"text": f"on {audience}"})
    reader.echo("after the comments")
    for page in pages.values():
        page.received.wait_count("stream:echo", 2)
    comments = {
        audience: [c["text"] for c in page.received.named("comment:created")]
        for audience, page in pages.items()
    }
    assert comments == {"public": ["on public"], "followers": []}
    for page in pages.values():
        page.close()


def test_a_public_playlists_page_keeps_hearing_it_after_an_unfollow(shared_server):
    owner, reader = register(shared_server.url), register(shared_server.url)
    made = call_api(owner, "POST", "/playlists", json={"title": "Films", "visibility": "public"})
    playlist = made.json()["playlist"]["id"]
    call_api(reader, "POST", f"/playlists/{playlist}/follow")
    page = opened(shared_server.url, reader, "/api/v1/events/stream", {"playlist": playlist})
    call_api(reader, "DELETE", f"/playlists/{playlist}/follow")
    item = {"video_url": "https://media.example/a.mp4", "title": "A"}
    call_api(owner, "POST", f"/playlists/{playlist}/items", json=item)
    page.received.wait_count("playlist:item_added", 1)
    page.close()


def test_a_page_showing_an_authors_public_posts_hears_them_without_a_follow(shared_server):
    """A profile or Discover opens its stream with `author=` for the posts it shows: their
    cards hear likes, edits and deletion though their reader follows nobody; a blocked
    author's are not heard."""
    ann, carol, dan, eve = (register(shared_server.url) for _ in range(4))
    shown = post(carol, "carol's words", "public")
    hidden = post(eve, "eve's words", "public")
    call_api(eve, "POST", f"/users/{ann.username}/block")
    page = opened(
        shared_server.url,
        ann,
        "/events/html",
        {"author": [carol.id, eve.id], "view": "feed"},
        decode=str,
    )
    call_api(dan, "POST", f"/posts/{shown['id']}/like")
    call_api(dan, "POST", f"/posts/{hidden['id']}/like")
    call_api(carol, "DELETE", f"/posts/{shown['id']}")
    ann.echo("after the changes")
    page.received.wait_count("feed", 2)
    changed = "".join(page.received.named("post-change"))
    assert f'id="post-{shown["id"]}"' in changed
    assert f"post-{hidden['id']}" not in changed
    page.close()


def test_a_public_partys_card_is_redrawn_where_lists_show_it(shared_server):
    """The parties page and a profile's parties list: a party that ends says so in place."""
    host, reader = register(shared_server.url), register(shared_server.url)
    party = create_party(shared_server.url, host, title="Card night")
    page = opened(shared_server.url, reader, "/events/html", {"view": "feed"}, decode=str)
    call_api(host, "POST", f"/parties/{party['id']}/end")
    cards = page.received.wait_for(
        lambda got: any(name == "party-card" and "Ended" in html for name, html in got)
    )
    [ended] = [html for name, html in cards if name == "party-card" and "Ended" in html]
    assert f'id="party-card-{party["id"]}"' in ended
    assert 'hx-swap-oob="outerHTML"' in ended
    assert "Card night" in ended
    page.close()
