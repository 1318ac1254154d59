"""What a user's stream holds, read fresh on SQLite and on PostgreSQL: every provider's
statement is built once with bound parameters and run on the session's connection, so
each engine must answer it the same way."""

from __future__ import annotations

from extensions import db
from models.party import Party
from realtime import channels, user_caches
from realtime.channels import channels_for
from realtime.events import party_channel, playlist_channel, posts_channel, presence_channel
from services import (
    accounts,
    moderation,
    parties,
    party_membership,
    party_states,
    playlist_people,
    playlists,
    social,
)
from services.party_shapes import PARTY_STATE
from tests.conftest import PASSWORD

VIDEO = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def fresh(user_id: int) -> set[str]:
    """The user's channels read from the database, not from the process's cache."""
    user_caches.forget_user(user_id)
    return channels_for(user_id)


def test_a_stream_holds_its_playlists_follows_and_the_staff_channel(engine_app):
    ann, ben, cat = (accounts.register(name, PASSWORD) for name in ("ann", "ben", "cat"))
    owned = playlists.create(ann, "ann's own", visibility="private")
    shared = playlists.create(ben, "ben's, ann helps", visibility="private")
    followed = playlists.create(cat, "cat's, public", visibility="public")
    hidden = playlists.create(cat, "cat's, private", visibility="private")
    playlist_people.invite(ben, shared.id, "ann")
    playlist_people.follow(ann, followed.id)
    social.follow(ann, "ben")
    social.follow(ben, "ann")
    social.follow(ann, "cat")
    db.session.commit()

    held = fresh(ann.id)
    assert {playlist_channel(p.id) for p in (owned, shared, followed)} <= held
    assert playlist_channel(hidden.id) not in held
    # ben is a friend (both follow), cat is followed only.
    assert {posts_channel(ben.id, a) for a in ("public", "followers", "friends")} <= held
    assert {posts_channel(cat.id, a) for a in ("public", "followers")} <= held
    assert posts_channel(cat.id, "friends") not in held
    assert {presence_channel(ben.id), presence_channel(cat.id)} <= held
    assert moderation.STAFF_CHANNEL not in held

    # cat follows ann back later: now friends. ann becomes a moderator.
    social.follow(cat, "ann")
    accounts.set_role("ann", "moderator")
    db.session.commit()
    held = fresh(ann.id)
    assert posts_channel(cat.id, "friends") in held
    assert moderation.STAFF_CHANNEL in held
    assert posts_channel(ann.id, "friends") in fresh(cat.id)


def test_a_resume_brings_the_state_of_each_party_taken_part_in(engine_app):
    """Which parties' states a resume or a poll owes is read on the driver's cursor; the
    parties are loaded for those found only."""
    ann, ben = (accounts.register(name, PASSWORD) for name in ("ann", "ben"))
    watched = parties.create(ann, {"title": "Movie night", "media_url": VIDEO})
    parties.create(ann, {"title": "Not ben's", "media_url": VIDEO})
    party_membership.enter(ben, watched.id)
    db.session.commit()
    at = db.session.get(Party, watched.id).at

    [state] = channels.state_after_resume(ben.id)
    assert (state.name, state.channel) == (PARTY_STATE, party_channel(watched.id))
    assert state.data["party_id"] == watched.id
    assert [e.data["party_id"] for e in channels.state_after_resume(ben.id, at - 1)] == [watched.id]
    assert channels.state_after_resume(ben.id, at) == []
    party_membership.leave(ben, watched.id)
    db.session.commit()
    assert channels.state_after_resume(ben.id) == []


def test_the_parties_a_resume_looks_up_are_those_the_stream_holds(engine_app, monkeypatch):
    """Each party whose channel the user's stream holds is looked up by its key: only the
    one that changed comes back, an ended one never (even while a channel set kept from
    before its end still holds it), and someone in no party costs no read at all."""
    ann, ben, cat = (accounts.register(name, PASSWORD) for name in ("ann", "ben", "cat"))
    first = parties.create(ann, {"title": "First", "media_url": VIDEO})
    second = parties.create(ann, {"title": "Second", "media_url": VIDEO})
    for party in (first, second):
        party_membership.enter(ben, party.id)
    db.session.commit()
    known = max(db.session.get(Party, party.id).at for party in (first, second))
    db.session.get(Party, second.id).at = known + 5
    db.session.commit()
    states = channels.state_after_resume(ben.id, known)
    assert [(e.channel, e.data["party_id"]) for e in states] == [
        (party_channel(second.id), second.id)
    ]
    assert [e.data["party_id"] for e in channels.state_after_resume(ben.id)] == [
        first.id,
        second.id,
    ]

    assert party_channel(first.id) in channels_for(ben.id)  # kept by this process
    db.session.get(Party, first.id).status = "ended"  # no control message about ben
    db.session.commit()
    assert [e.data["party_id"] for e in channels.state_after_resume(ben.id)] == [second.id]

    def no_read(**_options):
        raise AssertionError("someone in no party read the database")

    monkeypatch.setattr(party_states, "reading", no_read)
    assert channels.state_after_resume(cat.id) == []
    assert channels.state_after_resume(cat.id, known) == []
