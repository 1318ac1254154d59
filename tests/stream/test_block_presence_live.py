"""A block takes each one's presence (and posts and comments) off the other's open pages
at once, as a page drawn after it would show none, instead of leaving the last badge
there for good."""

from __future__ import annotations

import pytest

from tests.support.clients import Account, SSEReader, call_api, register

pytestmark = pytest.mark.server


def showing(base: str, viewer: Account, person: Account) -> SSEReader:
    """`viewer`'s open page showing `person`'s presence; the feed view confirms it."""
    params = {"presence": person.id, "view": "feed"}
    stream = SSEReader(base + "/events/html", viewer.headers, params, decode=str)
    viewer.echo("the page is open")
    stream.received.wait_for(lambda got: any(name == "feed" for name, _ in got))
    return stream


def test_a_block_empties_each_ones_presence_on_the_others_pages(shared_server):
    base = shared_server.url
    ann, bob = register(base), register(base)
    call_api(ann, "POST", f"/users/{bob.username}/follow")
    anns, bobs = showing(base, ann, bob), showing(base, bob, ann)
    data = SSEReader(base + "/api/v1/events/stream", ann.headers)
    ann.echo("open")
    data.received.wait_for(lambda got: any(name == "stream:echo" for name, _ in got))

    call_api(bob, "POST", f"/users/{ann.username}/block")
    for page, other in ((anns, bob), (bobs, ann)):
        slot = (f"presence-{other.id}", "")  # an empty slot, as a page drawn now has
        assert slot in page.received.wait_for(lambda got, s=slot: s in got)
        # And the other's posts and comments leave it (by their data-author).
        got = page.received.wait_for(lambda got: any(name == "post-change" for name, _ in got))
        changes = [html for name, html in got if name == "post-change"]
        assert any(f'li[data-author="{other.id}"]' in html for html in changes)
        assert any(f'article.post[data-author="{other.id}"]' in html for html in changes)
    told = data.received.wait_for(lambda got: any(n == "presence:hidden" for n, _ in got))
    assert [d["user_id"] for n, d in told if n == "presence:hidden"] == [bob.id]
    # Stored: a page drawn before the block whose stream opens after it hears it too.
    before = next(d["cursor"] for n, d in told if n == "stream:echo")
    replayed = SSEReader(base + "/api/v1/events/stream", ann.headers, {"cursor": before})
    ann.echo("replayed")
    got = replayed.received.wait_for(
        lambda got: any(n == "stream:echo" and d["text"] == "replayed" for n, d in got)
    )
    assert [d["user_id"] for n, d in got if n == "presence:hidden"] == [bob.id]
    replayed.close()

    # Whatever bob does next reaches none of ann's pages.
    call_api(bob, "POST", "/me/presence", json={"status": "busy", "text": "elsewhere"})
    ann.echo("after")
    anns.received.wait_for(lambda got: sum(name == "feed" for name, _ in got) >= 2)
    assert all("elsewhere" not in html for _name, html in anns.received.events)
    for stream in (anns, bobs, data):
        stream.close()
