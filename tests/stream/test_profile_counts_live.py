"""An open profile keeps its follow counts and its viewer's buttons true: someone follows
or leaves, the person follows the viewer back, the viewer follows from another tab, a
block ends follows. Only a profile's stream (`view=profile`) draws it, and never for
someone on the other side of a block (who sees the buttons change, and no counts after)."""

from __future__ import annotations

import re

import pytest

from tests.support.clients import PASSWORD, Account, SSEReader, call_api, register

pytestmark = pytest.mark.server


def profile_page(base: str, viewer: Account, person: Account, *views: str) -> SSEReader:
    """`viewer`'s open page showing `person` (their presence slot); the feed view confirms
    it is open with an echo."""
    params = {"author": person.id, "presence": person.id, "view": [*views, "feed"]}
    stream = SSEReader(base + "/events/html", viewer.headers, params, decode=str)
    viewer.echo("the page is open")
    stream.received.wait_for(lambda got: any(name == "feed" for name, _ in got))
    return stream


def relation_drawn(stream: SSEReader, person: Account, *needles: str) -> str:
    def drawn(got) -> str | None:
        for name, html in got:
            ours = name == "relation-change" and f'id="relation-{person.id}"' in html
            if ours and all(needle in html for needle in needles):
                return html
        return None

    stream.received.wait_for(lambda got: drawn(got) is not None)
    return drawn(stream.received.events)


def followers(html: str) -> int:
    return int(re.search(r"<strong>(\d+)</strong> followers?", html).group(1))


def test_an_open_profile_follows_its_counts_and_its_viewers_buttons(shared_server):
    base = shared_server.url
    ann, bob, cat, dan = (register(base) for _ in range(4))
    page = profile_page(base, ann, bob, "profile")
    elsewhere = profile_page(base, ann, bob)  # a page showing bob's presence, not his profile
    cats = profile_page(base, cat, bob, "profile")

    call_api(cat, "POST", f"/users/{bob.username}/follow")
    assert followers(relation_drawn(page, bob, "1</strong> follower<")) == 1
    call_api(bob, "POST", f"/users/{ann.username}/follow")
    relation_drawn(page, bob, "Follows you")
    call_api(ann, "POST", f"/users/{bob.username}/follow")  # from another tab
    drawn = relation_drawn(page, bob, "2</strong> followers", "Unfollow")
    assert 'hx-swap-oob="true"' in drawn

    call_api(bob, "POST", f"/users/{cat.username}/block")  # cat's follow ends
    relation_drawn(page, bob, "1</strong> follower<")
    call_api(dan, "POST", f"/users/{bob.username}/follow")
    relation_drawn(page, bob, "2</strong> followers")
    call_api(ann, "DELETE", f"/users/{bob.username}/follow")
    relation_drawn(page, bob, "1</strong> follower<", ">\n      Follow<")

    # cat's own follow, bob's of ann, ann's; then the block, which cat hears only as
    # presence:hidden: no counts from then on (nor dan's follow), and no Follow button.
    cats.received.wait_for(lambda got: sum(name == "relation-change" for name, _ in got) >= 4)
    cat.echo("after everything")
    ann.echo("after everything")
    cats.received.wait_for(lambda got: sum(name == "feed" for name, _ in got) >= 2)
    elsewhere.received.wait_for(lambda got: sum(name == "feed" for name, _ in got) >= 2)
    seen_by_cat = [html for name, html in cats.received.events if name == "relation-change"]
    assert len(seen_by_cat) == 4
    assert "Follow<" not in seen_by_cat[-1]
    assert "Unfollow<" not in seen_by_cat[-1]
    assert ">\n      Block<" in seen_by_cat[-1]
    assert "relation-change" not in {name for name, _ in elsewhere.received.events}
    for stream in (page, elsewhere, cats):
        stream.close()


def test_a_data_client_hears_the_counts_of_whom_it_follows(shared_server):
    base = shared_server.url
    ann, bob, cat = (register(base) for _ in range(3))
    call_api(ann, "POST", f"/users/{bob.username}/follow")
    stream = SSEReader(base + "/api/v1/events/stream", ann.headers)
    ann.echo("open")
    stream.received.wait_for(lambda got: any(name == "stream:echo" for name, _ in got))
    call_api(cat, "POST", f"/users/{bob.username}/follow")
    counts = stream.received.wait_for(
        lambda got: any(n == "profile:counts" and d["followers"] == 2 for n, d in got)
    )
    told = [d for n, d in counts if n == "profile:counts"][-1]
    assert told | {"cursor": ""} == {
        "user_id": bob.id,
        "followers": 2,
        "following": 0,
        "cursor": "",
    }
    stream.close()


def test_an_open_profile_counts_a_deleted_accounts_follows_gone(shared_server):
    """An account deleted takes its follows both ways with it: the profiles it followed
    and those of its followers, open elsewhere, count one fewer at once."""
    base = shared_server.url
    ann, bob, cat = (register(base) for _ in range(3))
    call_api(cat, "POST", f"/users/{bob.username}/follow")
    call_api(bob, "POST", f"/users/{cat.username}/follow")
    page = profile_page(base, ann, bob, "profile")

    call_api(cat, "DELETE", "/me", json={"password": PASSWORD})

    drawn = relation_drawn(page, bob, "0</strong> followers")
    assert "<strong>0</strong> following" in drawn
    page.close()


def test_an_open_profile_of_an_account_deleted_says_so(shared_server):
    """The deleted person's own profile, open for a follower and for someone who only
    looked them up, says the account is gone, shows no name, handle or presence, and
    offers no button to follow, message, block or report it (each would only be told
    there is no such person)."""
    base = shared_server.url
    ann, bob, dan = (register(base) for _ in range(3))
    call_api(ann, "POST", f"/users/{bob.username}/follow")
    followers_page = profile_page(base, ann, bob, "profile")
    strangers_page = profile_page(base, dan, bob, "profile")

    call_api(bob, "DELETE", "/me", json={"password": PASSWORD})

    for page in (followers_page, strangers_page):
        drawn = relation_drawn(page, bob, "This account was deleted.")
        assert f'id="profile-about-{bob.id}" hx-swap-oob="true"' in drawn
        assert "Deleted account" in drawn
        assert bob.username not in drawn
        for listed in ("parties", "made"):  # his parties, clips and playlists
            assert f'<div id="profile-{listed}-{bob.id}" hx-swap-oob="true"></div>' in drawn
        for button in ("Follow", "Message", "Block", "Report"):
            assert f">{button}<" not in drawn.replace("\n", "").replace(" ", "")
        page.close()


def test_a_block_takes_the_lists_off_an_open_profile(shared_server):
    """Across a block a profile lists no parties, clips or playlists: an open one takes
    them off when the person it is about blocks its viewer."""
    base = shared_server.url
    ann, bob = register(base), register(base)
    page = profile_page(base, ann, bob, "profile")

    call_api(bob, "POST", f"/users/{ann.username}/block")

    drawn = relation_drawn(page, bob, f'id="profile-made-{bob.id}"')
    assert ">Follow<" not in drawn.replace("\n", "").replace(" ", "")
    for listed in ("parties", "made"):
        assert f'<div id="profile-{listed}-{bob.id}" hx-swap-oob="true"></div>' in drawn
    page.close()


def test_an_open_profile_draws_only_its_own_persons_counts(shared_server):
    """The viewer's stream hears the counts of everyone it follows; a profile draws only
    those of the person it is about."""
    base = shared_server.url
    ann, bob, cat, dan = (register(base) for _ in range(4))
    call_api(ann, "POST", f"/users/{cat.username}/follow")
    page = profile_page(base, ann, bob, "profile")

    call_api(dan, "POST", f"/users/{cat.username}/follow")  # cat's counts, heard by ann
    call_api(dan, "POST", f"/users/{bob.username}/follow")

    relation_drawn(page, bob, "1</strong> follower<")
    drawn = [html for name, html in page.received.events if name == "relation-change"]
    assert len(drawn) == 1
    assert f'id="relation-{cat.id}"' not in drawn[0]
    page.close()
