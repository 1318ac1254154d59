"""What a resume replays after a thing changed or went: never the removed text, and
never what it became to someone who has since lost sight of it (removed from the group,
blocked by its author, no longer a collaborator). Each case resumes a long-poll from a
cursor taken before; the other transports read the same backlog (realtime/resume.py)."""

from __future__ import annotations

import json

from models.user import Role
from realtime import store
from realtime.fragments import render_fragments
from services.conversations import DIRECTORY
from tests.support.replays import cursor_now, ok, replayed

VIDEO = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def group_with_bob(client, ann: dict, name: str) -> int:
    created = client.post(
        "/api/v1/conversations",
        json={"kind": "group", "name": name, "members": ["bob"]},
        headers=ann,
    )
    return ok(created)["conversation"]["id"]


def test_a_removed_member_is_not_told_the_groups_new_name(client, user_factory, bearer):
    ann, bob = bearer(user_factory("ann")), bearer(user_factory("bob"))
    cursor = cursor_now(client, bob)
    group = group_with_bob(client, ann, "Book club")
    ok(client.delete(f"/api/v1/conversations/{group}/members/bob", headers=ann))
    changes = {"name": "Surprise for bob", "description": "plan: a party on friday"}
    ok(client.patch(f"/api/v1/conversations/{group}", json=changes, headers=ann))
    seen = replayed(client, bob, cursor)
    assert "membership:added" in seen  # he was told he was added, and then removed
    assert "Surprise for bob" not in seen
    assert "friday" not in seen
    assert "Book club" not in seen  # nor what it was called
    # Ann, still in it, is replayed the group as it is now.
    assert "Surprise for bob" in replayed(client, ann, cursor)


def test_a_removed_member_is_not_told_an_edit_of_a_message_that_mentioned_them(
    client, user_factory, bearer
):
    ann, bob = bearer(user_factory("ann")), bearer(user_factory("bob"))
    group = group_with_bob(client, ann, "G")
    cursor = cursor_now(client, bob)
    message = ok(
        client.post(
            f"/api/v1/conversations/{group}/messages", json={"body": "hey @bob"}, headers=ann
        )
    )["message"]["id"]
    ok(client.delete(f"/api/v1/conversations/{group}/members/bob", headers=ann))
    ok(
        client.patch(
            f"/api/v1/messages/{message}", json={"body": "@bob is gone, plan B"}, headers=ann
        )
    )
    assert "plan B" not in replayed(client, bob, cursor)
    listed = json.dumps(ok(client.get("/api/v1/notifications", headers=bob)))
    assert "mention" in listed
    assert "plan B" not in listed


def test_a_person_blocked_by_a_posts_author_is_not_told_its_edit(client, user_factory, bearer):
    ann, bob = bearer(user_factory("ann")), bearer(user_factory("bob"))
    ok(client.post("/api/v1/users/ann/follow", headers=bob))
    cursor = cursor_now(client, bob)
    post = ok(
        client.post(
            "/api/v1/posts", json={"text": "hello @bob", "audience": "followers"}, headers=ann
        )
    )["post"]["id"]
    ok(client.post("/api/v1/users/bob/block", headers=ann))
    ok(client.patch(f"/api/v1/posts/{post}", json={"text": "written after the block"}, headers=ann))
    assert "written after the block" not in replayed(client, bob, cursor)
    assert "written after the block" not in json.dumps(
        ok(client.get("/api/v1/notifications", headers=bob))
    )


def test_a_comment_edited_after_a_block_is_not_replayed_across_it(client, user_factory, bearer):
    ann, carol = bearer(user_factory("ann")), bearer(user_factory("carol"))
    dave = bearer(user_factory("dave"))
    ok(client.post("/api/v1/users/ann/follow", headers=dave))  # dave hears ann's posts
    post = ok(
        client.post("/api/v1/posts", json={"text": "a post", "audience": "public"}, headers=ann)
    )
    cursor = cursor_now(client, dave)
    comment = ok(
        client.post(
            f"/api/v1/posts/{post['post']['id']}/comments", json={"text": "first"}, headers=carol
        )
    )["comment"]["id"]
    ok(client.post("/api/v1/users/dave/block", headers=carol))
    ok(client.patch(f"/api/v1/comments/{comment}", json={"text": "after the block"}, headers=carol))
    assert "after the block" not in replayed(client, dave, cursor)
    assert "after the block" in replayed(client, ann, cursor)


def test_a_removed_collaborator_is_not_told_the_playlists_new_title(client, user_factory, bearer):
    ann, bob = bearer(user_factory("ann")), bearer(user_factory("bob"))
    cursor = cursor_now(client, bob)
    playlist = ok(
        client.post(
            "/api/v1/playlists", json={"title": "Shared", "visibility": "private"}, headers=ann
        )
    )["playlist"]["id"]
    ok(client.post(f"/api/v1/playlists/{playlist}/collaborators/bob", headers=ann))
    ok(client.delete(f"/api/v1/playlists/{playlist}/collaborators/bob", headers=ann))
    ok(client.patch(f"/api/v1/playlists/{playlist}", json={"title": "Not for bob"}, headers=ann))
    assert "playlist_invite" in replayed(client, bob, cursor)
    assert "Not for bob" not in replayed(client, bob, cursor)


def test_a_renamed_or_deleted_public_room_is_replayed_without_its_old_words(
    app, client, user_factory, bearer
):
    eve_account = user_factory("eve")
    eve_id = eve_account.id
    ann, eve = bearer(user_factory("ann")), bearer(eve_account)
    cursor = cursor_now(client, eve)
    room = ok(
        client.post(
            "/api/v1/conversations",
            json={"kind": "room", "name": "Typo room", "description": "call 555-0101"},
            headers=ann,
        )
    )["conversation"]["id"]
    ok(
        client.patch(
            f"/api/v1/conversations/{room}",
            json={"name": "Fixed room", "description": "no number"},
            headers=ann,
        )
    )
    seen = replayed(client, eve, cursor)
    assert "Fixed room" in seen
    assert "555-0101" not in seen
    assert "Typo room" not in seen
    ok(client.delete(f"/api/v1/conversations/{room}", headers=ann))
    seen = replayed(client, eve, cursor)
    assert "directory:room_removed" in seen
    assert "Fixed room" not in seen
    # A live directory page replaying the listing draws no row for the room that went.
    listings = [e for e in store.read_after(0, [DIRECTORY]) if e.name == "directory:room"]
    assert listings
    with app.test_request_context("/events/html"):
        drawn = [render_fragments(listing, frozenset(), eve_id) for listing in listings]
    assert drawn == [[] for _ in listings]


def test_a_playlists_old_titles_and_a_removed_items_words_are_not_replayed(
    client, user_factory, bearer
):
    ann, bob = bearer(user_factory("ann")), bearer(user_factory("bob"))
    playlist = ok(
        client.post("/api/v1/playlists", json={"title": "Mix", "visibility": "public"}, headers=ann)
    )["playlist"]["id"]
    ok(client.post(f"/api/v1/playlists/{playlist}/follow", headers=bob))
    cursor = cursor_now(client, bob)
    ok(client.patch(f"/api/v1/playlists/{playlist}", json={"title": "Interim title"}, headers=ann))
    ok(client.patch(f"/api/v1/playlists/{playlist}", json={"title": "Final title"}, headers=ann))
    item = ok(
        client.post(
            f"/api/v1/playlists/{playlist}/items",
            json={"video_url": VIDEO, "title": "embarrassing video"},
            headers=ann,
        )
    )["item"]["id"]
    ok(client.delete(f"/api/v1/playlists/{playlist}/items/{item}", headers=ann))
    seen = replayed(client, bob, cursor)
    assert "Final title" in seen
    assert "Interim title" not in seen
    assert "playlist:item_removed" in seen
    assert "embarrassing video" not in seen
    assert "dQw4w9WgXcQ" not in seen


def test_a_withdrawn_announcements_words_are_not_replayed(client, user_factory, bearer):
    root = bearer(user_factory("root", role=Role.ADMIN))
    eve = bearer(user_factory("eve"))
    cursor = cursor_now(client, eve)
    posted = ok(
        client.post(
            "/api/v1/admin/announcements", json={"body": "the password is hunter2"}, headers=root
        )
    )["announcement"]["id"]
    ok(client.delete(f"/api/v1/admin/announcements/{posted}", headers=root))
    seen = replayed(client, eve, cursor)
    assert "announcement:withdrawn" in seen
    assert "hunter2" not in seen


def test_comments_written_before_a_block_are_not_replayed_across_it(client, user_factory, bearer):
    """A block either way hides each one's comments under a third person's post, and the
    replies under them, from the other: as the thread's listing does, so does a resume."""
    ann, carol = bearer(user_factory("ann")), bearer(user_factory("carol"))
    dave, erin = bearer(user_factory("dave")), bearer(user_factory("erin"))
    ok(client.post("/api/v1/users/ann/follow", headers=dave))  # dave hears ann's posts
    post = ok(
        client.post("/api/v1/posts", json={"text": "a post", "audience": "public"}, headers=ann)
    )["post"]["id"]
    cursor = cursor_now(client, dave)
    comments = f"/api/v1/posts/{post}/comments"
    said = ok(client.post(comments, json={"text": "said before"}, headers=carol))["comment"]
    answer = {"text": "answered before", "parent_id": said["id"]}
    ok(client.post(comments, json=answer, headers=erin))
    ok(client.post(comments, json={"text": "erin alone"}, headers=erin))
    ok(client.post("/api/v1/users/carol/block", headers=dave))
    assert "said before" not in json.dumps(ok(client.get(comments, headers=dave)))
    told = replayed(client, dave, cursor)
    assert "said before" not in told
    assert "answered before" not in told
    assert "erin alone" in told
    assert "said before" in replayed(client, ann, cursor)
