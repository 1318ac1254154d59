"""A mute holds wherever others would read the muted person: a party's queue (its titles
are read by everyone in the party), a clip's new title, and a group or room they leave
and come back to. A moderator's mute reaches groups and rooms, never a direct
conversation. And someone removed from a public room does not simply join it again."""

from __future__ import annotations

from datetime import timedelta

import pytest

from errors import Forbidden, NotFound
from extensions import db
from models.clock import utcnow
from models.conversation import FormerMember
from models.user import Role
from services import (
    clips,
    conversation_members,
    conversations,
    messages,
    moderation,
    parties,
    party_membership,
    party_queue,
)

VIDEO = "https://media.example/film.mp4"


@pytest.fixture
def cast(user_factory):
    return {
        "host": user_factory("host"),
        "troll": user_factory("troll"),
        "mod": user_factory("mod", role=Role.MODERATOR),
    }


def refused_as_muted(call, *args) -> None:
    with pytest.raises(Forbidden) as caught:
        call(*args)
    assert caught.value.code == "muted"


@pytest.mark.parametrize("co_host", [False, True], ids=["suggestion", "co-host"])
def test_a_site_muted_person_adds_nothing_to_a_partys_queue(cast, co_host):
    fields = {"title": "Open", "media_url": VIDEO, "allow_suggestions": True}
    party = parties.create(cast["host"], fields)
    party_membership.join_by_code(cast["troll"], party.code)
    if co_host:
        party_membership.set_role(cast["host"], party.id, "troll", "co-host")
    moderation.mute(cast["mod"], "troll", 60)
    refused_as_muted(party_queue.add, cast["troll"], party.id, VIDEO + "?2", "loud words")
    assert party_queue.items(party.id) == []


def test_a_site_muted_person_cannot_retitle_a_clip(cast):
    clip = clips.create(cast["troll"], {"title": "Nice", "video_url": VIDEO, "start": 0, "end": 9})
    moderation.mute(cast["mod"], "troll", 60)
    refused_as_muted(clips.edit, cast["troll"], clip.code, {"title": "loud words"})
    db.session.refresh(clip)
    assert clip.title == "Nice"


@pytest.mark.parametrize("by", ["owner", "moderator"])
@pytest.mark.parametrize("how", ["left", "removed"])
def test_a_room_mute_comes_back_with_its_member(cast, by, how):
    room = conversations.create_room(cast["host"], "Open room", "public")
    conversation_members.join(cast["troll"], room.id)
    if by == "owner":
        conversation_members.mute(cast["host"], room.id, "troll", 60)
    else:
        moderation.mute(cast["mod"], "troll", 60, room.id)
    if how == "left":
        conversation_members.leave(cast["troll"], room.id)
    else:
        conversation_members.remove_member(cast["host"], room.id, "troll")
    if how == "left":
        conversation_members.join(cast["troll"], room.id)
    else:  # one removed comes back only when added
        conversation_members.add_member(cast["host"], room.id, "troll")
    refused_as_muted(messages.send, cast["troll"], room.id, "free again?")
    # Kept once: a second leave and return still finds it.
    conversation_members.leave(cast["troll"], room.id)
    conversation_members.join(cast["troll"], room.id)
    refused_as_muted(messages.send, cast["troll"], room.id, "free now?")


def test_a_mute_that_ran_out_while_away_is_not_brought_back(cast):
    room = conversations.create_room(cast["host"], "Open room", "public")
    conversation_members.join(cast["troll"], room.id)
    conversation_members.mute(cast["host"], room.id, "troll", 60)
    conversation_members.leave(cast["troll"], room.id)
    former = db.session.get(FormerMember, (room.id, cast["troll"].id))
    former.muted_until = utcnow() - timedelta(minutes=1)
    db.session.commit()
    conversation_members.join(cast["troll"], room.id)
    assert messages.send(cast["troll"], room.id, "back, and free")["body"] == "back, and free"
    assert db.session.get(FormerMember, (room.id, cast["troll"].id)) is None


def test_a_moderator_cannot_mute_anyone_in_a_direct_conversation(cast):
    direct = conversations.open_direct(cast["host"], "troll")
    with pytest.raises(NotFound):
        moderation.mute(cast["mod"], "troll", 60, direct.id)
    assert messages.send(cast["troll"], direct.id, "still mine")["body"] == "still mine"


def test_someone_removed_from_a_public_room_joins_again_only_when_added(cast):
    room = conversations.create_room(cast["host"], "Open room", "public")
    for person in ("troll", "mod"):
        conversation_members.join(cast[person], room.id)
    conversation_members.remove_member(cast["host"], room.id, "troll")
    conversation_members.leave(cast["mod"], room.id)
    with pytest.raises(Forbidden) as caught:
        conversation_members.join(cast["troll"], room.id)
    assert caught.value.code == "removed"
    conversation_members.join(cast["mod"], room.id)  # who left comes back as they like
    conversation_members.add_member(cast["host"], room.id, "troll")
    conversation_members.leave(cast["troll"], room.id)  # added back, then left: free
    conversation_members.join(cast["troll"], room.id)
    assert messages.send(cast["troll"], room.id, "hello again")["body"] == "hello again"
