"""Posts: who sees which (audiences, friends, blocks), who may edit, delete and take one
down, likes that count once, the live channels that follow the follows, and feeds that
page without gaps or duplicates."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from errors import Forbidden, NotFound, ValidationError
from extensions import db
from models.moderation import AuditEntry
from models.post import Post
from realtime import store
from realtime.channels import channels_for
from realtime.events import CONTROL_CHANNEL, posts_channel
from services import feed, posts, social

VIDEO = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def post_of(people, audience: str, text: str = "hello") -> int:
    return posts.create(people["ann"], text, audience=audience)["id"]


def sees(person, post_id: int) -> bool:
    try:
        posts.visible_post(person, post_id)
    except NotFound:
        return False
    return True


@pytest.mark.parametrize(
    ("audience", "seen_by"),
    [
        ("public", {"ann", "ben", "cat", "dan"}),
        ("followers", {"ann", "ben", "cat"}),
        ("friends", {"ann", "ben"}),
    ],
)
def test_each_audience_sees_exactly_its_posts(people, audience, seen_by):
    post_id = post_of(people, audience)
    assert {name for name in ("ann", "ben", "cat", "dan") if sees(people[name], post_id)} == seen_by
    listed = {
        name
        for name in ("ann", "ben", "cat", "dan")
        if post_id in [p["id"] for p in feed.posts_by(people[name], "ann")["posts"]]
    }
    assert listed == seen_by


def test_a_block_either_way_hides_even_public_posts(people):
    post_id = post_of(people, "public")
    social.block(people["ann"], "dan")
    assert not sees(people["dan"], post_id)
    assert feed.posts_by(people["dan"], "ann")["posts"] == []
    assert feed.discover(people["dan"])["posts"] == []
    other = posts.create(people["dan"], "mine", audience="public")["id"]
    assert not sees(people["ann"], other)
    assert other not in [p["id"] for p in feed.discover(people["ann"])["posts"]]


def test_a_friend_who_unfollows_stops_seeing_friends_posts(people):
    post_id = post_of(people, "friends")
    assert sees(people["ben"], post_id)
    social.unfollow(people["ann"], "ben")  # ben still follows ann, ann not him
    assert not sees(people["ben"], post_id)


def test_only_the_author_edits_and_the_edit_is_marked(people):
    post_id = post_of(people, "followers")
    with pytest.raises(Forbidden):
        posts.edit(people["ben"], post_id, {"text": "mine now"})
    with pytest.raises(NotFound):  # outside the audience: not there at all
        posts.edit(people["dan"], post_id, {"text": "mine now"})
    edited = posts.edit(people["ann"], post_id, {"text": "hello again", "video_url": VIDEO})
    assert (edited["text"], edited["video_url"]) == ("hello again", VIDEO)
    assert edited["edited_at"] is not None
    kept = posts.edit(people["ann"], post_id, {"text": "only the text"})
    assert (kept["text"], kept["video_url"]) == ("only the text", VIDEO)
    [created] = store.read_after(0, [posts_channel(people["ann"].id, "followers")])[:1]
    assert created.name == posts.CREATED
    assert created.data["text"] == "only the text"  # a replay tells the text of now


def test_only_the_author_deletes_and_a_moderator_removes(people):
    first, second = post_of(people, "public"), post_of(people, "public")
    with pytest.raises(Forbidden):
        posts.delete_post(people["ben"], first)
    with pytest.raises(NotFound):  # a moderation action does not exist for others
        posts.remove(people["ben"], first)
    posts.delete_post(people["ann"], first)
    posts.remove(people["mod"], second, "spam")
    for post_id in (first, second):
        assert not sees(people["ann"], post_id)
        assert db.session.get(Post, post_id).text == ""
    assert db.session.get(Post, first).deleted_at is not None
    assert db.session.get(Post, second).removed_at is not None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "remove_post"))
    assert (entry.target_id, entry.reason) == (second, "spam")
    names = [e.name for e in store.read_after(0, [posts_channel(people["ann"].id, "public")])]
    assert names.count(posts.DELETED) == 2
    stored = store.read_after(0, [posts_channel(people["ann"].id, "public")])
    assert all(e.data.get("text", "") == "" for e in stored)  # tombstones only


def test_likes_count_once_and_unlike_is_idempotent(people):
    post_id = post_of(people, "followers")
    assert posts.like(people["ben"], post_id) == {"post_id": post_id, "likes": 1, "liked": True}
    assert posts.like(people["ben"], post_id)["likes"] == 1
    assert posts.like(people["cat"], post_id)["likes"] == 2
    assert posts.unlike(people["ben"], post_id) == {"post_id": post_id, "likes": 1, "liked": False}
    assert posts.unlike(people["ben"], post_id)["likes"] == 1
    with pytest.raises(NotFound):
        posts.like(people["dan"], post_id)
    liked = [
        e.data["likes"]
        for e in store.read_after(0, [posts_channel(people["ann"].id, "followers")])
        if e.name == posts.LIKED
    ]
    assert liked == [1, 2, 1]  # a like or unlike that changed nothing announced nothing
    assert posts.shown_to(people["cat"], post_id)["liked"] is True


def test_likers_leave_out_people_blocked_either_way(people):
    post_id = post_of(people, "public")
    for name in ("ben", "cat", "dan"):
        posts.like(people[name], post_id)
    social.block(people["cat"], "dan")
    shown = feed.likers(people["cat"], post_id)
    assert {u["username"] for u in shown["users"]} == {"ben", "cat"}
    assert shown["likes"] == 3


def test_input_is_checked_in_words(people, app):
    ann = people["ann"]
    with pytest.raises(ValidationError) as empty:
        posts.create(ann, "   ")
    assert empty.value.field == "text"
    with pytest.raises(ValidationError) as long:
        posts.create(ann, "x" * (app.config["POST_MAX_CHARS"] + 1))
    assert (long.value.field, long.value.code) == ("text", "too_long")
    with pytest.raises(ValidationError) as video:
        posts.create(ann, "look", "ftp://example.com/a.mp4")
    assert video.value.field == "video_url"
    with pytest.raises(ValidationError) as audience:
        posts.create(ann, "hi", audience="everyone")
    assert audience.value.field == "audience"
    assert posts.create(ann, "", VIDEO)["video_url"] == VIDEO


def test_new_accounts_cannot_post_links(people, app):
    app.config["NEW_ACCOUNT_LINK_HOLD_SECONDS"] = 3600.0
    with pytest.raises(ValidationError) as held:
        posts.create(people["dan"], "see https://example.com")
    assert (held.value.code, held.value.field) == ("links_held", "text")
    with pytest.raises(ValidationError) as video:
        posts.create(people["dan"], "", VIDEO)
    assert (video.value.code, video.value.field) == ("links_held", "video_url")


def test_streams_hold_the_channels_of_their_audience(people):
    ann, ben, cat, dan = (people[n] for n in ("ann", "ben", "cat", "dan"))
    mine = {posts_channel(ann.id, a) for a in ("public", "followers", "friends")}
    assert mine <= channels_for(ann.id)
    assert mine <= channels_for(ben.id)
    assert channels_for(cat.id) & mine == mine - {posts_channel(ann.id, "friends")}
    assert not channels_for(dan.id) & mine


def test_follows_unfollows_and_blocks_change_live_connections(people):
    ann, cat = people["ann"], people["cat"]

    def control_after(mark: int) -> set[tuple[str, int, str]]:
        return {
            (e.data["op"], e.data["user"], e.data["channel"])
            for e in store.read_after(mark, [CONTROL_CHANNEL])
            if "channel" in e.data
        }

    mark = store.read_after(0, None)[-1].id
    social.follow(ann, "cat")  # now friends
    assert {
        ("join", ann.id, posts_channel(cat.id, "friends")),
        ("join", cat.id, posts_channel(ann.id, "friends")),
    } <= control_after(mark)
    assert posts_channel(ann.id, "friends") in channels_for(cat.id)

    mark = store.read_after(0, None)[-1].id
    social.block(ann, "cat")
    left = control_after(mark)
    for audience in ("public", "followers", "friends"):
        assert ("leave", cat.id, posts_channel(ann.id, audience)) in left
        assert ("leave", ann.id, posts_channel(cat.id, audience)) in left
    assert not {c for c in channels_for(cat.id) if c.startswith(f"posts:{ann.id}:")}


def test_the_feed_pages_without_gaps_or_duplicates(people):
    ann, ben, cat = people["ann"], people["ben"], people["cat"]
    made = [posts.create(ann, f"ann {i}", audience="friends")["id"] for i in range(5)]
    made += [posts.create(ben, f"ben {i}", audience="followers")["id"] for i in range(4)]
    posts.create(cat, "cat is not followed by ben", audience="public")
    seen, cursor = [], None
    while True:
        page = feed.feed(ben, cursor, 2)
        seen += [p["id"] for p in page["posts"]]
        if page["next_cursor"] is None:
            break
        cursor = page["next_cursor"]
        # Something posted between pages goes to the top, never into a later page.
        posts.create(ann, "while paging", audience="followers")
    assert seen == sorted(made, reverse=True)


def test_a_cursor_must_be_one_the_list_gave(people):
    with pytest.raises(ValidationError) as bad:
        feed.feed(people["ann"], "nonsense")
    assert bad.value.field == "cursor"


@pytest.mark.parametrize("window", [2, 5, 100])
def test_the_feed_reaches_posts_older_than_the_latest_ones_it_looks_through_first(
    people, monkeypatch, window
):
    ann, ben, cat, dan = people["ann"], people["ben"], people["cat"], people["dan"]
    monkeypatch.setattr(feed, "RECENT_WINDOW", window)
    made = [posts.create(ann, f"ann {i}", audience="friends")["id"] for i in range(3)]
    made.append(posts.create(ben, "ben's own", audience="followers")["id"])
    for i in range(6):  # the latest posts are by people ben does not follow
        posts.create(cat if i % 2 else dan, f"not followed {i}", audience="public")
    made.append(posts.create(ann, "ann again", audience="followers")["id"])
    seen, cursor = [], None
    while True:
        page = feed.feed(ben, cursor, 2)
        seen += [p["id"] for p in page["posts"]]
        assert all(p["author"]["username"] in ("ann", "ben") for p in page["posts"])
        if page["next_cursor"] is None:
            break
        cursor = page["next_cursor"]
    assert seen == sorted(made, reverse=True)
