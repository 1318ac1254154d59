"""Comments on posts: who may comment and read (audience and blocks: 404), replies one
level deep, moments of a video, who edits and deletes, likes that count once, the events
and their redaction, and the notifications a post or a comment causes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from errors import Forbidden, NotFound, ValidationError
from extensions import db
from models.moderation import AuditEntry
from models.social import Notification
from realtime import store
from realtime.comment_events import CREATED, DELETED, LIKED, UPDATED
from realtime.events import posts_channel
from services import comment_likes, comment_listing, comments, notifications, posts, social

VIDEO = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def post_of(people, audience: str = "public", video: str | None = None) -> int:
    return posts.create(people["ann"], "hello", video, audience=audience)["id"]


def listed(person, post_id: int) -> list[tuple[str, list[str]]]:
    """(text, [reply texts]) of each top-level comment the person reads."""
    shown = comment_listing.listing(person, post_id)["comments"]
    return [(c["text"], [r["text"] for r in c["replies"]]) for c in shown]


def stored(people, audience: str = "public"):
    return store.read_after(0, [posts_channel(people["ann"].id, audience)])


def kinds_of(person) -> list[tuple[str, int]]:
    """The person's notifications but the follows of the cast."""
    rows = db.session.scalars(select(Notification).where(Notification.user_id == person.id))
    return sorted((n.kind, n.count) for n in rows if n.kind != "follow")


@pytest.mark.parametrize(
    ("audience", "allowed"),
    [("public", {"ben", "cat", "dan"}), ("followers", {"ben", "cat"}), ("friends", {"ben"})],
)
def test_only_those_who_see_the_post_comment_and_read(people, audience, allowed):
    post_id = post_of(people, audience)
    for name in ("ben", "cat", "dan"):
        if name in allowed:
            comments.create(people[name], post_id, f"from {name}")
            assert (f"from {name}", []) in listed(people[name], post_id)
        else:
            with pytest.raises(NotFound):
                comments.create(people[name], post_id, "let me in")
            with pytest.raises(NotFound):
                comment_listing.listing(people[name], post_id)


def test_a_block_with_the_posts_author_is_a_404_and_with_a_commenter_a_refusal(people):
    post_id = post_of(people)
    first = comments.create(people["dan"], post_id, "dan was here")["id"]
    social.block(people["cat"], "dan")
    with pytest.raises(Forbidden) as refused:
        comments.create(people["cat"], post_id, "answering dan", parent_id=first)
    assert refused.value.code == "blocked"
    assert listed(people["cat"], post_id) == []  # dan's comment is left out for cat
    with pytest.raises(NotFound):
        comment_likes.like(people["cat"], first)
    social.block(people["ann"], "dan")
    with pytest.raises(NotFound):
        comments.create(people["dan"], post_id, "still here?")
    with pytest.raises(NotFound):
        comments.edit(people["dan"], first, {"text": "changed"})


def test_replies_are_one_level_deep_and_listed_under_their_parent(people):
    post_id = post_of(people)
    top = comments.create(people["ben"], post_id, "top")["id"]
    reply = comments.create(people["cat"], post_id, "reply", parent_id=top)
    deeper = comments.create(people["dan"], post_id, "deeper", parent_id=reply["id"])
    assert reply["parent_id"] == deeper["parent_id"] == top
    comments.create(people["dan"], post_id, "second top")
    assert listed(people["ann"], post_id) == [("top", ["reply", "deeper"]), ("second top", [])]
    other = post_of(people)
    with pytest.raises(NotFound):  # a parent must be a comment of the same post
        comments.create(people["ben"], other, "elsewhere", parent_id=top)


def test_a_deleted_comment_with_replies_stays_as_an_empty_row(people):
    post_id = post_of(people)
    top = comments.create(people["ben"], post_id, "top")["id"]
    comments.create(people["cat"], post_id, "reply", parent_id=top)
    lonely = comments.create(people["ben"], post_id, "lonely")["id"]
    comments.delete(people["ben"], top)
    comments.delete(people["ben"], lonely)
    assert listed(people["ann"], post_id) == [("", ["reply"])]


def test_the_list_pages_without_gaps_or_duplicates(people):
    post_id = post_of(people)
    made = [comments.create(people["ben"], post_id, f"c{i}")["id"] for i in range(5)]
    seen, cursor = [], None
    while True:
        page = comment_listing.listing(people["cat"], post_id, cursor, 2)
        seen += [c["id"] for c in page["comments"]]
        if page["next_cursor"] is None:
            break
        cursor = page["next_cursor"]
    assert seen == made


def test_a_moment_only_on_a_post_with_a_video_and_never_negative(people):
    plain, with_video = post_of(people), post_of(people, video=VIDEO)
    with pytest.raises(ValidationError) as no_video:
        comments.create(people["ben"], plain, "at 10s", video_time=10)
    assert no_video.value.field == "video_time"
    for bad in (-1, "ten", True, float("inf")):
        with pytest.raises(ValidationError) as refused:
            comments.create(people["ben"], with_video, "when?", video_time=bad)
        assert refused.value.field == "video_time"
    shown = comments.create(people["ben"], with_video, "at 12.5s", video_time=12.5)
    assert shown["video_time"] == 12.5
    assert comments.create(people["ben"], with_video, "no moment")["video_time"] is None


def test_text_is_required_and_limited(people, app):
    post_id = post_of(people)
    with pytest.raises(ValidationError) as empty:
        comments.create(people["ben"], post_id, "  ")
    assert empty.value.field == "text"
    with pytest.raises(ValidationError) as long:
        comments.create(people["ben"], post_id, "x" * (app.config["COMMENT_MAX_CHARS"] + 1))
    assert long.value.code == "too_long"
    app.config["NEW_ACCOUNT_LINK_HOLD_SECONDS"] = 3600.0
    with pytest.raises(ValidationError) as held:
        comments.create(people["ben"], post_id, "see www.example.com")
    assert held.value.code == "links_held"


def test_the_author_edits_and_the_author_or_the_posts_author_deletes(people):
    post_id = post_of(people)
    mine = comments.create(people["ben"], post_id, "first")["id"]
    theirs = comments.create(people["cat"], post_id, "second")["id"]
    with pytest.raises(Forbidden):
        comments.edit(people["cat"], mine, {"text": "mine now"})
    edited = comments.edit(people["ben"], mine, {"text": "first, edited"})
    assert (edited["text"], edited["edited_at"] is not None) == ("first, edited", True)
    with pytest.raises(Forbidden):
        comments.delete(people["cat"], mine)
    comments.delete(people["ann"], theirs)  # the post's author tidies her post
    comments.delete(people["ben"], mine)
    assert listed(people["ann"], post_id) == []
    names = [e.name for e in stored(people)]
    assert names.count(CREATED) == 2
    assert (names.count(UPDATED), names.count(DELETED)) == (1, 2)
    for event in stored(people):
        if event.name in (CREATED, UPDATED):
            assert (event.data["text"], event.data["deleted"]) == ("", True)  # redacted
        if event.name == DELETED:
            assert set(event.data) == {"post_id", "comment_id"}


def test_a_moderator_removes_a_comment_and_a_gone_post_takes_the_texts(people):
    post_id = post_of(people)
    first = comments.create(people["ben"], post_id, "spam")["id"]
    second = comments.create(people["cat"], post_id, "fine")["id"]
    with pytest.raises(NotFound):
        comments.remove(people["ben"], first)
    comments.remove(people["mod"], first, "spam")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "remove_comment"))
    assert (entry.target_id, entry.reason) == (first, "spam")
    posts.delete_post(people["ann"], post_id)
    assert all(e.data.get("text", "") == "" for e in stored(people) if e.name == CREATED)
    with pytest.raises(NotFound):
        comment_likes.like(people["ben"], second)


def test_likes_toggle_count_once_and_announce_changes_only(people):
    post_id = post_of(people, "followers")
    comment_id = comments.create(people["ben"], post_id, "like me")["id"]
    assert comment_likes.like(people["cat"], comment_id)["likes"] == 1
    assert comment_likes.like(people["cat"], comment_id)["likes"] == 1
    assert comment_likes.like(people["ann"], comment_id) == {
        "post_id": post_id,
        "comment_id": comment_id,
        "likes": 2,
        "liked": True,
    }
    assert comment_likes.unlike(people["cat"], comment_id)["liked"] is False
    assert comment_likes.unlike(people["cat"], comment_id)["likes"] == 1
    liked = [e.data["likes"] for e in stored(people, "followers") if e.name == LIKED]
    assert liked == [1, 2, 1]
    [shown] = comment_listing.listing(people["ann"], post_id)["comments"]
    assert (shown["likes"], shown["liked"]) == (1, True)
    assert [u["username"] for u in comment_likes.likers(people["ben"], comment_id)["users"]] == [
        "ann"
    ]


def test_mentions_tell_only_who_may_see_the_post_and_never_oneself(people):
    social.block(people["cat"], "ben")
    friends_only = posts.create(people["ann"], "hi @ben @cat @dan @ann @nobody", audience="friends")
    assert kinds_of(people["ben"]) == [("mention", 1)]
    assert kinds_of(people["cat"]) == kinds_of(people["dan"]) == []  # not friends
    assert kinds_of(people["ann"]) == []
    public = post_of(people)
    comments.create(people["ben"], public, "look @cat and @dan")
    assert kinds_of(people["cat"]) == []  # she blocked ben
    assert kinds_of(people["dan"]) == [("mention", 1)]
    posts.edit(people["ann"], friends_only["id"], {"text": "hi @ben, again @ben"})
    assert kinds_of(people["ben"]) == [("mention", 1)]  # already mentioned: not told again


def test_likes_comments_and_replies_notify_and_collapse(people):
    post_id = post_of(people)
    for name in ("ben", "cat", "ben"):
        posts.like(people[name], post_id)
        posts.unlike(people[name], post_id)
    posts.like(people["ann"], post_id)  # her own like tells nobody
    top = comments.create(people["ben"], post_id, "first")["id"]
    comments.create(people["cat"], post_id, "second")
    comments.create(people["ann"], post_id, "mine")
    comments.create(people["cat"], post_id, "@ben sure", parent_id=top)
    comments.create(people["dan"], post_id, "me too", parent_id=top)
    assert kinds_of(people["ann"]) == [
        ("post_commented", 4),
        ("post_liked", 2),  # ben and cat, ben's second like not counted again
    ]
    assert kinds_of(people["ben"]) == [("comment_replied", 2)]  # the mention is the reply


def test_a_deleted_comment_leaves_no_quote_in_notifications(people):
    post_id = post_of(people)
    comment_id = comments.create(people["ben"], post_id, "a secret for @cat")["id"]
    comments.delete(people["ben"], comment_id)
    for person in (people["ann"], people["cat"]):
        [shown] = [
            notifications.to_dict(n)
            for n in db.session.scalars(
                select(Notification).where(
                    Notification.user_id == person.id, Notification.kind != "follow"
                )
            )
        ]
        assert "text" not in shown["subject"]
