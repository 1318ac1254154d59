"""Post pages: the home page's feed and composer, a post's page, editing, deleting,
liking without JavaScript, who likes a post, a profile's posts, and their live
fragments."""

from __future__ import annotations

import re

import pytest

from realtime.events import Envelope
from realtime.fragments import render_fragments
from services import feed, posts, social
from tests.support.pages import HX, hx_post, page, post


@pytest.fixture
def alice(logged_in_client):
    return logged_in_client.user


def test_composer_posts_and_the_feed_shows_it(logged_in_client, alice):
    response = post(
        logged_in_client, "/posts", text="Hello\nsecond line", video_url="", audience="friends"
    )
    assert response.status_code == 302
    html = page(logged_in_client, "/")
    [mine] = feed.feed(alice)["posts"]
    assert f'id="post-{mine["id"]}"' in html
    assert "Hello\nsecond line" in html  # the card keeps line breaks (pre-wrap)
    assert "Friends only" in html
    assert mine["audience"] == "friends"


def test_composer_refusal_is_said_beside_the_field_with_what_was_typed(logged_in_client, app):
    app.config["POST_MAX_CHARS"] = 10
    response = post(logged_in_client, "/posts", text="far too long a post", video_url="")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="post-text-error"' in html
    assert "at most 10 characters" in html
    assert "far too long a post</textarea>" in html

    response = post(logged_in_client, "/posts", text="hi", video_url="ftp://x/y.mp4")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="post-video-error"' in html
    assert 'value="ftp://x/y.mp4"' in html


def test_new_accounts_are_told_of_the_link_hold(logged_in_client, app):
    app.config["NEW_ACCOUNT_LINK_HOLD_SECONDS"] = 3600
    response = post(logged_in_client, "/posts", text="see https://example.com", video_url="")
    assert response.status_code == 400
    assert 'id="post-text-error"' in response.get_data(as_text=True)
    assert "see https://example.com</textarea>" in response.get_data(as_text=True)


def test_feed_tabs_following_and_discover(logged_in_client, alice, ben, user_factory):
    cat = user_factory("cat")
    social.follow(alice, "ben")
    followed = posts.create(ben, "from ben", audience="followers")
    stranger = posts.create(cat, "from cat", audience="public")
    following = page(logged_in_client, "/")
    assert f'id="post-{followed["id"]}"' in following
    assert f'id="post-{stranger["id"]}"' not in following
    discover = page(logged_in_client, "/?tab=discover")
    assert f'id="post-{stranger["id"]}"' in discover
    assert f'id="post-{followed["id"]}"' not in discover  # followers only: not discovered
    assert 'aria-current="page">Discover' in discover
    # Their cards live: the stream hears the authors shown, as a profile's hears its own.
    assert f"author={cat.id}" in re.search(r'sse-connect="([^"]+)"', discover).group(1)
    assert 'id="feed-new"' not in discover  # only the first page of the feed takes new posts
    profile = page(logged_in_client, "/u/cat")
    assert f"author={cat.id}" in re.search(r'sse-connect="([^"]+)"', profile).group(1)


def test_feed_pages_older_posts_with_and_without_htmx(logged_in_client, alice):
    made = [posts.create(alice, f"post number {n}")["id"] for n in range(feed.PAGE_DEFAULT + 3)]
    first = page(logged_in_client, "/")
    assert f'id="post-{made[-1]}"' in first
    assert f'id="post-{made[2]}"' not in first
    [older] = re.findall(r'href="(/\?tab=following&amp;cursor=[^"]+)"', first)
    older = older.replace("&amp;", "&")
    second = page(logged_in_client, older)  # without JS: a whole page
    assert "<html" in second
    assert f'id="post-{made[0]}"' in second
    fragment = logged_in_client.get(older, headers=HX).get_data(as_text=True)
    assert "<html" not in fragment
    assert all(f'id="post-{made[n]}"' in fragment for n in range(3))
    assert "Older posts" not in fragment  # the last page


def test_post_page_and_likes_page(logged_in_client, alice, ben):
    shown = posts.create(ben, "hello world", audience="public")
    posts.like(ben, shown["id"])
    html = page(logged_in_client, f"/posts/{shown['id']}")
    assert "hello world" in html
    assert 'href="/u/ben"' in html
    assert "1 like</a>" in html
    assert "Edit" not in html.split('id="post-')[1]  # not hers to change
    likers = page(logged_in_client, f"/posts/{shown['id']}/likes")
    assert 'href="/u/ben"' in likers


@pytest.mark.parametrize("audience", ["followers", "friends"])
def test_post_outside_its_audience_is_a_404_as_a_missing_one(
    logged_in_client, alice, ben, audience
):
    social.follow(alice, "ben")  # a follower, not a friend
    hidden = posts.create(ben, "not for everyone", audience="friends")
    shown = posts.create(ben, "for followers", audience="followers")
    missing = page(logged_in_client, "/posts/987654", 404)
    target = hidden if audience == "friends" else shown
    if audience == "followers":
        social.unfollow(alice, "ben")
    html = page(logged_in_client, f"/posts/{target['id']}", 404)
    assert "No such post." in html
    assert "No such post." in missing
    assert "not for everyone" not in html
    assert "for followers" not in html
    page(logged_in_client, f"/posts/{target['id']}/likes", 404)
    assert post(logged_in_client, f"/posts/{target['id']}/like").status_code == 404


def test_a_block_hides_a_public_post(logged_in_client, alice, ben):
    shown = posts.create(ben, "public words", audience="public")
    social.block(ben, "alice")
    assert "public words" not in page(logged_in_client, f"/posts/{shown['id']}", 404)
    assert "public words" not in page(logged_in_client, "/?tab=discover")


def test_only_the_author_edits_and_deletes(app, logged_in_client, alice, ben, ben_client):
    shown = posts.create(alice, "original", audience="public")
    url = f"/posts/{shown['id']}"
    page(ben_client, url + "/edit", 403)
    assert post(ben_client, url + "/edit", text="mine now").status_code == 403
    assert post(ben_client, url + "/delete", confirm="yes").status_code == 403
    assert "Edit<span" in page(logged_in_client, url)
    assert "original" in page(logged_in_client, url + "/edit")
    response = post(logged_in_client, url + "/edit", text="changed words", video_url="")
    assert response.status_code == 302
    html = page(ben_client, url)
    assert "changed words" in html
    assert "Edited" in html
    asked = post(logged_in_client, url + "/delete")  # without JS: asked first
    assert asked.status_code == 200
    assert "Delete this post?" in asked.get_data(as_text=True)
    assert posts.shown_to(alice, shown["id"])["text"] == "changed words"
    assert post(logged_in_client, url + "/delete", confirm="yes").status_code == 302
    page(ben_client, url, 404)


def test_like_without_javascript_and_with_htmx(logged_in_client, alice, ben):
    shown = posts.create(ben, "like me", audience="public")
    url = f"/posts/{shown['id']}"
    response = post(logged_in_client, url + "/like", back="/?tab=discover")
    assert response.status_code == 302
    assert response.headers["Location"] == "/?tab=discover"
    html = page(logged_in_client, url)
    assert 'aria-pressed="true"' in html
    assert "1 like</a>" in html
    answer = hx_post(logged_in_client, url + "/unlike", back=url)
    fragment = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "<html" not in fragment
    assert 'aria-pressed="false"' in fragment
    assert "0 likes</a>" in fragment
    response = post(logged_in_client, url + "/like", back="//elsewhere.example/")
    assert response.headers["Location"] == "/"  # never off the site


def test_script_in_a_post_is_text(logged_in_client, alice, ben):
    social.follow(alice, "ben")
    evil = '<script>alert("x")</script> see https://example.com/a?b=1'
    shown = posts.create(ben, evil, audience="public")
    for url in ("/", f"/posts/{shown['id']}", "/u/ben"):
        html = page(logged_in_client, url)
        assert '<script>alert("x")' not in html
        assert "&lt;script&gt;alert(" in html
        assert 'href="https://example.com/a?b=1"' in html  # links are clickable


def test_forms_without_a_csrf_token_are_refused(logged_in_client, alice):
    shown = posts.create(alice, "keep me", audience="public")
    url = f"/posts/{shown['id']}"
    for target, data in (
        ("/posts", {"text": "forged"}),
        (url + "/like", {}),
        (url + "/edit", {"text": "forged"}),
        (url + "/delete", {"confirm": "yes"}),
    ):
        assert logged_in_client.post(target, data=data).status_code == 400
    assert posts.shown_to(alice, shown["id"])["text"] == "keep me"
    assert posts.shown_to(alice, shown["id"])["likes"] == 0
    assert len(feed.feed(alice)["posts"]) == 1


def test_profile_shows_the_persons_posts_paged(logged_in_client, alice, ben):
    made = [posts.create(ben, f"ben {n}", audience="public")["id"] for n in range(22)]
    html = page(logged_in_client, "/u/ben")
    assert f'id="post-{made[-1]}"' in html
    assert f'id="post-{made[0]}"' not in html
    [older] = re.findall(r'href="(/u/ben\?cursor=[^"]+)"', html)
    fragment = logged_in_client.get(older, headers=HX).get_data(as_text=True)
    assert f'id="post-{made[0]}"' in fragment
    assert "<html" not in fragment


def _fragments(app, viewer_id, name, data, query=""):
    with app.test_request_context("/events/html" + query):
        return dict(render_fragments(Envelope("c", name, data), frozenset(), viewer_id))


def test_live_fragments_count_new_posts_and_change_cards(app, alice, ben):
    social.follow(alice, "ben")
    mine = posts.create(alice, "mine")
    created = posts.create(ben, "new from ben")
    after = f"?feed_after={mine['id']}"
    bar = _fragments(app, alice.id, posts.CREATED, created, after)["feed-new"]
    assert "1 new post — Show" in bar
    assert _fragments(app, alice.id, posts.CREATED, created) == {}  # not a feed page
    assert _fragments(app, ben.id, posts.CREATED, created, after) == {}  # his own
    liked = _fragments(app, alice.id, posts.LIKED, {"post_id": created["id"], "likes": 3})
    assert f'id="post-{created["id"]}-likes"' in liked["post-change"]
    assert "3 likes" in liked["post-change"]
    edited = posts.edit(ben, created["id"], {"text": "<b>edited</b>"})
    shape = {key: value for key, value in edited.items() if key != "liked"}
    changed = _fragments(app, alice.id, posts.UPDATED, shape)
    assert "&lt;b&gt;edited&lt;/b&gt;" in changed["post-change"]
    posts.delete_post(ben, created["id"])
    gone = _fragments(app, alice.id, posts.DELETED, {"post_id": created["id"]}, after)
    assert "This post was deleted." in gone["post-change"]
    assert gone["feed-new"].strip() == ""


def test_home_page_listens_for_post_changes(logged_in_client, alice):
    html = page(logged_in_client, "/")
    assert 'sse-swap="feed-new"' in html
    assert 'sse-swap="post-change"' in html
    assert "feed_after=0" in html
    assert "feed_after" not in page(logged_in_client, "/?tab=discover")
