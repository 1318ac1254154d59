"""A deleted account leaves the notifications it was collapsed into: a follow
notification names the others left (and goes when nobody is), the owner's open pages
hear of it, and what the person wrote keeps its notifications."""

from __future__ import annotations

import pytest

from extensions import db
from models.social import Notification
from realtime import store
from realtime.events import Envelope, user_channel
from realtime.fragments import render_fragments
from services import (
    account_data,
    conversations,
    invites,
    notifications,
    parties,
    party_membership,
    social,
)
from tests.conftest import PASSWORD

VIDEO = "https://example.com/film.mp4"


@pytest.fixture
def crew(user_factory):
    return {name: user_factory(name) for name in ("ann", "ben", "cat", "dan")}


def the_one(user_id: int, kind: str) -> dict | None:
    found = [n for n in notifications.listing(user_id) if n.kind == kind]
    assert len(found) <= 1
    return notifications.to_dict(found[0]) if found else None


def told(user_id: int, name: str) -> list[dict]:
    return [e.data for e in store.read_after(0, [user_channel(user_id)]) if e.name == name]


def test_a_deleted_follower_leaves_the_collapsed_follow_notification(app, crew):
    ann, ben, cat, dan = crew["ann"], crew["ben"], crew["cat"], crew["dan"]
    for follower in (ben, cat, dan):
        social.follow(follower, "ann")
    note = the_one(ann.id, notifications.FOLLOW)
    assert (note["count"], note["actor"]["username"]) == (3, "dan")

    account_data.delete_account(dan, PASSWORD)
    db.session.expire_all()

    note = the_one(ann.id, notifications.FOLLOW)
    assert (note["count"], note["actor"]["username"]) == (2, "cat")
    assert note["subject"] == {"type": "user", "id": cat.id}
    [updated] = told(ann.id, notifications.NOTIFICATION_UPDATED)
    assert updated["id"] == note["id"]
    assert (updated["count"], updated["actor"]["username"], updated["unread_count"]) == (
        2,
        "cat",
        1,
    )

    account_data.delete_account(ben, PASSWORD)  # not the latest: the latest stays named
    db.session.expire_all()
    note = the_one(ann.id, notifications.FOLLOW)
    assert (note["count"], note["actor"]["username"]) == (1, "cat")

    account_data.delete_account(cat, PASSWORD)  # nobody left: it goes
    db.session.expire_all()
    assert the_one(ann.id, notifications.FOLLOW) is None
    assert db.session.get(Notification, note["id"]) is None
    assert told(ann.id, notifications.NOTIFICATION_REMOVED) == [
        {"id": note["id"], "unread_count": 0}
    ]


def test_a_read_follow_notification_loses_them_too(app, crew):
    ann, ben = crew["ann"], crew["ben"]
    social.follow(ben, "ann")
    note = the_one(ann.id, notifications.FOLLOW)
    notifications.mark_read(ann.id, None)
    account_data.delete_account(ben, PASSWORD)
    db.session.expire_all()
    assert the_one(ann.id, notifications.FOLLOW) is None
    assert told(ann.id, notifications.NOTIFICATION_REMOVED) == [
        {"id": note["id"], "unread_count": 0}
    ]


def test_following_again_counts_a_person_once(app, crew):
    ann, ben, cat = crew["ann"], crew["ben"], crew["cat"]
    social.follow(ben, "ann")
    social.unfollow(ben, "ann")
    social.follow(ben, "ann")
    assert the_one(ann.id, notifications.FOLLOW)["count"] == 1
    social.follow(cat, "ann")
    social.unfollow(ben, "ann")
    social.follow(ben, "ann")
    note = the_one(ann.id, notifications.FOLLOW)
    assert (note["count"], note["actor"]["username"]) == (2, "ben")  # ben again on top


def test_invitations_lose_a_deleted_inviter_but_one_only_they_gave_stays(app, crew):
    ann, ben, cat, dan = crew["ann"], crew["ben"], crew["cat"], crew["dan"]
    shared = parties.create(ben, {"title": "Shared", "media_url": VIDEO})
    party_membership.join_by_code(cat, shared.code)
    invites.invite_to_party(cat, shared.id, "ann")
    invites.invite_to_party(ben, shared.id, "ann")
    alone = parties.create(dan, {"title": "Dan's", "media_url": VIDEO, "visibility": "private"})
    invites.invite_to_party(dan, alone.id, "ann")
    party_invites = {
        n.subject_key: n for n in notifications.listing(ann.id) if n.kind == "party_invite"
    }
    assert party_invites[f"party:{shared.id}"].count == 2

    account_data.delete_account(cat, PASSWORD)
    db.session.expire_all()
    invite = notifications.to_dict(
        db.session.get(Notification, party_invites[f"party:{shared.id}"].id)
    )
    assert (invite["count"], invite["actor"]["username"]) == (1, "ben")

    account_data.delete_account(dan, PASSWORD)  # the party ends: nobody else is in it
    db.session.expire_all()
    kept = notifications.to_dict(
        db.session.get(Notification, party_invites[f"party:{alone.id}"].id)
    )
    assert kept["count"] == 1
    assert kept["actor"]["deleted"] is True


def test_messages_and_mentions_of_a_deleted_person_stay(app, crew):
    ann, ben = crew["ann"], crew["ben"]
    direct = conversations.open_direct(ben, "ann")
    # As the delayed direct-message notice and a mention write them.
    for kind, subject in (
        (notifications.MESSAGE, {"type": "conversation", "id": direct.id}),
        (notifications.MENTION, {"type": "message", "id": 1, "conversation_id": direct.id}),
    ):
        notifications.notify(ann.id, kind, actor=ben, subject=subject)
    db.session.commit()
    before = {n.kind: n.id for n in notifications.listing(ann.id)}
    account_data.delete_account(ben, PASSWORD)
    db.session.expire_all()
    after = {n.kind: notifications.to_dict(n) for n in notifications.listing(ann.id)}
    assert {kind: n["id"] for kind, n in after.items()} == before
    assert all(n["actor"]["deleted"] is True for n in after.values())
    assert told(ann.id, notifications.NOTIFICATION_REMOVED) == []


def test_open_pages_redraw_or_drop_it_in_place(app, crew):
    ann, ben, cat = crew["ann"], crew["ben"], crew["cat"]
    social.follow(ben, "ann")
    social.follow(cat, "ann")
    note = the_one(ann.id, notifications.FOLLOW)
    note = {**note, "count": 1, "unread_count": 1}
    updated = Envelope(user_channel(ann.id), notifications.NOTIFICATION_UPDATED, note)
    removed = Envelope(
        user_channel(ann.id),
        notifications.NOTIFICATION_REMOVED,
        {"id": note["id"], "unread_count": 0},
    )
    with app.test_request_context("/events/html"):
        redrawn = dict(render_fragments(updated, frozenset(), ann.id))
        dropped = dict(render_fragments(removed, frozenset(), ann.id))
    item = redrawn["notification-changed"]
    assert f'id="notification-{note["id"]}" hx-swap-oob="outerHTML"' in item
    assert "data-live-move" not in item  # in place, not to the top
    assert "Cat" in item or "cat" in item
    assert "other" not in item
    assert ">1<" in redrawn["notification-count"]
    assert dropped["notification-changed"] == (
        f'<li id="notification-{note["id"]}" hx-swap-oob="delete"></li>'
    )
    assert "1" not in dropped["notification-count"]
