"""Notification storage, preferences, listing and read state."""

from __future__ import annotations

import pytest

from errors import ValidationError
from extensions import db
from realtime import resume
from realtime.bus import bus
from realtime.connections import Identity
from services import notifications

SUBJECT = {"type": "message", "id": 1}


def test_notify_stores_and_counts(app, user_factory):
    ann, ben = user_factory("ann"), user_factory("ben")
    note = notifications.notify(ann.id, "mention", actor=ben, subject={"type": "message", "id": 9})
    assert note is not None
    data = notifications.to_dict(note, notifications.unread_count(ann.id))
    assert data["kind"] == "mention"
    assert data["actor"] == {"id": ben.id, "username": "ben", "display_name": ""}
    assert data["subject"] == {"type": "message", "id": 9}
    assert data["unread_count"] == 1
    assert data["created_at"].endswith("Z")


def test_muted_kinds_are_not_stored(app, user_factory):
    ann, ben = user_factory("ann"), user_factory("ben")
    notifications.set_muted_kinds(ann.id, ["mention", "follow"])
    assert notifications.muted_kinds(ann.id) == {"mention", "follow"}
    assert notifications.notify(ann.id, "mention", actor=ben, subject=SUBJECT) is None
    assert notifications.notify(ann.id, "party_invite", actor=ben, subject=SUBJECT) is not None
    notifications.set_muted_kinds(ann.id, [])
    assert notifications.notify(ann.id, "mention", actor=ben, subject=SUBJECT) is not None
    with pytest.raises(ValidationError):
        notifications.set_muted_kinds(ann.id, ["spam"])


def test_mark_read_one_all_and_never_someone_elses(app, user_factory):
    ann, ben = user_factory("ann"), user_factory("ben")
    mine = [notifications.notify(ann.id, "mention", actor=ben, subject=SUBJECT) for _ in range(3)]
    theirs = notifications.notify(ben.id, "mention", actor=ann, subject=SUBJECT)
    db.session.commit()  # notify joins its caller's unit of work; this test is the caller
    stream = resume.open_stream(Identity(ann.id), "longpoll")
    resume.backlog(stream, None)
    bus.hub.finish_stream_replay(stream)
    try:
        assert notifications.mark_read(ann.id, [mine[0].id, theirs.id]) == 2
        assert notifications.unread_count(ben.id) == 1
        assert notifications.mark_read(ann.id, None) == 0
        told = [stream.queue.get(timeout=1).data for _ in range(2)]
    finally:
        bus.hub.remove_stream(stream)
    # Ann's other tabs hear of her notification only, never of the id of Ben's she sent.
    assert told[0] == {"ids": [mine[0].id], "all": False, "unread_count": 2}
    assert told[1] == {"ids": None, "all": True, "unread_count": 0}


def test_listing_pages_newest_first(app, user_factory):
    ann, ben = user_factory("ann"), user_factory("ben")
    made = [
        notifications.notify(ann.id, "mention", actor=ben, subject={"type": "message", "id": n + 1})
        for n in range(5)
    ]
    first = notifications.listing(ann.id, limit=2)
    assert [n.id for n in first] == [made[4].id, made[3].id]
    rest = notifications.listing(ann.id, before=first[-1].id, limit=10)
    assert [n.id for n in rest] == [made[2].id, made[1].id, made[0].id]
    with pytest.raises(ValidationError):
        notifications.listing(ann.id, limit=0)


def test_a_repeat_brings_a_notification_back_to_the_top(app, user_factory):
    """Listed by latest update: a message notification that collapsed another message
    into itself comes before newer ones, and pages continue in that order."""
    ann, ben, cat = user_factory("ann"), user_factory("ben"), user_factory("cat")
    dm = {"type": "conversation", "id": 9}
    older = notifications.notify(ann.id, "message", actor=ben, subject=dm)
    follow = notifications.notify(ann.id, "follow", actor=cat, subject={"type": "user", "id": 3})
    mention = notifications.notify(ann.id, "mention", actor=cat, subject=SUBJECT)
    db.session.commit()
    assert [n.id for n in notifications.listing(ann.id)] == [mention.id, follow.id, older.id]
    again = notifications.notify(ann.id, "message", actor=ben, subject=dm)
    db.session.commit()
    assert again.id == older.id
    assert again.count == 2
    first = notifications.listing(ann.id, limit=1)
    assert [n.id for n in first] == [older.id]
    rest = notifications.listing(ann.id, before=first[-1].id)
    assert [n.id for n in rest] == [mention.id, follow.id]
    assert notifications.listing(ben.id, before=older.id) == []  # not ben's to page from
