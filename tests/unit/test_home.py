"""What a person's home and the people page show: parties, unread conversations,
notifications, people to follow, people active lately."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models.clock import iso, utcnow
from services import (
    accounts,
    conversation_members,
    conversations,
    home,
    message_reading,
    parties,
    social,
)
from tests.support.messages import sent_message

VIDEO = "https://example.com/film.mp4"


@pytest.fixture
def crew(user_factory):
    return {name: user_factory(name) for name in ("ann", "ben", "cat", "dan", "eve")}


def test_parties_of_people_followed_and_public_ones_starting_soon(app, crew):
    ann, ben, cat, dan = crew["ann"], crew["ben"], crew["cat"], crew["dan"]
    social.follow(ann, "ben")
    social.follow(ann, "dan")
    followed = parties.create(ben, {"title": "Ben's film", "media_url": VIDEO})
    stranger = parties.create(cat, {"title": "Cat's film", "media_url": VIDEO})
    private = parties.create(
        dan, {"title": "Dan's secret", "media_url": VIDEO, "visibility": "private"}
    )
    friends_only = parties.create(
        dan, {"title": "Dan's friends", "media_url": VIDEO, "visibility": "friends"}
    )
    soon = parties.create(
        cat,
        {
            "title": "Tonight",
            "media_url": VIDEO,
            "scheduled_at": iso(utcnow() + timedelta(hours=3)),
        },
    )
    later = parties.create(
        cat,
        {
            "title": "Next week",
            "media_url": VIDEO,
            "scheduled_at": iso(utcnow() + timedelta(days=6)),
        },
    )
    shown = [p["id"] for p in home.parties_for(ann)]
    assert shown == [followed.id, soon.id]
    assert stranger.id not in shown
    assert private.id not in shown
    assert later.id not in shown
    assert friends_only.id not in shown  # dan does not follow ann back
    social.follow(dan, "ann")
    assert friends_only.id in [p["id"] for p in home.parties_for(ann)]
    assert home.party_on_home(ann, private.id) is None
    assert home.party_on_home(ann, followed.id)["title"] == "Ben's film"


def test_unread_conversations_only_with_counts(app, crew):
    ann, ben, cat = crew["ann"], crew["ben"], crew["cat"]
    direct = conversations.open_direct(ben, "ann")
    quiet = conversations.open_direct(cat, "ann")
    sent_message(ben, direct.id, "one")
    last = sent_message(ben, direct.id, "two")
    sent_message(cat, quiet.id, "hello")
    message_reading.mark_read(ann, quiet.id, quiet.last_message_id)
    [row] = home.unread_conversations(ann)
    assert (row["id"], row["unread_count"]) == (direct.id, 2)
    assert home.unread_row(ann, quiet.id) is None
    message_reading.mark_read(ann, direct.id, last.id)
    assert home.unread_conversations(ann) == []


def test_recent_notifications_newest_first(app, crew):
    ann = crew["ann"]
    social.follow(crew["ben"], "ann")
    room = conversations.create_room(crew["dan"], "Films")
    conversation_members.join(ann, room.id)
    sent_message(crew["dan"], room.id, "hello @ann")
    shown = home.recent_notifications(ann.id)
    assert [(n["kind"], n["actor"]["username"]) for n in shown] == [
        ("mention", "dan"),
        ("follow", "ben"),
    ]


def test_suggestions_are_friends_of_friends_then_room_neighbours(app, crew):
    ann, ben, _cat, dan, eve = (crew[n] for n in ("ann", "ben", "cat", "dan", "eve"))
    social.follow(ann, "ben")
    social.follow(ben, "cat")
    social.follow(ben, "ann")  # ann herself is never suggested
    room = conversations.create_room(ann, "Films")
    conversation_members.join(dan, room.id)
    conversation_members.join(eve, room.id)
    sent_message(dan, room.id, "hi all")
    assert [s.person.username for s in home.suggestions(ann)] == ["cat", "dan"]
    assert home.suggestions(ann)[1].reason == "Writes in your groups and rooms"
    social.follow(ann, "cat")
    social.block(ann, "dan")
    assert [s.person.username for s in home.suggestions(ann)] == []


def test_someone_who_follows_you_is_suggested_first_until_followed_back(app, crew):
    ann, ben, cat, dan = (crew[n] for n in ("ann", "ben", "cat", "dan"))
    social.follow(ann, "ben")
    social.follow(ben, "cat")  # a friend of a friend
    social.follow(dan, "ann")
    social.follow(ben, "ann")  # followed back already: not suggested
    assert [s.person.username for s in home.suggestions(ann)] == ["dan", "cat"]
    assert [s.reason for s in home.suggestions(ann)] == [
        "Follows you",
        "Followed by people you follow",
    ]
    social.block(ann, "dan")
    assert [s.person.username for s in home.suggestions(ann)] == ["cat"]
    social.unblock(ann, "dan")
    social.follow(ann, "dan")
    assert [s.person.username for s in home.suggestions(ann)] == ["cat"]
    assert [s.person.username for s in home.suggestions(cat)] == ["ben"]  # ben follows cat


def test_a_first_visit_until_one_follows_or_joins(app, crew):
    ann = crew["ann"]
    assert home.is_new(ann)
    social.follow(ann, "ben")
    assert not home.is_new(ann)


def test_recently_active_people_newest_first_without_blocks(app, crew):
    ann = crew["ann"]
    for name in ("ben", "cat", "dan"):
        accounts.start_sign_in(crew[name])
    social.block(crew["dan"], "ann")
    assert [u.username for u in home.recently_active(ann)] == ["cat", "ben"]
