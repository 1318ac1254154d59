"""Playlists: who sees them (visibility, share tokens, blocks), who changes them (owner,
collaborators invited among the people the owner may message), versioned moves that
never lose or duplicate an item even when two race, and the channel each change gives
or takes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from errors import Conflict, Forbidden, NotFound, ValidationError
from extensions import db
from models.playlist import Playlist, PlaylistItem
from models.social import Notification
from models.user import User
from realtime import store
from realtime.channels import channels_for
from realtime.events import CONTROL_CHANNEL
from services import playlist_items, playlist_people, playlist_views, playlists, social
from tests.support.concurrency import race

VIDEO = "https://media.example/film.mp4"
YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


@pytest.fixture
def cast(user_factory):
    return {name: user_factory(name) for name in ("owen", "cleo", "stan", "fay")}


def make(owner: User, visibility: str = "private", title: str = "Sunday films") -> Playlist:
    return playlists.create(owner, title, "", visibility)


def fill(actor: User, playlist: Playlist, count: int) -> list[int]:
    return [
        playlist_items.add(actor, playlist.id, f"{VIDEO}?n={n}", f"Film {n}")["item"]["id"]
        for n in range(count)
    ]


def order_of(playlist_id: int) -> list[tuple[int, int]]:
    """(position, id) of every item, as stored."""
    db.session.expire_all()
    rows = db.session.execute(
        select(PlaylistItem.position, PlaylistItem.id)
        .where(PlaylistItem.playlist_id == playlist_id)
        .order_by(PlaylistItem.position, PlaylistItem.id)
    )
    return [tuple(row) for row in rows]


def ids_in_order(playlist_id: int) -> list[int]:
    found = order_of(playlist_id)
    assert [position for position, _ in found] == list(range(len(found))), "positions not dense"
    return [item_id for _, item_id in found]


def events_on(playlist_id: int) -> list:
    return store.read_after(0, [playlists.channel(playlist_id)])


def controls() -> list[tuple[str, int | None, str]]:
    return [
        (e.data["op"], e.data.get("user"), e.data.get("channel"))
        for e in store.read_after(0, [CONTROL_CHANNEL])
    ]


# -- visibility -------------------------------------------------------------------------
def test_a_private_playlist_is_not_found_by_strangers(cast):
    playlist = make(cast["owen"])
    assert playlists.visible_playlist(cast["owen"], playlist.id).is_owner
    with pytest.raises(NotFound):
        playlists.visible_playlist(cast["stan"], playlist.id)
    with pytest.raises(NotFound):  # a private playlist's token opens nothing
        playlists.visible_playlist(cast["stan"], playlist.id, playlist.share_token)
    with pytest.raises(NotFound):
        playlists.visible_playlist(cast["stan"], "1")


def test_an_unlisted_playlist_opens_with_its_token_only(cast):
    playlist = make(cast["owen"], "unlisted")
    with pytest.raises(NotFound):
        playlists.visible_playlist(cast["stan"], playlist.id)
    with pytest.raises(NotFound):
        playlists.visible_playlist(cast["stan"], playlist.id, "x" * len(playlist.share_token))
    seen = playlists.visible_playlist(cast["stan"], playlist.id, playlist.share_token)
    assert seen.role == "viewer"
    assert len(playlist.share_token) >= 32
    playlist_people.invite(cast["owen"], playlist.id, "cleo")
    assert playlists.visible_playlist(cast["cleo"], playlist.id).role == "collaborator"


def test_a_block_either_way_hides_even_a_public_playlist(cast):
    playlist = make(cast["owen"], "public")
    assert playlists.visible_playlist(cast["stan"], playlist.id).role == "viewer"
    social.block(cast["stan"], "owen")
    with pytest.raises(NotFound):
        playlists.visible_playlist(cast["stan"], playlist.id)
    social.unblock(cast["stan"], "owen")
    social.block(cast["owen"], "stan")
    with pytest.raises(NotFound):
        playlists.visible_playlist(cast["stan"], playlist.id)
    with pytest.raises(NotFound):
        playlist_views.of_user(cast["stan"], "owen")


def test_a_persons_list_shows_others_their_public_playlists_only(cast):
    public, _unlisted, _private = (make(cast["owen"], v) for v in playlists.VISIBILITIES)
    assert [p["id"] for p in playlist_views.of_user(cast["stan"], "owen")] == [public.id]
    assert len(playlist_views.of_user(cast["owen"], "owen")) == 3


# -- who changes what -------------------------------------------------------------------
def test_only_the_owner_and_collaborators_change_items(cast):
    playlist = make(cast["owen"], "public")
    with pytest.raises(Forbidden):
        playlist_items.add(cast["stan"], playlist.id, VIDEO)
    playlist_people.invite(cast["owen"], playlist.id, "cleo")
    added = playlist_items.add(cast["cleo"], playlist.id, YOUTUBE, "Song", 42)
    assert added["item"]["added_by"]["username"] == "cleo"
    assert added["item"]["start_seconds"] == 42
    with pytest.raises(Forbidden):
        playlist_items.remove(cast["stan"], playlist.id, added["item"]["id"])
    with pytest.raises(Forbidden):  # collaborators do not invite
        playlist_people.invite(cast["cleo"], playlist.id, "fay")
    with pytest.raises(Forbidden):
        playlists.edit(cast["cleo"], playlist.id, {"title": "Mine now"})
    with pytest.raises(Forbidden):
        playlists.delete(cast["cleo"], playlist.id)


def test_the_owner_invites_only_people_they_may_message(cast):
    playlist = make(cast["owen"])
    with pytest.raises(ValidationError):
        playlist_people.invite(cast["owen"], playlist.id, "owen")
    with pytest.raises(NotFound):
        playlist_people.invite(cast["owen"], playlist.id, "nobody")
    social.block(cast["fay"], "owen")  # blocked by her
    with pytest.raises(Forbidden):
        playlist_people.invite(cast["owen"], playlist.id, "fay")
    social.block(cast["owen"], "stan")  # blocking him
    with pytest.raises(Forbidden):
        playlist_people.invite(cast["owen"], playlist.id, "stan")


def test_an_invitation_and_a_collaborators_addition_notify(cast):
    playlist = make(cast["owen"])
    playlist_people.invite(cast["owen"], playlist.id, "cleo")
    [invited] = db.session.scalars(
        select(Notification).where(Notification.user_id == cast["cleo"].id)
    )
    assert invited.kind == "playlist_invite"
    playlist_items.add(cast["owen"], playlist.id, VIDEO)  # the owner's own: no notice
    assert (
        db.session.scalars(
            select(Notification).where(Notification.user_id == cast["owen"].id)
        ).all()
        == []
    )
    playlist_items.add(cast["cleo"], playlist.id, VIDEO)
    playlist_items.add(cast["cleo"], playlist.id, YOUTUBE)
    [added] = db.session.scalars(
        select(Notification).where(Notification.user_id == cast["owen"].id)
    )
    assert (added.kind, added.count) == ("playlist_item", 2)


def test_a_block_ends_collaboration_and_follows_and_their_channels(cast):
    playlist = make(cast["owen"], "public")
    playlist_people.invite(cast["owen"], playlist.id, "cleo")
    playlist_people.follow(cast["fay"], playlist.id)
    channel = playlists.channel(playlist.id)
    assert channel in channels_for(cast["cleo"].id)
    assert channel in channels_for(cast["fay"].id)
    social.block(cast["cleo"], "owen")
    social.block(cast["owen"], "fay")
    assert not playlists.is_collaborator(playlist.id, cast["cleo"].id)
    assert not playlists.follows(playlist.id, cast["fay"].id)
    assert channel not in channels_for(cast["cleo"].id)
    assert channel not in channels_for(cast["fay"].id)
    assert ("leave", cast["cleo"].id, channel) in controls()
    assert ("leave", cast["fay"].id, channel) in controls()


# -- validation -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url", ["", "javascript:alert(1)", "ftp://x/y.mp4", "https://youtu.be/", 5, "http://a b"]
)
def test_a_video_link_is_checked_like_a_partys(cast, url):
    playlist = make(cast["owen"])
    with pytest.raises(ValidationError) as refused:
        playlist_items.add(cast["owen"], playlist.id, url)
    assert refused.value.field == "video_url"


@pytest.mark.parametrize(
    "changes", [{"title": ""}, {"title": "x" * 101}, {"visibility": "friends"}, {"owner_id": 3}, []]
)
def test_bad_changes_are_refused(cast, changes):
    playlist = make(cast["owen"])
    with pytest.raises(ValidationError):
        playlists.edit(cast["owen"], playlist.id, changes)


def test_a_start_must_be_a_whole_number_of_seconds(cast):
    playlist = make(cast["owen"])
    for start in (-1, 1.5, "10", True, 10**9):
        with pytest.raises(ValidationError):
            playlist_items.add(cast["owen"], playlist.id, VIDEO, "", start)


# -- order and versions -----------------------------------------------------------------
def test_a_move_renumbers_densely_and_announces_the_new_version(cast):
    playlist = make(cast["owen"])
    a, b, c, d = fill(cast["owen"], playlist, 4)
    version = playlists.current_version(playlist.id)
    moved = playlist_items.move(cast["owen"], playlist.id, d, 0, version)
    assert moved["version"] == version + 1
    assert ids_in_order(playlist.id) == [d, a, b, c]
    playlist_items.move(cast["owen"], playlist.id, d, 3, version + 1)
    assert ids_in_order(playlist.id) == [a, b, c, d]
    playlist_items.remove(cast["owen"], playlist.id, b)
    assert ids_in_order(playlist.id) == [a, c, d]
    names = [(e.name, e.data["version"]) for e in events_on(playlist.id)]
    assert names[-3:] == [
        ("playlist:item_moved", version + 1),
        ("playlist:item_moved", version + 2),
        ("playlist:item_removed", version + 3),
    ]
    assert events_on(playlist.id)[-1].data["order"] == [a, c, d]


def test_a_move_from_a_stale_version_is_refused_with_the_current_order(cast):
    playlist = make(cast["owen"])
    a, b, c = fill(cast["owen"], playlist, 3)
    seen = playlists.current_version(playlist.id)
    playlist_items.move(cast["owen"], playlist.id, c, 0, seen)
    with pytest.raises(Conflict) as refused:
        playlist_items.move(cast["owen"], playlist.id, a, 2, seen)
    assert refused.value.code == "stale_version"
    current = refused.value.details["current"]
    assert current["version"] == seen + 1
    assert [item["id"] for item in current["items"]] == [c, a, b]
    assert ids_in_order(playlist.id) == [c, a, b]
    assert playlists.current_version(playlist.id) == seen + 1


def test_a_move_out_of_range_changes_nothing(cast):
    playlist = make(cast["owen"])
    fill(cast["owen"], playlist, 2)
    seen = playlists.current_version(playlist.id)
    with pytest.raises(ValidationError):
        playlist_items.move(cast["owen"], playlist.id, ids_in_order(playlist.id)[0], 2, seen)
    with pytest.raises(NotFound):
        playlist_items.move(cast["owen"], playlist.id, 999_999, 0, seen)
    assert playlists.current_version(playlist.id) == seen


def test_two_moves_racing_from_one_version_one_wins_and_nothing_is_lost(app, cast):
    owner_id, cleo_id = cast["owen"].id, cast["cleo"].id
    playlist = make(cast["owen"])
    playlist_people.invite(cast["owen"], playlist.id, "cleo")
    items = fill(cast["owen"], playlist, 6)
    playlist_id = playlist.id

    def mover(user_id: int, item_id: int, position: int, seen: int):
        def run() -> str:
            try:
                playlist_items.move(
                    db.session.get(User, user_id), playlist_id, item_id, position, seen
                )
            except Conflict:
                return "409"
            return "ok"

        return run

    for round_ in range(8):
        seen = playlists.current_version(playlist_id)
        before = ids_in_order(playlist_id)
        first, second = before[round_ % 6], before[(round_ + 3) % 6]
        results = race(app, mover(owner_id, first, 0, seen), mover(cleo_id, second, 5, seen))
        assert sorted(results) == ["409", "ok"], results
        after = ids_in_order(playlist_id)
        assert sorted(after) == sorted(items), "an item was lost or duplicated"
        assert playlists.current_version(playlist_id) == seen + 1
        winner_first = results[0] == "ok"
        expected = list(before)
        moving = first if winner_first else second
        expected.remove(moving)
        expected.insert(0 if winner_first else 5, moving)
        assert after == expected


def test_adds_racing_get_dense_unique_positions(app, cast):
    owner_id = cast["owen"].id
    playlist = make(cast["owen"])
    playlist_id = playlist.id

    def adder(n: int):
        return lambda: playlist_items.add(
            db.session.get(User, owner_id), playlist_id, f"{VIDEO}?{n}"
        )

    race(app, *[adder(n) for n in range(4)])
    assert len(ids_in_order(playlist_id)) == 4
    versions = [e.data["version"] for e in events_on(playlist_id)]
    assert sorted(versions) == [1, 2, 3, 4]


# -- channels ---------------------------------------------------------------------------
def test_the_channel_is_held_by_owner_collaborators_and_followers_of_a_public_one(cast):
    playlist = make(cast["owen"], "public")
    channel = playlists.channel(playlist.id)
    playlist_people.invite(cast["owen"], playlist.id, "cleo")
    playlist_people.follow(cast["fay"], playlist.id)
    assert channel in channels_for(cast["owen"].id)
    assert channel in channels_for(cast["cleo"].id)
    assert channel in channels_for(cast["fay"].id)
    assert channel not in channels_for(cast["stan"].id)

    playlists.edit(cast["owen"], playlist.id, {"visibility": "private"})
    assert channel not in channels_for(cast["fay"].id)
    assert channel in channels_for(cast["cleo"].id)
    assert ("leave", cast["fay"].id, channel) in controls()
    with pytest.raises(NotFound):
        playlist_people.follow(cast["stan"], playlist.id)

    playlists.edit(cast["owen"], playlist.id, {"visibility": "public"})
    assert channel in channels_for(cast["fay"].id)
    playlist_people.unfollow(cast["fay"], playlist.id)
    assert channel not in channels_for(cast["fay"].id)
    playlist_people.remove(cast["owen"], playlist.id, "cleo")
    assert channel not in channels_for(cast["cleo"].id)


def test_an_unlisted_playlist_cannot_be_followed(cast):
    playlist = make(cast["owen"], "unlisted")
    with pytest.raises(NotFound):
        playlist_people.follow(cast["stan"], playlist.id)
    playlist_people.invite(cast["owen"], playlist.id, "cleo")
    with pytest.raises(Forbidden):
        playlist_people.follow(cast["cleo"], playlist.id)
    with pytest.raises(ValidationError):
        playlist_people.follow(cast["owen"], make(cast["owen"], "public").id)


def test_the_private_playlists_events_are_on_its_channel_only(cast):
    playlist = make(cast["owen"])
    fill(cast["owen"], playlist, 1)
    for person in ("stan", "fay"):
        visible = store.read_after(0, list(channels_for(cast[person].id)))
        assert [e for e in visible if e.name.startswith("playlist:")] == []


def test_deleting_tells_its_people_and_takes_the_channel_away(cast):
    playlist = make(cast["owen"])
    playlist_people.invite(cast["owen"], playlist.id, "cleo")
    fill(cast["owen"], playlist, 2)
    playlist_id, channel = playlist.id, playlists.channel(playlist.id)
    playlists.delete(cast["owen"], playlist_id)
    last = events_on(playlist_id)[-1]
    assert (last.name, last.data["playlist"]) == ("playlist:updated", None)
    assert channel not in channels_for(cast["cleo"].id)
    assert channel not in channels_for(cast["owen"].id)
    assert (
        db.session.scalars(
            select(PlaylistItem).where(PlaylistItem.playlist_id == playlist_id)
        ).all()
        == []
    )
    with pytest.raises(NotFound):
        playlists.visible_playlist(cast["owen"], playlist_id)


def test_a_rename_is_announced_and_retexts_its_notifications(cast):
    playlist = make(cast["owen"])
    playlist_people.invite(cast["owen"], playlist.id, "cleo")
    playlists.edit(cast["owen"], playlist.id, {"title": "  Late   night  "})
    last = events_on(playlist.id)[-1]
    assert last.name == "playlist:updated"
    assert last.data["playlist"]["title"] == "Late night"
    assert last.data["version"] == last.data["playlist"]["version"] == 1
    [invited] = db.session.scalars(
        select(Notification).where(Notification.user_id == cast["cleo"].id)
    )
    assert '"Late night"' in invited.subject
