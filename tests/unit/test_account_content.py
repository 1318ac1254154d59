"""A deleted account's posts, likes, playlists and clips go with it (and the stored
events about its posts say only that they were deleted), and the data download holds
them while it lives."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from errors import NotFound
from extensions import db
from models.playlist import Playlist, PlaylistCollaborator
from models.post import PostLike
from models.stream import StreamEvent
from services import (
    account_data,
    clips,
    playlist_items,
    playlist_people,
    playlist_views,
    playlists,
    posts,
    social,
)
from tests.conftest import PASSWORD

VIDEO = "https://media.example/film.mp4"


@pytest.fixture
def people(user_factory):
    ann, bob = user_factory("ann"), user_factory("bob")
    social.follow(ann, "bob")
    social.follow(bob, "ann")
    return ann, bob


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_deleting_an_account_takes_its_posts_playlists_and_clips(people):
    ann, bob = people
    post_id = posts.create(ann, "ann's secret thoughts", audience="followers")["id"]
    bobs_post = posts.create(bob, "bob's post", audience="public")["id"]
    posts.like(ann, bobs_post)
    own = playlists.create(ann, "ann's list", "", "public")
    playlist_items.add(ann, own.id, VIDEO, "A film")
    bobs_list = playlists.create(bob, "bob's list", "", "public")
    playlist_people.invite(bob, bobs_list.id, "ann")
    clip = clips.create(ann, {"title": "ann's clip", "video_url": VIDEO, "start": 0, "end": 5})

    account_data.delete_account(ann, PASSWORD)
    db.session.expire_all()

    with pytest.raises(NotFound):
        posts.visible_post(bob, post_id)
    assert posts.shown_to(bob, bobs_post)["likes"] == 0
    assert count(PostLike) == 0
    stored = count(StreamEvent, StreamEvent.payload.contains("ann's secret thoughts"))
    assert stored == 0  # a replay never shows the deleted post's words
    assert count(Playlist, Playlist.owner_id == ann.id) == 0
    assert count(PlaylistCollaborator) == 0
    assert [p["id"] for p in playlist_views.mine(bob)] == [bobs_list.id]
    with pytest.raises(NotFound):
        clips.visible_clip(bob, clip.code)
    assert clips.linked(bob.id, f"/c/{clip.code}") == []


def test_the_download_holds_posts_playlists_and_clips(people):
    ann, bob = people
    posts.create(ann, "hello followers", audience="followers")
    posts.create(bob, "bob's words", audience="public")
    own = playlists.create(ann, "Westerns", "dusty", "private")
    playlist_items.add(ann, own.id, VIDEO, "High Noon", 30)
    clips.create(ann, {"title": "The duel", "video_url": VIDEO, "start": 60, "end": 90})

    data = account_data.export(ann)

    assert [p["text"] for p in data["posts"]] == ["hello followers"]
    assert [(p["title"], p["visibility"]) for p in data["playlists"]] == [("Westerns", "private")]
    assert [(i["title"], i["start_seconds"]) for i in data["playlist_items"]] == [("High Noon", 30)]
    assert [(c["title"], c["start_seconds"], c["end_seconds"]) for c in data["clips"]] == [
        ("The duel", 60.0, 90.0)
    ]
    assert "bob's words" not in str(data)
