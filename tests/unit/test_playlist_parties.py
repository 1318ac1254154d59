"""Playlists and parties: a party started from a playlist plays its first video with the
rest queued in order; a party's video and queue kept as a new private playlist; the video
a party plays added to one's playlist; and the rules of each (who may see which playlist,
who is in the party, who may add to a playlist), all in one unit of work."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from errors import Forbidden, NotFound, ValidationError
from extensions import db
from models.party import Party
from models.playlist import Playlist
from models.social import Notification
from services import (
    notifications,
    parties,
    party_membership,
    party_queue,
    party_shapes,
    playback,
    playlist_items,
    playlist_parties,
    playlist_people,
    playlists,
    social,
)

VIDEOS = [f"https://media.example/{n}.mp4" for n in ("one", "two", "three")]


@pytest.fixture
def people(user_factory):
    cast = {name: user_factory(name) for name in ("ann", "ben", "cat")}
    social.follow(cast["ann"], "ben")
    social.follow(cast["ben"], "ann")
    return cast


def filled(owner, visibility: str = "public", count: int = 3) -> Playlist:
    playlist = playlists.create(owner, "Saturday films", "", visibility)
    for n, url in enumerate(VIDEOS[:count]):
        playlist_items.add(owner, playlist.id, url, f"Film {n + 1}")
    return playlist


def test_a_party_from_a_playlist_plays_the_first_and_queues_the_rest(people):
    playlist = filled(people["ann"])
    party = playlist_parties.start_party(people["ben"], playlist.id, {})
    assert party.host_id == people["ben"].id
    assert party.title == "Saturday films"
    assert party.media_url == VIDEOS[0]
    queued = party_queue.items(party.id)
    assert [(item.media_url, item.title) for item in queued] == [
        (VIDEOS[1], "Film 2"),
        (VIDEOS[2], "Film 3"),
    ]
    assert all(item.status == "queued" for item in queued)


def test_a_private_or_empty_playlist_starts_no_party(people):
    private = filled(people["ann"], "private")
    with pytest.raises(NotFound):
        playlist_parties.start_party(people["cat"], private.id, {})
    empty = filled(people["ann"], count=0)
    with pytest.raises(ValidationError):
        playlist_parties.start_party(people["ann"], empty.id, {})
    unlisted = filled(people["ann"], "unlisted")
    with pytest.raises(NotFound):
        playlist_parties.start_party(people["cat"], unlisted.id, {})
    party = playlist_parties.start_party(
        people["cat"], unlisted.id, {"token": unlisted.share_token, "title": "Cat's night"}
    )
    assert party.title == "Cat's night"
    assert db.session.scalar(select(func.count()).select_from(Party)) == 1


def test_a_refused_party_field_leaves_no_party_and_no_queue(people):
    playlist = filled(people["ann"])
    with pytest.raises(ValidationError):
        playlist_parties.start_party(people["ann"], playlist.id, {"visibility": "everyone"})
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Party)) == 0


def test_the_party_now_and_its_queue_become_a_private_playlist(people):
    playlist = filled(people["ann"])
    party = playlist_parties.start_party(people["ann"], playlist.id, {})
    with pytest.raises(NotFound):
        playlist_parties.save_queue(people["ben"], 987_654)
    with pytest.raises(Forbidden):  # a public party he has not joined
        playlist_parties.save_queue(people["ben"], party.id)
    party_membership.enter(people["ben"], party.id)
    kept = playlist_parties.save_queue(people["ben"], party.id)
    assert (kept.owner_id, kept.visibility) == (people["ben"].id, "private")
    assert kept.title == "Saturday films (queue)"
    got = [(item.video_url, item.title) for item in playlist_items.items(kept.id)]
    assert got == [
        (VIDEOS[0], party_shapes.media_title(party)),
        *[(url, f"Film {n}") for n, url in ((2, VIDEOS[1]), (3, VIDEOS[2]))],
    ]


def test_a_playlist_partys_first_video_is_named_by_its_own_title(people):
    party = playlist_parties.start_party(people["ann"], filled(people["ann"]).id, {})
    assert party_shapes.state(party)["media_title"] == "Film 1"
    assert party_queue.items(party.id)[0].title == "Film 2"
    playback.next_item(people["ann"], party.id)
    assert party_shapes.state(party)["media_title"] == "Film 2"
    assert party_shapes.watched(party) == ["Film 1", "Film 2"]
    plain = parties.create(people["ann"], {"title": "Ann's night", "media_url": VIDEOS[0]})
    party_queue.add(people["ann"], plain.id, VIDEOS[1], "Second")
    assert party_shapes.state(plain)["media_title"] == "Ann's night"
    playback.next_item(people["ann"], plain.id)
    assert party_shapes.watched(plain) == ["Ann's night", "Second"]


def test_the_playing_video_goes_to_a_playlist_one_may_add_to(people):
    party = playlist_parties.start_party(people["ann"], filled(people["ann"]).id, {})
    party_membership.enter(people["ben"], party.id)
    bens = playlists.create(people["ben"], "Ben's picks")
    anns = playlists.create(people["ann"], "Ann's own", "", "public")
    added = playlist_parties.add_playing(people["ben"], party.id, bens.id)
    assert added["item"]["video_url"] == VIDEOS[0]
    with pytest.raises(Forbidden):  # not his playlist, and he does not help with it
        playlist_parties.add_playing(people["ben"], party.id, anns.id)
    playlist_people.invite(people["ann"], anns.id, "ben")
    playlist_parties.add_playing(people["ben"], party.id, anns.id)
    assert [item.video_url for item in playlist_items.items(anns.id)] == [VIDEOS[0]]


def test_followers_of_a_playlist_hear_what_others_add(people):
    ann, ben, cat = people["ann"], people["ben"], people["cat"]
    public = playlists.create(ann, "Open list", "", "public")
    playlist_people.follow(cat, public.id)
    playlist_people.invite(ann, public.id, "ben")
    playlist_items.add(ben, public.id, VIDEOS[0], "One")

    def told(person) -> list[dict]:
        rows = db.session.scalars(
            select(Notification).where(
                Notification.user_id == person.id, Notification.kind == "playlist_item"
            )
        )
        return [notifications.to_dict(row) for row in rows]

    [for_cat] = told(cat)
    assert for_cat["subject"]["following"] is True
    assert for_cat["actor"]["username"] == "ben"
    [for_ann] = told(ann)
    assert "following" not in for_ann["subject"]
    assert told(ben) == []  # nobody hears of their own addition


def test_a_private_partys_title_is_not_carried_into_a_playlist(people):
    surprise = parties.create(
        people["ann"],
        {"title": "Ann's surprise for Cat", "media_url": VIDEOS[0], "visibility": "private"},
    )
    party_membership.join_by_code(people["ben"], surprise.code)
    shown = playlists.create(people["ben"], "Ben's picks", "", "public")
    added = playlist_parties.add_playing(people["ben"], surprise.id, shown.id)
    assert "surprise" not in added["item"]["title"]
    kept = playlist_parties.save_queue(people["ben"], surprise.id)
    assert [item.title for item in playlist_items.items(kept.id)] == [""]


def test_long_titles_are_cut_to_what_the_new_thing_holds(people):
    long_party = parties.create(people["ann"], {"title": "T" * 110, "media_url": VIDEOS[0]})
    kept = playlist_parties.save_queue(people["ann"], long_party.id)
    assert len(kept.title) <= playlists.TITLE_MAX
    assert kept.title.endswith(" (queue)")
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    playlist = filled(people["ann"], count=1)
    playlist_items.add(people["ann"], playlist.id, VIDEOS[1], "a" * 118 + family)
    party = playlist_parties.start_party(people["ann"], playlist.id, {})
    assert party_queue.items(party.id)[0].title == "a" * 118 + "\U0001f468"


def test_a_version_no_database_holds_is_refused_by_its_field(people):
    playlist = filled(people["ann"], count=2)
    first = playlist_items.items(playlist.id)[0]
    with pytest.raises(ValidationError) as refused:
        playlist_items.move(people["ann"], playlist.id, first.id, 1, 10**30)
    assert refused.value.field == "version"
