"""What a room shows is true: a newcomer has nothing unread from before they came (by
joining or being added), a room gone with its last member says nothing of itself in the
directory's replays, and a message anyone may read in a public room
may be reported by anyone reading it."""

from __future__ import annotations

import pytest

from realtime import store
from services import (
    conversation_listing,
    conversation_members,
    conversations,
    message_reading,
    messages,
    moderation_reports,
)


def unread(person, conversation_id: int) -> int:
    [row] = [r for r in conversation_listing.overview(person) if r["id"] == conversation_id]
    return row["unread_count"]


@pytest.mark.parametrize("how", ["joined", "added"])
def test_a_newcomer_has_nothing_unread_from_before(user_factory, how):
    owner, newcomer = user_factory("owner"), user_factory("newcomer")
    room = conversations.create_room(owner, "Big room", "public" if how == "joined" else "private")
    for n in range(5):
        messages.send(owner, room.id, f"old news {n}")
    if how == "joined":
        conversation_members.join(newcomer, room.id)
    else:
        conversation_members.add_member(owner, room.id, "newcomer")
    assert unread(newcomer, room.id) == 0
    assert message_reading.unread_total(newcomer) == 0
    messages.send(owner, room.id, "fresh news")
    assert unread(newcomer, room.id) == 1


def test_a_room_gone_with_its_last_member_says_nothing_of_itself(user_factory):
    owner, invited = user_factory("owner"), user_factory("invited")
    room = conversations.create_room(owner, "Secret plans", "public", description="meet at 6")
    conversation_members.add_member(owner, room.id, "invited")
    conversation_members.leave(invited, room.id)
    conversation_members.leave(owner, room.id)  # the last one: the room is deleted

    listings = [
        event.data
        for event in store.read_after(0, ["directory:rooms"])
        if event.name == "directory:room" and event.data["id"] == room.id
    ]
    assert listings
    assert all((d["name"], d["description"]) == ("", "") for d in listings), listings


def test_anyone_reading_a_public_room_may_report_its_messages(user_factory):
    owner, reader = user_factory("owner"), user_factory("reader")
    room = conversations.create_room(owner, "Lobby", "public")
    said = messages.send(owner, room.id, "something abusive")
    assert said["id"] in [m.id for m in message_reading.history(reader, room.id)]
    report = moderation_reports.report(reader, "message", said["id"], "harassment")
    assert report.subject_id == said["id"]
