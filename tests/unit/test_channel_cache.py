"""The per-process cache of a user's channels: kept between connections, and dropped by
every change of whose stream holds which channel (through the bus's control messages).
Each test reads a user's channels first (so they are cached), changes them through a
service, and checks the next read is the new set: a lost channel never outlives the
change, a gained one is there at once."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from errors import Forbidden
from extensions import db
from models.user import Role
from realtime import channels, user_caches
from realtime.channels import channels_for
from realtime.events import presence_channel
from services import (
    account_data,
    conversation_members,
    conversation_settings,
    conversations,
    moderation,
    parties,
    party_hosts,
    party_membership,
    party_shapes,
    social,
)
from services.conversation_access import channel as conversation_channel
from tests.conftest import PASSWORD

VIDEO = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


@pytest.fixture
def people(user_factory):
    return {name: user_factory(name) for name in ("ann", "ben", "cat")}


def cached(user_id: int) -> set[str]:
    """The user's channels, read so that they are kept (and checked to be kept)."""
    found = channels_for(user_id)
    assert user_id in channels._cache
    return found


def queries_of(call) -> int:
    count = 0

    def counted(*_args: object) -> None:
        nonlocal count
        count += 1

    engine = db.engine
    event.listen(engine, "before_cursor_execute", counted)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    return count


def test_a_kept_set_is_read_without_a_query_and_is_the_callers_own(app, people):
    ann = people["ann"].id
    first = cached(ann)
    assert queries_of(lambda: channels_for(ann)) == 0
    first.add("party:999")
    assert "party:999" not in channels_for(ann)


def test_a_read_during_which_something_was_forgotten_is_read_again_and_not_kept_stale(app, people):
    ann, ben = people["ann"].id, people["ben"].id
    reads = []

    def racing_provider(user_id: int) -> list[str]:
        reads.append(user_id)
        if len(reads) == 1:
            user_caches.forget_user(ben)  # a control message applied while the query waited
        return []

    channels._providers.append(racing_provider)
    try:
        channels_for(ann)
    finally:
        channels._providers.remove(racing_provider)
    assert reads == [ann, ann]
    assert ann in channels._cache


def test_binding_an_app_forgets_everything(app, people):
    from realtime.bus import bus

    cached(people["ann"].id)
    bus.init_app(app)
    assert channels._cache._entries == {}


def test_follow_unfollow(app, people):
    ann, ben = people["ann"], people["ben"]
    assert presence_channel(ben.id) not in cached(ann.id)
    social.follow(ann, "ben")
    assert presence_channel(ben.id) in cached(ann.id)
    social.unfollow(ann, "ben")
    assert presence_channel(ben.id) not in channels_for(ann.id)


def test_block_and_unblock_with_a_direct_conversation(app, people):
    ann, ben = people["ann"], people["ben"]
    social.follow(ann, "ben")
    direct = conversations.open_direct(ann, "ben")
    assert presence_channel(ben.id) in cached(ann.id)
    assert presence_channel(ann.id) in cached(ben.id)
    social.block(ben, "ann")
    assert presence_channel(ben.id) not in cached(ann.id)
    assert presence_channel(ann.id) not in cached(ben.id)
    assert conversation_channel(direct.id) in channels_for(ann.id)
    social.unblock(ben, "ann")
    assert presence_channel(ben.id) in channels_for(ann.id)
    assert presence_channel(ann.id) in channels_for(ben.id)


def test_group_add_remove_leave_and_delete(app, people):
    ann, ben, cat = people["ann"], people["ben"], people["cat"]
    group = conversations.create_group(ann, "Film club", ["ben"])
    group_channel = conversation_channel(group.id)
    assert group_channel in cached(ben.id)
    assert group_channel not in cached(cat.id)
    conversation_members.add_member(ann, group.id, "cat")
    assert group_channel in cached(cat.id)
    conversation_members.remove_member(ann, group.id, "cat")
    assert group_channel not in cached(cat.id)
    conversation_members.leave(ben, group.id)
    assert group_channel not in cached(ben.id)
    assert group_channel in cached(ann.id)
    conversation_settings.delete(ann, group.id)
    assert group_channel not in channels_for(ann.id)


def test_joining_a_public_room(app, people):
    ann, ben = people["ann"], people["ben"]
    room = conversations.create_room(ann, "Lobby")
    assert conversation_channel(room.id) not in cached(ben.id)
    conversation_members.join(ben, room.id)
    assert conversation_channel(room.id) in channels_for(ben.id)


def test_party_enter_role_remove_leave_and_end(app, people):
    ann, ben, cat = people["ann"], people["ben"], people["cat"]
    party = parties.create(ann, {"title": "Movie night", "media_url": VIDEO})
    room, drivers = party_shapes.channel(party.id), party_shapes.drivers_channel(party.id)
    assert room not in cached(ben.id)
    party_membership.enter(ben, party.id)
    party_membership.enter(cat, party.id)
    assert room in cached(ben.id)
    assert drivers not in cached(ben.id)
    party_membership.set_role(ann, party.id, "ben", "co-host")
    assert drivers in cached(ben.id)
    party_membership.set_role(ann, party.id, "ben", "viewer")
    assert drivers not in cached(ben.id)
    assert room in cached(cat.id)
    party_membership.remove(ann, party.id, "cat")
    assert room not in cached(cat.id)
    party_membership.leave(ben, party.id)
    assert room not in cached(ben.id)
    assert {room, drivers} <= cached(ann.id)
    parties.end(ann, party.id)
    assert not {room, drivers} & channels_for(ann.id)


def test_staff_role_given_and_taken(app, people, user_factory):
    admin = user_factory("root", role=Role.ADMIN)
    ann = people["ann"]
    assert moderation.STAFF_CHANNEL not in cached(ann.id)
    moderation.set_role(admin, "ann", "moderator")
    assert moderation.STAFF_CHANNEL in cached(ann.id)
    moderation.set_role(admin, "ann", "user")
    assert moderation.STAFF_CHANNEL not in channels_for(ann.id)


def test_ban_forgets_the_banned_account(app, people, user_factory):
    admin = user_factory("root", role=Role.ADMIN)
    cached(people["ann"].id)
    moderation.ban(admin, "ann", "spam")
    assert people["ann"].id not in channels._cache


def test_account_deletion_takes_its_presence_from_followers_and_its_groups(app, people):
    ann, ben = people["ann"], people["ben"]
    social.follow(ben, "ann")
    group = conversations.create_group(ann, "Film club", ["ben"])
    assert presence_channel(ann.id) in cached(ben.id)
    assert conversation_channel(group.id) in cached(ann.id)
    account_data.delete_account(ann, PASSWORD)
    assert presence_channel(ann.id) not in channels_for(ben.id)
    assert conversation_channel(group.id) not in channels_for(ann.id)


def test_a_direct_conversation_opened(app, people):
    ann, ben = people["ann"], people["ben"]
    assert presence_channel(ben.id) not in cached(ann.id)
    assert presence_channel(ann.id) not in cached(ben.id)
    direct = conversations.open_direct(ann, "ben")
    assert {conversation_channel(direct.id), presence_channel(ben.id)} <= channels_for(ann.id)
    assert {conversation_channel(direct.id), presence_channel(ann.id)} <= channels_for(ben.id)


def test_a_request_to_join_approved(app, people):
    ann, ben = people["ann"], people["ben"]
    party = parties.create(
        ann, {"title": "Movie night", "media_url": VIDEO, "requires_approval": True}
    )
    with pytest.raises(Forbidden):  # the request waits for the host
        party_membership.enter(ben, party.id)
    assert party_shapes.channel(party.id) not in cached(ben.id)
    party_membership.decide(ann, party.id, "ben", approve=True)
    assert party_shapes.channel(party.id) in channels_for(ben.id)


def test_the_host_handed_over(app, people):
    ann, ben = people["ann"], people["ben"]
    party = parties.create(ann, {"title": "Movie night", "media_url": VIDEO})
    party_membership.enter(ben, party.id)
    drivers = party_shapes.drivers_channel(party.id)
    assert drivers in cached(ann.id)
    assert drivers not in cached(ben.id)
    assert party_hosts.hand_over(party.id, ann.id) == ben.id
    db.session.commit()
    assert drivers not in channels_for(ann.id)
    assert drivers in channels_for(ben.id)
