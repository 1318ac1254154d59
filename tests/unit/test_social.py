"""Follow and block rules, friends, and whose presence a stream carries."""

from __future__ import annotations

import pytest

from errors import Conflict, Forbidden, NotFound, ValidationError
from models.social import Notification
from realtime.channels import channels_for
from realtime.events import presence_channel
from services import notifications, social
from services.relations import are_friends, friend_ids, is_blocked_between, is_following


@pytest.fixture
def people(user_factory):
    return user_factory("ann"), user_factory("ben"), user_factory("cat")


def test_follow_is_idempotent_and_notifies_once(app, people):
    ann, ben, _ = people
    social.follow(ann, "ben")
    social.follow(ann, "BEN")
    assert is_following(ann.id, ben.id)
    assert social.counts(ben.id) == {"followers": 1, "following": 0}
    assert social.counts(ann.id) == {"followers": 0, "following": 1}
    [note] = notifications.listing(ben.id)
    assert (note.kind, note.actor_id, note.count) == ("follow", ann.id, 1)


def test_unfollow_is_idempotent(app, people):
    ann, ben, _ = people
    social.follow(ann, "ben")
    social.unfollow(ann, "ben")
    social.unfollow(ann, "ben")
    assert not is_following(ann.id, ben.id)


@pytest.mark.parametrize("action", [social.follow, social.unfollow, social.block, social.unblock])
def test_nobody_acts_on_themselves_or_on_nobody(app, people, action):
    ann = people[0]
    with pytest.raises(ValidationError):
        action(ann, "ann")
    with pytest.raises(NotFound):
        action(ann, "nobody_here")


def test_friends_are_mutual_follows(app, people):
    ann, ben, _cat = people
    social.follow(ann, "ben")
    assert not are_friends(ann.id, ben.id)
    social.follow(ben, "ann")
    social.follow(ann, "cat")
    assert are_friends(ann.id, ben.id)
    assert friend_ids(ann.id) == {ben.id}


def test_block_removes_follows_both_ways_and_stops_new_ones(app, people):
    ann, ben, _ = people
    social.follow(ann, "ben")
    social.follow(ben, "ann")
    social.block(ann, "ben")
    assert not is_following(ann.id, ben.id)
    assert not is_following(ben.id, ann.id)
    assert is_blocked_between(ann.id, ben.id)
    assert is_blocked_between(ben.id, ann.id)
    with pytest.raises(Forbidden):
        social.follow(ben, "ann")
    with pytest.raises(Conflict):
        social.follow(ann, "ben")
    assert [user.username for user in social.blocked_users(ann)] == ["ben"]
    social.unblock(ann, "ben")
    social.follow(ben, "ann")
    assert is_following(ben.id, ann.id)


def test_blocked_people_get_no_notifications_from_each_other(app, people):
    ann, ben, _ = people
    social.block(ann, "ben")
    assert notifications.notify(ann.id, "mention", actor=ben, subject={"type": "user"}) is None
    assert notifications.notify(ben.id, "mention", actor=ann, subject={"type": "user"}) is None


def test_a_follower_stream_carries_presence_of_those_followed(app, people):
    ann, ben, _cat = people
    social.follow(ann, "ben")
    assert presence_channel(ben.id) in channels_for(ann.id)
    assert presence_channel(ann.id) not in channels_for(ben.id)
    assert presence_channel(ann.id) not in channels_for(ann.id)
    social.block(ben, "ann")
    assert presence_channel(ben.id) not in channels_for(ann.id)


def test_lists_are_paginated(app, user_factory):
    star = user_factory("star")
    fans = [user_factory(f"fan{n}") for n in range(5)]
    for fan in fans:
        social.follow(fan, "star")
    first = social.followers("star", page=1, per_page=2)
    assert first.total == 5
    assert len(first.users) == 2
    assert first.has_next
    last = social.followers("star", page=3, per_page=2)
    assert len(last.users) == 1
    assert not last.has_next
    seen = {u.id for p in (1, 2, 3) for u in social.followers("star", page=p, per_page=2).users}
    assert seen == {fan.id for fan in fans}
    assert social.following("fan0").total == 1
    assert star.id == social.following("fan0").users[0].id
    with pytest.raises(ValidationError):
        social.followers("star", page=0)
    with pytest.raises(ValidationError):
        social.followers("star", per_page=500)


def test_follow_notifications_collapse_while_unread(app, user_factory):
    star = user_factory("star")
    for n in range(3):
        social.follow(user_factory(f"fan{n}"), "star")
    [note] = notifications.listing(star.id)
    assert note.count == 3
    assert notifications.to_dict(note)["actor"]["username"] == "fan2"
    notifications.mark_read(star.id, None)
    social.follow(user_factory("late"), "star")
    assert [n.count for n in notifications.listing(star.id)] == [1, 3]
    assert Notification.query.count() == 2


def test_counts_of_many_people_match_each_ones_counts(app, people, monkeypatch):
    ann, ben, cat = people
    social.follow(ann, ben.username)
    social.follow(cat, ben.username)
    social.follow(ben, cat.username)
    monkeypatch.setattr(social, "COUNTED_AT_ONCE", 2)  # three people: two statements' worth

    together = social.counts_of([cat.id, ann.id, ben.id, ann.id])

    assert together == {person.id: social.counts(person.id) for person in people}
    assert together[ben.id] == {"followers": 2, "following": 1}
    assert together[ann.id] == {"followers": 0, "following": 1}
