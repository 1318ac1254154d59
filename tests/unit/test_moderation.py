"""Moderation rules: deciding reports once, about things that may be gone, and actions
that only make sense on the right subject."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from errors import Forbidden, NotFound, ValidationError
from extensions import db
from models.conversation import Message
from models.moderation import AuditEntry, Report
from models.user import Role
from services import (
    accounts,
    conversation_members,
    conversation_settings,
    conversations,
    moderation,
    moderation_reports,
    notifications,
    parties,
    posts,
)
from tests.support.messages import sent_message

VIDEO = "https://media.example/film.mp4"


@pytest.fixture
def people(user_factory):
    return {
        "mod": user_factory("moe", role=Role.MODERATOR),
        "ann": user_factory("ann"),
        "ben": user_factory("ben"),
    }


def audit_count(action: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
    )


def test_a_report_about_a_room_that_was_closed_can_still_be_decided(people):
    room = conversations.create_room(people["ann"], "Loud room")
    report = moderation_reports.report(people["ben"], "room", room.id, "spam")
    conversation_settings.delete(people["ann"], room.id)

    decided = moderation_reports.resolve(people["mod"], report.id, "warn", "keep it civil")

    assert decided.status == "resolved"
    assert decided.action == "warn"


def test_a_failed_action_leaves_the_report_open(people):
    room = conversations.create_room(people["ann"], "Gone soon")
    report = moderation_reports.report(people["ben"], "room", room.id, "spam")
    conversation_settings.delete(people["ann"], room.id)

    with pytest.raises(NotFound):
        moderation_reports.resolve(people["mod"], report.id, "remove")

    db.session.expire_all()
    assert db.session.get(Report, report.id).status == "open"
    assert audit_count("resolve_report") == 0


def test_warning_or_banning_nobody_is_refused(people):
    report = moderation_reports.report(people["ben"], "user", people["ann"].id, "rude")
    db.session.delete(people["ann"])
    db.session.commit()

    for action in ("warn", "ban"):
        with pytest.raises(ValidationError):
            moderation_reports.resolve(people["mod"], report.id, action)
    assert db.session.get(Report, report.id).status == "open"


def test_removing_a_user_is_refused_before_anything_happens(people):
    report = moderation_reports.report(people["ben"], "user", people["ann"].id, "rude")
    with pytest.raises(ValidationError):
        moderation_reports.resolve(people["mod"], report.id, "remove")
    assert db.session.get(Report, report.id).status == "open"


def test_a_report_is_decided_once(people, user_factory):
    other_mod = user_factory("mia", role=Role.MODERATOR)
    report = moderation_reports.report(people["ben"], "user", people["ann"].id, "rude")
    moderation_reports.resolve(people["mod"], report.id, "dismiss")
    with pytest.raises(ValidationError):
        moderation_reports.resolve(other_mod, report.id, "ban")
    assert accounts.get_by_username("ann").banned_at is None
    assert audit_count("resolve_report") == 1


def test_unbanning_someone_not_banned_is_not_logged(people):
    moderation.unban(people["mod"], "ann")
    assert audit_count("unban") == 0
    moderation.ban(people["mod"], "ann", "spam")
    moderation.unban(people["mod"], "ann")
    assert audit_count("unban") == 1
    assert accounts.get_by_username("ann").banned_at is None


def test_close_room_is_for_rooms_only(people):
    group = conversations.create_group(people["ann"], "Friends", ["ben"])
    with pytest.raises(NotFound):
        moderation.close_room(people["mod"], group.id)
    db.session.refresh(group)
    assert group.deleted_at is None


def test_a_group_is_reported_by_its_members_only_and_removed_by_closing_it(people, user_factory):
    group = conversations.create_group(people["ann"], "Loud group", ["ben"])
    room = conversations.create_room(people["ann"], "A room")
    outsider = user_factory("cat")
    with pytest.raises(NotFound):
        moderation_reports.report(outsider, "group", group.id, "spam")
    with pytest.raises(NotFound):
        moderation_reports.describe_subject(outsider, "group", group.id)
    with pytest.raises(NotFound):  # a room is not a group
        moderation_reports.report(people["ben"], "group", room.id, "spam")
    assert (
        moderation_reports.describe_subject(people["ben"], "group", group.id)
        == "the group “Loud group”"
    )
    report = moderation_reports.report(people["ben"], "group", group.id, "spam")
    assert report.responsible_id == people["ann"].id  # who made it answers for it

    moderation_reports.resolve(people["mod"], report.id, "remove", "spam ring")

    with pytest.raises(NotFound):
        conversations.get(people["ben"], group.id)
    assert audit_count("close_group") == 1


def test_a_banned_host_hands_their_party_over_and_leaves_it_at_once(people):
    from models.party import Participant
    from services import parties, party_membership

    party = parties.create(
        people["ann"], {"title": "Film", "media_url": "https://media.example/f.mp4"}
    )
    party_membership.join_by_code(people["ben"], party.code)
    moderation.ban(people["mod"], "ann", "spam")
    db.session.refresh(party)
    assert party.host_id == people["ben"].id
    assert party.status == "live"
    ann = db.session.scalar(
        select(Participant).where(
            Participant.party_id == party.id, Participant.user_id == people["ann"].id
        )
    )
    assert ann.status == "left"


def test_a_banned_host_alone_in_their_party_ends_it(people):
    from services import parties

    party = parties.create(
        people["ann"], {"title": "Film", "media_url": "https://media.example/f.mp4"}
    )
    moderation.ban(people["mod"], "ann", "spam")
    db.session.refresh(party)
    assert party.status == "ended"


def test_only_admins_take_down_what_staff_made(people, user_factory):
    """As only admins act on staff, only they take down staff's messages, posts, parties
    and rooms; a moderator is told so in words and nothing is taken or logged."""
    boss = user_factory("ada", role=Role.ADMIN)
    room = conversations.create_room(boss, "Announcements")
    said = sent_message(boss, room.id, "Welcome, everyone")
    post_id = posts.create(boss, "Site news", audience="public")["id"]
    party = parties.create(boss, {"title": "Town hall", "media_url": VIDEO, "visibility": "public"})
    takedowns = [
        lambda actor: moderation.remove_message(actor, said.id),
        lambda actor: posts.remove(actor, post_id),
        lambda actor: moderation.end_party(actor, party.id),
        lambda actor: moderation.close_room(actor, room.id),
    ]

    for take_down in takedowns:
        with pytest.raises(Forbidden, match="ada's"):
            take_down(people["mod"])
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0
    assert db.session.get(Message, said.id).deleted_at is None

    other_admin = user_factory("abe", role=Role.ADMIN)
    for take_down in takedowns:
        take_down(other_admin)
    assert audit_count("remove_message") == audit_count("remove_post") == 1
    assert audit_count("end_party") == audit_count("close_room") == 1


def test_a_moderator_takes_down_their_own_and_any_members(people):
    mods_room = conversations.create_room(people["mod"], "Help desk")
    mine = sent_message(people["mod"], mods_room.id, "Ask here")
    anns = posts.create(people["ann"], "Hello", audience="public")["id"]

    moderation.remove_message(people["mod"], mine.id)
    posts.remove(people["mod"], anns)

    assert audit_count("remove_message") == audit_count("remove_post") == 1


def test_a_room_is_answered_for_by_whoever_owns_it_now(people, user_factory):
    """Its creator, an admin, left it to ann: a report names ann, a moderator may close
    it (it is no longer staff's), and ann is the one told why."""
    boss = user_factory("ada", role=Role.ADMIN)
    room = conversations.create_room(boss, "Handed down")
    conversation_members.join(people["ann"], room.id)
    conversation_members.leave(boss, room.id)

    report = moderation_reports.report(people["ben"], "room", room.id, "spam")
    assert report.responsible_id == people["ann"].id
    moderation.close_room(people["mod"], room.id, "spam")

    told = notifications.listing(people["ann"].id)
    assert [note.kind for note in told] == [notifications.MODERATION]
    assert notifications.listing(boss.id) == []
