"""What a playlist's notifications and replays say to someone who may no longer see it:
a follower once it is private or unlisted, a collaborator blocked by its owner, anyone
once it is deleted or taken down. None of them is told its new title or what it held."""

from __future__ import annotations

import json

import pytest

from models.user import Role
from tests.support.replays import cursor_now, ok, replayed

VIDEO = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def notifications_of(client, headers) -> str:
    return json.dumps(ok(client.get("/api/v1/notifications", headers=headers)), ensure_ascii=False)


def new_playlist(client, headers, title: str) -> int:
    body = {"title": title, "visibility": "public"}
    return ok(client.post("/api/v1/playlists", json=body, headers=headers))["playlist"]["id"]


def followed(client, user_factory, bearer) -> tuple[dict, dict, int]:
    """ann's public playlist "Mix", which bob follows."""
    ann, bob = bearer(user_factory("ann")), bearer(user_factory("bob"))
    playlist = new_playlist(client, ann, "Mix")
    ok(client.post(f"/api/v1/playlists/{playlist}/follow", headers=bob))
    return ann, bob, playlist


@pytest.mark.parametrize("visibility", ["private", "unlisted"])
def test_a_follower_is_not_told_of_additions_once_it_is_no_longer_public(
    client, user_factory, bearer, visibility
):
    ann, bob, playlist = followed(client, user_factory, bearer)
    change = {"visibility": visibility, "title": "Quiet new title"}
    ok(client.patch(f"/api/v1/playlists/{playlist}", json=change, headers=ann))
    assert client.get(f"/api/v1/playlists/{playlist}", headers=bob).status_code == 404
    cursor = cursor_now(client, bob)
    video = {"video_url": VIDEO, "title": "A video"}
    ok(client.post(f"/api/v1/playlists/{playlist}/items", json=video, headers=ann))
    assert "Quiet new title" not in notifications_of(client, bob)
    assert "Quiet new title" not in replayed(client, bob, cursor)
    assert "playlist_item" not in notifications_of(client, bob)


@pytest.mark.parametrize("visibility", ["private", "unlisted"])
def test_made_public_again_it_replays_nothing_of_its_quiet_time_to_followers(
    client, user_factory, bearer, visibility
):
    ann, bob, playlist = followed(client, user_factory, bearer)
    cursor = cursor_now(client, bob)
    ok(client.patch(f"/api/v1/playlists/{playlist}", json={"visibility": visibility}, headers=ann))
    video = {"video_url": VIDEO, "title": "Added while quiet"}
    ok(client.post(f"/api/v1/playlists/{playlist}/items", json=video, headers=ann))
    ok(client.patch(f"/api/v1/playlists/{playlist}", json={"visibility": "public"}, headers=ann))
    told = replayed(client, bob, cursor)
    assert "Added while quiet" not in told
    assert '"visibility": "public"' in told  # what came after, it hears
    assert "Added while quiet" in replayed(client, ann, cursor)


def test_a_collaborator_blocked_by_its_owner_is_not_told_its_new_title(
    client, user_factory, bearer
):
    ann, bob = bearer(user_factory("ann")), bearer(user_factory("bob"))
    playlist = new_playlist(client, ann, "Mix")
    ok(client.post(f"/api/v1/playlists/{playlist}/collaborators/bob", headers=ann))
    cursor = cursor_now(client, bob)
    ok(client.post("/api/v1/users/bob/block", headers=ann))
    assert client.get(f"/api/v1/playlists/{playlist}", headers=bob).status_code == 404
    change = {"title": "Title after the block"}
    ok(client.patch(f"/api/v1/playlists/{playlist}", json=change, headers=ann))
    assert "Title after the block" not in notifications_of(client, bob)
    assert "Title after the block" not in replayed(client, bob, cursor)


@pytest.mark.parametrize("how", ["deleted by its owner", "taken down by a moderator"])
def test_once_it_is_gone_nothing_quotes_what_it_was_called_or_held(
    client, user_factory, bearer, how
):
    ann, bob = bearer(user_factory("ann")), bearer(user_factory("bob"))
    cursor = cursor_now(client, bob)
    playlist = new_playlist(client, ann, "Vile title here")
    ok(client.post(f"/api/v1/playlists/{playlist}/collaborators/bob", headers=ann))
    video = {"video_url": VIDEO, "title": "Vile video title"}
    ok(client.post(f"/api/v1/playlists/{playlist}/items", json=video, headers=ann))
    assert "Vile title here" in notifications_of(client, bob)
    if how == "deleted by its owner":
        assert client.delete(f"/api/v1/playlists/{playlist}", headers=ann).status_code == 204
    else:
        moderator = bearer(user_factory("moe", role=Role.MODERATOR))
        eve = bearer(user_factory("eve"))
        report = {"subject_type": "playlist", "subject_id": playlist, "reason": "hate"}
        found = ok(client.post("/api/v1/reports", json=report, headers=eve))["report"]["id"]
        resolve = {"action": "remove"}
        ok(client.post(f"/api/v1/admin/reports/{found}/resolve", json=resolve, headers=moderator))
    assert client.get(f"/api/v1/playlists/{playlist}", headers=bob).status_code == 404
    for text in ("Vile title here", "Vile video title"):
        assert text not in notifications_of(client, bob)
        assert text not in replayed(client, bob, cursor)


def test_a_party_of_a_playlist_kept_from_the_public_is_private_unless_its_owner_says(
    client, user_factory, bearer
):
    ann, bob, eve = (bearer(user_factory(name)) for name in ("ann", "bob", "eve"))
    body = {"title": "Kept to ourselves", "visibility": "private"}
    playlist = ok(client.post("/api/v1/playlists", json=body, headers=ann))["playlist"]["id"]
    ok(client.post(f"/api/v1/playlists/{playlist}/collaborators/bob", headers=ann))
    video = {"video_url": VIDEO, "title": "Session one"}
    ok(client.post(f"/api/v1/playlists/{playlist}/items", json=video, headers=ann))

    party = ok(client.post(f"/api/v1/playlists/{playlist}/party", json={}, headers=bob))["party"]
    assert party["visibility"] == "private"
    assert "Kept to ourselves" not in party["description"]
    opened = client.post(
        f"/api/v1/playlists/{playlist}/party", json={"visibility": "public"}, headers=bob
    )
    assert opened.status_code == 403
    assert opened.get_json()["error"]["code"] == "not_owner"
    live = ok(client.get("/api/v1/parties", query_string={"status": "live"}, headers=eve))
    assert "Kept to ourselves" not in json.dumps(live)
    # Its owner may open it up.
    chosen = {"visibility": "public", "title": "Open night"}
    party = ok(client.post(f"/api/v1/playlists/{playlist}/party", json=chosen, headers=ann))
    assert party["party"]["visibility"] == "public"
